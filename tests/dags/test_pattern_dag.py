"""The pattern_effectiveness DAG through real runs: decisions on the demo fleet, re-run
unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from healer_ops.devkit.dagrun import run_dag
from healer_ops.devkit.evaluate.patterns import score_patterns
from healer_ops.devkit.fleet.generator import generate_fleet

END = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)


def _state(conn):
    return conn.execute("SELECT id, version, auto_approved, approved_by, approved_at,"
                        " revoked_at, success_count, failure_count, decision_reason"
                        " FROM healing_patterns ORDER BY id").fetchall()


@pytest.mark.slow
def test_dag_run_and_rerun(airflow_db, conn):
    generate_fleet(airflow_db, sites=6, days=1, seed=7, end=END, metrics_to_db=True)
    first = run_dag("pattern_effectiveness", logical_date=END)
    assert first["state"] == "success"
    summary = first["tasks"]["refresh_patterns"]
    assert summary["as_of"] == END.isoformat()
    score = score_patterns(airflow_db, END)
    assert score["good_approval_rate"] >= 0.5 and score["false_approvals"] == 0
    state = _state(conn)
    conn.commit()
    second = run_dag("pattern_effectiveness", logical_date=END)
    assert second["state"] == "success"
    assert second["tasks"]["refresh_patterns"]["refreshed"] == 0
    assert _state(conn) == state
