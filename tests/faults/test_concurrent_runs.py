"""Two runs of each DAG at once, for the same interval: the same rows as one run.

Two real processes, each with its own Airflow metadata (as two runs of one DAG, say a
scheduled one and a manual one, each with their own run id), run the six DAGs in order and
start each DAG together (a file barrier); the rows afterwards are compared with those of one
process running the same DAGs on a copy of the same fleet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from pprint import pformat

import psycopg
import pytest
from conftest import (
    LOGICAL_DATE,
    airflow_home_copy,
    differences,
    environment_for,
    run_logged,
    snapshot,
)
from test_postgres_restart import ingest_conf, no_metrics

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults-server")]

DAGS = ("site_metrics_ingest", "performance_baselines", "anomaly_detection",
        "ai_failure_analysis", "pattern_effectiveness", "ai_cache_purge")
EXPIRED_CACHE_ROWS = 1000
PURGE_BATCH = 300  # four batches

RUNNER = """
import json, sys, time, pendulum
from pathlib import Path
from healer_ops.devkit.dagrun import dag_bag, run_dag
dags, confs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
barrier, me, other = Path(sys.argv[3]), sys.argv[4], sys.argv[5]
when = pendulum.parse(sys.argv[6])
dag_bag()
results = {}
for step, dag_id in enumerate(dags):
    (barrier / f"{step}.{me}").touch()
    deadline = time.monotonic() + 300
    while not (barrier / f"{step}.{other}").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    print("START", dag_id, flush=True)
    run = run_dag(dag_id, when, confs.get(dag_id) or {})
    results[dag_id] = run["state"]
    print("END", dag_id, run["state"], flush=True)
print("RESULTS " + json.dumps(results))
"""


def sessions(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), "
            "left(query, 300) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()
    return pformat(rows, width=150)


def fleet_with_expired_cache(conn) -> None:
    no_metrics(conn)
    conn.execute(
        "INSERT INTO ai_analysis_cache (input_hash, diagnosis_type, error_signature, log_sample,"
        " analysis, confidence, model, reasoning, created_at, last_used_at, expires_at)"
        " SELECT 'expired-' || n, 'UNKNOWN', 'signature ' || n, 'log', '{}', 0.5, 'local',"
        " 'an old answer',"
        " '2024-12-01', '2024-12-01', '2025-01-01' FROM generate_series(1, %s) n",
        [EXPIRED_CACHE_ROWS])
    conn.commit()


def test_two_runs_of_each_dag_at_once_leave_the_rows_of_one(server_fleet, copies, healer_db,
                                                           airflow_ready, tmp_path):
    confs = {"site_metrics_ingest": ingest_conf(server_fleet["drop_dir"]),
             "ai_cache_purge": {"batch_size": PURGE_BATCH}}
    reference, twice = copies(server_fleet, 2, fleet_with_expired_cache)
    began = datetime.now(UTC) - timedelta(seconds=1)

    healer_db(reference)
    for dag_id in DAGS:
        run, _ = run_logged(dag_id, confs.get(dag_id, {}), tmp_path / f"{dag_id}.log")
        assert run["state"] == "success", (dag_id, run)

    healer_db(twice)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = []
    for me, other in (("a", "b"), ("b", "a")):
        home = airflow_home_copy(airflow_ready, tmp_path / f"airflow-{me}")
        with open(tmp_path / f"{me}.out", "wb") as out:  # a file: a full pipe would block
            processes.append((out.name, subprocess.Popen(
                [sys.executable, "-c", RUNNER, json.dumps(DAGS), json.dumps(confs),
                 str(barrier), me, other, LOGICAL_DATE.isoformat()],
                env=environment_for(home, twice), stdout=out, stderr=subprocess.STDOUT)))
    for name, process in processes:
        try:
            process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"a run hangs; the sessions of the database:\n{sessions(twice)}")
        output = Path(name).read_text(encoding="utf-8", errors="replace")
        assert process.returncode == 0, output[-3000:]
        [line] = [text for text in output.splitlines() if text.startswith("RESULTS ")]
        assert json.loads(line.removeprefix("RESULTS ")) == dict.fromkeys(DAGS, "success")

    diff = differences(snapshot(reference, began), snapshot(twice, began))
    assert not diff, pformat(diff, width=150)
    with psycopg.connect(twice) as conn:  # the purge did purge
        left = conn.execute("SELECT count(*) FROM ai_analysis_cache WHERE input_hash LIKE "
                            "'expired-%'").fetchone()[0]
    assert left == 0
