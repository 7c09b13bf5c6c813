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

import psycopg
import pytest
from conftest import END, TASK_AT_WORK, Fault, differences, run_logged, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults-cluster")]

# The analysis is half done: some claimed executions written back, others still waiting.
ANALYSIS_HALF_DONE = (
    "SELECT count(*) FILTER (WHERE ai_status = 'DONE') > 0 "
    "AND count(*) FILTER (WHERE ai_status = 'CLAIMED') > 0 FROM healer_executions")
HOLD = {"anomaly_detection": "LOCK TABLE site_metrics IN ACCESS EXCLUSIVE MODE"}
WAITING_FOR_THE_HELD_LOCK = (
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_type = 'client backend' AND wait_event_type = 'Lock')")
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


ATTEMPTS = 3  # faulted runs at most, each on a fresh copy

SCENARIOS = {
    # dag_id: (what the copies start from, when the fault strikes, how the server goes down)
    "site_metrics_ingest": (no_metrics, TASK_AT_WORK, "immediate"),
    # detection's steps are short transactions: the metrics are held locked until a step
    # waits for them, so the restart always finds it inside its transaction
    "anomaly_detection": (None, WAITING_FOR_THE_HELD_LOCK, "immediate"),
    "ai_failure_analysis": (None, ANALYSIS_HALF_DONE, "fast"),
}


def hold(url: str, statement: str | None) -> psycopg.Connection | None:
    """A session that keeps `statement`'s lock (in an open transaction) until the restart."""
    if statement is None:
        return None
    holder = psycopg.connect(url)
    holder.execute(statement)
    return holder


def conf_for(dag_id: str, fleet: dict) -> dict:
    return ingest_conf(fleet["drop_dir"]) if dag_id == "site_metrics_ingest" else {}


@pytest.mark.parametrize("dag_id", list(SCENARIOS))
def test_a_restart_mid_task_is_retried_to_the_same_rows(dag_id, cluster, cluster_fleet,
                                                        copies, healer_db, short_retries,
                                                        tmp_path, capfd):
    setup, when, mode = SCENARIOS[dag_id]
    conf = conf_for(dag_id, cluster_fleet)
    reference, *attempts = copies(cluster_fleet, 1 + ATTEMPTS, setup)
    began = datetime.now(UTC) - timedelta(seconds=1)

    healer_db(reference)
    undisturbed, _ = run_logged(dag_id, conf, tmp_path / "reference.log")
    assert undisturbed["state"] == "success", undisturbed
    expected = snapshot(reference, began)

    # A restart can land between two transactions (a task's work is several short ones), so
    # no try fails: that run must still leave the same rows, and the fault is tried again on
    # a fresh copy until one lands inside a task.
    tries_seen = []
    for number, faulted in enumerate(attempts):
        healer_db(faulted)
        capfd.readouterr()
        holder = hold(faulted, HOLD.get(dag_id))
        fault = Fault(faulted, when, lambda: cluster.restart(mode))
        fault.start()
        try:
            run, log = run_logged(dag_id, conf, tmp_path / f"faulted-{number}.log")
        finally:
            fault.finish()
            if holder is not None:
                holder.close()  # its server session ended with the restart
        log += "".join(capfd.readouterr())  # the task runner's own lines (structlog) go there
        assert run["state"] == "success", (run, log[-3000:])
        diff = differences(expected, snapshot(faulted, began))
        assert not diff, pformat(diff, width=150)
        tries_seen.append((fault.fired.is_set(), run["tries"]))
        if fault.fired.is_set() and max(run["tries"].values()) >= 2:  # a try failed, retried
            break
    fired, tries = tries_seen[-1]
    assert fired, f"the fault never found a task at work: {tries_seen}"
    assert max(tries.values()) >= 2, tries_seen
    assert CONNECTION_LOST.search(log), log[-3000:]  # ... naming the lost connection
