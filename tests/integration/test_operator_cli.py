"""The operator's commands on a real database: tokens, alert lifecycle, analysis on demand,
requeueing failed analyses, diagnosis labels and their export as training data, and the
report (table and JSON)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from healer_ops.analysis.corpus import read_examples
from healer_ops.cli import app

LOG = ("PHP Fatal error:  Uncaught Error: Call to undefined function wc_get_product() in "
       "/var/www/html/wp-content/plugins/shop-extras/shop-extras.php:31 password=hunter2")


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (args, result.output)
    return result.output


@pytest.fixture
def site(conn):
    site_id = uuid.uuid4()
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'a.example.test', "
                 "'https://a.example.test/')", [site_id])
    conn.commit()
    return str(site_id)


def test_tokens(db_url):
    created = json.loads(run("tokens", "create", "--name", "grafana", "--scope", "read",
                             "--expires-days", "30", "--json"))
    assert created["token"].startswith("hops_") and created["scope"] == "read"
    assert "already" in run("tokens", "create", "--name", "grafana", code=2)
    assert "scope" in run("tokens", "create", "--name", "x", "--scope", "admin", code=2)
    listed = json.loads(run("tokens", "list", "--json"))
    assert [t["name"] for t in listed] == ["grafana"] and "token_hash" not in listed[0]
    assert "revoked" in run("tokens", "revoke", "grafana")
    assert json.loads(run("tokens", "list", "--json"))[0]["state"] == "revoked"
    assert "no token" in run("tokens", "revoke", "nope", code=2)


def test_alert_lifecycle_commands(db_url, conn, site):
    alert = conn.execute(
        "INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, confidence,"
        " dedup_key, opened_at, last_seen_at) VALUES (%s, 'DOWNTIME', 'CRITICAL', 'down', 0.99,"
        " %s, now(), now()) RETURNING id", [site, f"{site}:DOWNTIME"]).fetchone()[0]
    conn.commit()
    assert "now acknowledged" in run("alerts", "ack", str(alert), "--by", "kim")
    assert "no change" in run("alerts", "ack", str(alert), "--by", "kim")
    assert "now snoozed" in run("alerts", "snooze", str(alert), "--minutes", "30")
    assert "not in the future" in run("alerts", "snooze", str(alert), "--until",
                                      "2020-01-01T00:00Z", code=2)
    assert "now resolved" in run("alerts", "resolve", str(alert), "--note", "rebooted")
    assert "cannot be acknowledged" in run("alerts", "ack", str(alert), code=1)
    assert "labelled" not in run("alerts", "label", str(alert), "--real")
    assert "no alert 999999" in run("alerts", "ack", "999999", code=2)
    row = conn.execute("SELECT acknowledged_by, manually_resolved_by IS NOT NULL, label FROM "
                       "predictive_alerts WHERE id = %s", [alert]).fetchone()
    assert row[0] == "kim" and row[1] and row[2] is True


def test_analyze_labels_export_and_report(db_url, conn, site, tmp_path):
    execution = conn.execute(
        "INSERT INTO healer_executions (site_id, status, logs_analyzed, ai_status, ai_attempts)"
        " VALUES (%s, 'FAILED', %s, 'FAILED', 3) RETURNING id::text", [site, LOG]).fetchone()[0]
    other = conn.execute(
        "INSERT INTO healer_executions (site_id, status, logs_analyzed, ai_status, ai_attempts,"
        " started_at) VALUES (%s, 'FAILED', 'x', 'FAILED', 3, %s) RETURNING id::text",
        [site, datetime.now(UTC) - timedelta(days=2)]).fetchone()[0]
    conn.commit()
    result = json.loads(run("analyze", "--execution", execution, "--json"))
    assert result["diagnosis_type"] == "PLUGIN_CONFLICT" and not result["cache_hit"]
    assert "cache hit" in run("analyze", "--execution", execution)
    assert "give --execution" in run("analyze", code=2)
    assert "no execution" in run("analyze", "--execution", str(uuid.uuid4()), code=2)
    requeued = json.loads(run("analyze", "--requeue-failed", "--json"))
    assert requeued == {"requeued": 1, "ids": [other]}

    assert "labelled wrong (right: DB_ERROR)" in run(
        "labels", "diagnosis", "--execution", execution, "--type", "DB_ERROR", "--by", "kim")
    assert "give --correct" in run("labels", "diagnosis", "--execution", execution, code=2)
    out = tmp_path / "training_logs_labels.jsonl"
    assert "1 examples (1 corrections)" in run("labels", "export", "--output", str(out))
    (example,) = read_examples(out)
    assert example.diagnosis_type == "DB_ERROR" and "hunter2" not in example.log
    assert "wc_get_product" in example.log

    table = run("report")
    assert "diagnosis accuracy" in table and "0% MISSED" in table and "> 90%" in table
    report = json.loads(run("report", "--json"))
    assert report["metrics"]["diagnosis_accuracy"]["labelled"] == 1
    assert report["metrics"]["cache_hit_rate"]["analyses"] == 1
    assert "must be before" in run("report", "--since", "2030-01-01T00:00:00Z",
                                   "--until", "2029-01-01T00:00:00Z", code=2)
