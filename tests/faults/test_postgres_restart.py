"""PostgreSQL stopped and started again while a DAG's task works: the try fails naming the
lost connection, the retry completes, and the rows are exactly those of an undisturbed run.

Each DAG runs twice on copies of one generated fleet, on a private server: undisturbed, then
with the server restarted once one of its tasks is at work. The tests know DAG ids, params
and tables, not how the tasks are split, so they hold when a DAG is reshaped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pprint import pformat

import pytest
from conftest import END, TASK_AT_WORK, Fault, differences, run_logged, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults-cluster")]

# The analysis is half done: some claimed executions written back, others still waiting.
ANALYSIS_HALF_DONE = (
    "SELECT count(*) FILTER (WHERE ai_status = 'DONE') > 0 "
    "AND count(*) FILTER (WHERE ai_status = 'CLAIMED') > 0 FROM healer_executions")
CONNECTION_LOST = re.compile(
    r"terminating connection due to administrator command|server closed the connection|"
    r"connection (?:to server .*)?(?:failed|refused)|AdminShutdown|the database system is "
    r"(?:shutting down|starting up|in recovery mode)|consuming input failed", re.I)


def no_metrics(conn) -> None:
    conn.execute("TRUNCATE site_metrics, metric_quarantine")
    conn.commit()


def ingest_conf(drop_dir: str) -> dict:
    return {"mode": "files", "drop_dir": drop_dir,
            "start": (END - timedelta(days=1)).isoformat(), "end": END.isoformat()}


SCENARIOS = {
    # dag_id: (what the copies start from, when the fault strikes, how the server goes down)
    "site_metrics_ingest": (no_metrics, TASK_AT_WORK, "immediate"),
    "anomaly_detection": (None, TASK_AT_WORK, "fast"),
    "ai_failure_analysis": (None, ANALYSIS_HALF_DONE, "fast"),
}


def conf_for(dag_id: str, fleet: dict) -> dict:
    return ingest_conf(fleet["drop_dir"]) if dag_id == "site_metrics_ingest" else {}


@pytest.mark.parametrize("dag_id", list(SCENARIOS))
def test_a_restart_mid_task_is_retried_to_the_same_rows(dag_id, cluster, cluster_fleet,
                                                        copies, healer_db, short_retries,
                                                        tmp_path, capfd):
    setup, when, mode = SCENARIOS[dag_id]
    conf = conf_for(dag_id, cluster_fleet)
    reference, faulted = copies(cluster_fleet, 2, setup)
    began = datetime.now(UTC) - timedelta(seconds=1)

    healer_db(reference)
    undisturbed, _ = run_logged(dag_id, conf, tmp_path / "reference.log")
    assert undisturbed["state"] == "success", undisturbed

    healer_db(faulted)
    capfd.readouterr()
    fault = Fault(faulted, when, lambda: cluster.restart(mode))
    fault.start()
    try:
        run, log = run_logged(dag_id, conf, tmp_path / "faulted.log")
    finally:
        fault.finish()
    log += "".join(capfd.readouterr())  # the task runner's own lines (structlog) go there
    assert fault.fired.is_set(), "the fault never found a task at work"
    assert run["state"] == "success", (run, log[-3000:])
    assert max(run["tries"].values()) >= 2, run["tries"]  # a try failed and was retried
    assert CONNECTION_LOST.search(log), log[-3000:]  # ... naming the lost connection
    diff = differences(snapshot(reference, began), snapshot(faulted, began))
    assert not diff, pformat(diff, width=150)
