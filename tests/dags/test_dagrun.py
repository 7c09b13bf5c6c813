"""healer_ops.devkit.dagrun: running the project's DAGs in-process."""

from __future__ import annotations

from healer_ops.devkit.dagrun import run_dag

SINCE = "2026-11-01T00:00:00+00:00"


def test_a_runs_conf_never_leaks_into_the_next_run(airflow_db):
    first = run_dag("anomaly_detection",
                    conf={"since": SINCE, "until": "2026-11-02T00:00:00+00:00"})
    assert first["tasks"]["detect_anomalies"]["since"] == SINCE
    second = run_dag("anomaly_detection")
    assert second["state"] == "success"
    assert second["tasks"]["detect_anomalies"].get("since") != SINCE
