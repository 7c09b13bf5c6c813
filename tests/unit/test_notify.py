"""healer_ops.notify: one loud, redacted line per failure."""

from __future__ import annotations

import logging

from healer_ops.notify import MARKER, dag_run_failed


def test_the_notice_is_one_redacted_error_line(caplog):
    reason = ("OperationalError: connection to postgresql://healer:Sup3rSecret@db.internal/"
              "healer failed\nDETAIL: password=hunter2 was rejected")
    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        notice = dag_run_failed("site_metrics_ingest", "manual__1", "load", reason,
                                "https://ops:token123@airflow.example/dags/x/runs/manual__1")
    (record,) = caplog.records
    line = record.getMessage()
    assert record.levelno == logging.ERROR and line.startswith(MARKER)
    assert "\n" not in line and "site_metrics_ingest.load failed in run manual__1" in line
    for secret in ("Sup3rSecret", "hunter2", "token123"):
        assert secret not in line and secret not in str(notice)
    assert notice["url"] == "https://airflow.example/dags/x/runs/manual__1"
    assert notice["url"] in line


def test_a_long_reason_is_cut_and_a_missing_one_said(caplog):
    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        long = dag_run_failed("d", "r", None, "x" * 5000, None)
        empty = dag_run_failed("d", "r", None, None, None)
    assert len(long["reason"]) == 500 and long["reason"].endswith("...")
    assert empty["reason"] == "unknown" and "(no link)" in caplog.records[-1].getMessage()
