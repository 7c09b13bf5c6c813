"""The demo pipeline end to end on a small fleet: real PostgreSQL, the six real DAGs.

After each DAG the database must hold what that DAG is for, and running the same DAG again
for the same interval must change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from healer_ops.devkit.dagrun import run_dag
from healer_ops.devkit.demo import demo_schedule
from healer_ops.devkit.fleet.generator import generate_fleet

END = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 3
# Bookkeeping columns that record when a row was (re)written, not what it says.
VOLATILE = {"ingested_at", "quarantined_at", "computed_at", "updated_at", "recorded_at",
            "run_id"}
TABLES = ("wp_sites", "site_metrics", "metric_quarantine", "performance_baselines",
          "predictive_alerts", "healer_executions", "healing_patterns",
          "healing_pattern_versions", "ai_analysis_cache")


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the pipeline's tables, without bookkeeping timestamps, in a stable order."""
    state = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            columns = [row[0] for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " ORDER BY ordinal_position", [table]) if row[0] not in VOLATILE]
            column_list = ", ".join(f"{c}::text" for c in columns)
            rows = conn.execute(f"SELECT {column_list} FROM {table}").fetchall()
            state[table] = sorted(rows, key=lambda row: tuple(v or "" for v in row))
    return state


def scalar(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


CHECKS = {
    "site_metrics_ingest": lambda url, g: (
        scalar(url, "SELECT count(*) FROM site_metrics") >= g["sites"] * DAYS * 288 * 0.99
        and scalar(url, "SELECT count(*) FROM metric_quarantine") > 0),
    "performance_baselines": lambda url, g: (
        scalar(url, "SELECT count(DISTINCT site_id) FROM performance_baselines") == g["sites"]),
    "anomaly_detection": lambda url, g: (
        scalar(url, "SELECT count(*) FROM predictive_alerts WHERE NOT (confidence BETWEEN 0 AND 1)"
               ) == 0),
    "ai_failure_analysis": lambda url, g: (
        scalar(url, "SELECT count(*) FROM healer_executions WHERE status = 'FAILED'"
                    " AND ai_status IS DISTINCT FROM 'DONE'") == 0
        and scalar(url, "SELECT count(*) FROM ai_analysis_cache") > 0),
    "pattern_effectiveness": lambda url, g: (
        scalar(url, "SELECT count(*) FROM healing_patterns WHERE success_count > 0") > 0),
    "ai_cache_purge": lambda url, g: (
        scalar(url, "SELECT count(*) FROM ai_analysis_cache WHERE expires_at <= now()") == 0),
}


@pytest.mark.slow
def test_demo_pipeline_end_to_end_and_reruns_change_nothing(airflow_db, tmp_path):
    url = airflow_db
    drop_dir = tmp_path / "drop"
    generated = generate_fleet(url, sites=5, days=DAYS, seed=11, end=END, drop_dir=drop_dir)
    assert generated["sites"] == 5

    for dag_id, logical_date, conf in demo_schedule(END - timedelta(days=DAYS), END, drop_dir):
        first = run_dag(dag_id, logical_date=logical_date, conf=conf)
        assert first["state"] == "success", dag_id
        assert CHECKS[dag_id](url, generated), f"database state after {dag_id}"
        after_first = snapshot(url)
        second = run_dag(dag_id, logical_date=logical_date, conf=conf)
        assert second["state"] == "success", dag_id
        after_second = snapshot(url)
        changed = [t for t in TABLES if after_first[t] != after_second[t]]
        assert not changed, f"re-running {dag_id} changed {changed}"
