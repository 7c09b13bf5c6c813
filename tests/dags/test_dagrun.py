"""healer_ops.devkit.dagrun: running the project's DAGs in-process."""

from __future__ import annotations

from healer_ops.devkit.dagrun import run_dag

SINCE = "2026-11-01T00:00:00+00:00"


def test_a_runs_conf_never_leaks_into_the_next_run(airflow_db):
    first = run_dag("anomaly_detection",
                    conf={"since": SINCE, "until": "2026-11-02T00:00:00+00:00"})
    assert first["tasks"]["write_alerts"]["since"] == SINCE
    second = run_dag("anomaly_detection")
    assert second["state"] == "success"
    assert second["tasks"]["write_alerts"].get("since") != SINCE


def test_a_run_of_past_data_shows_its_real_start_and_end(airflow_db):
    """The demo runs DAGs for last midnight's data: the UI must show how long they took."""
    from datetime import UTC, datetime, timedelta

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    logical = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=1)
    began = datetime.now(UTC)
    run = run_dag("ai_cache_purge", logical_date=logical)
    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.dag_id == "ai_cache_purge",
                                              DagRun.run_id == run["run_id"]).one()
        assert stored.logical_date == logical
        assert began <= stored.start_date <= stored.end_date <= datetime.now(UTC)
        assert stored.end_date - stored.start_date < timedelta(minutes=2)
