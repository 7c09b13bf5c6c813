"""The failure hook every DAG shares: a task that fails for good, and its run, are reported
through healer_ops.notify (today one ERROR line each, in the log of whoever runs the hook)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from healer_ops import db
from healer_ops.connections import postgres_connection_json
from healer_ops.devkit.dagrun import run_dag
from healer_ops.notify import MARKER


def notices(caplog, capfd) -> list[str]:
    """The notice lines as logged: through Python logging, or (once Airflow's task runner has
    set logging up in this process) rendered to standard output."""
    logged = [r.getMessage() for r in caplog.records
              if MARKER in r.getMessage() and r.levelno == logging.ERROR]
    printed = [line for line in capfd.readouterr().out.splitlines()
               if MARKER in line and "[error" in line]
    return logged or printed


def test_a_run_on_a_missing_database_is_reported_once_per_task_and_run(
        airflow_db, monkeypatch, quick_retries, caplog, capfd):
    missing = db.with_database(airflow_db, "healer_missing_db")
    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(missing))
    quick_retries("ai_cache_purge")
    capfd.readouterr()
    caplog.clear()
    run = run_dag("ai_cache_purge")
    assert run["state"] == "failed"
    assert run["tries"] == {"purge_expired_cache": 3}  # retried twice before it was reported

    task_notice, run_notice = notices(caplog, capfd)
    run_link = f"http://localhost:8080/dags/ai_cache_purge/runs/{quote(run['run_id'])}"
    assert "ai_cache_purge.purge_expired_cache failed" in task_notice
    assert 'database "healer_missing_db" does not exist' in task_notice
    assert f"{run_link}/tasks/purge_expired_cache?try_number=3" in task_notice
    assert "DAG run failed (task_failure)" in run_notice
    assert re.search(re.escape(f"| {run_link}") + r"(\s|$)", run_notice)


def test_a_run_that_succeeds_reports_nothing(airflow_db, caplog, capfd):
    capfd.readouterr()
    assert run_dag("ai_cache_purge")["state"] == "success"
    assert notices(caplog, capfd) == []


pytest_plugins = ("notify_receivers",)


def test_a_failed_run_sends_one_message_with_its_link_per_channel(
        airflow_db, monkeypatch, quick_retries, notify_channels):
    webhook, smtp = notify_channels
    missing = db.with_database(airflow_db, "healer_missing_db")
    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(missing))
    quick_retries("ai_cache_purge")
    run = run_dag("ai_cache_purge")
    assert run["state"] == "failed" and run["tries"] == {"purge_expired_cache": 3}
    run_link = f"http://localhost:8080/dags/ai_cache_purge/runs/{quote(run['run_id'])}"
    (body,) = webhook.bodies                   # one message, not one per task or try
    assert body["kind"] == "pipeline_failure" and body["link"] == run_link
    assert body["dag_id"] == "ai_cache_purge" and body["run_id"] == run["run_id"]
    (mail,) = smtp.messages
    assert "ai_cache_purge" in mail["Subject"]
    assert run_link.replace("&", "&amp;") in mail.get_payload(0).get_payload(decode=True).decode()
    assert run_dag("ai_cache_purge")["state"] == "failed"
    assert len(webhook.bodies) == 2            # the next failed run: its own message


def test_a_notification_failure_never_masks_the_failure(caplog):
    from healer_ops.notify import dag_run_failed
    from healer_ops.notify.channels import Channel
    from healer_ops.settings import Settings

    calls = []

    def broken(channel: Channel, message) -> None:
        calls.append(channel.name)
        raise ConnectionError("receiver down")

    notice = dag_run_failed("d", "r", None, "boom", None, deliver=True, sender=broken,
                            settings=Settings(notify_webhook_url="http://127.0.0.1:9/x"))
    assert notice["undelivered"] == ["webhook"] and calls == ["webhook"] * 3
