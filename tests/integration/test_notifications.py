"""Alert notifications end to end on real PostgreSQL: real detection runs, the outbox, a
loopback webhook receiver and a local SMTP server (aiosmtpd). One message per alert event
and channel across repeated detection runs, none for a snoozed alert, failed deliveries
retried without raising, sites' minimum interval and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notify_receivers import flapping_errors, now_cell, synthetic_site

from healer_ops.detect.fleet import detect_fleet
from healer_ops.notify.outbox import deliver, queue_events, quiet_until

pytest_plugins = ("notify_receivers",)


def drain(url) -> dict:
    return {"queued": queue_events(url), **deliver(url)}


def _events(webhook) -> list[tuple[int, str, str]]:
    return [(n["alert_id"], n["event"], n["severity"])
            for body in webhook.bodies for n in body["notices"]]


@pytest.fixture
def flapping_site(db_url, conn):
    end = now_cell()
    day = end - timedelta(hours=6)
    burst, flaps = flapping_errors(day)
    synthetic_site(conn, end, 3, burst + flaps)
    return day, end


def test_one_message_per_alert_event_and_channel_across_detection_runs(
        db_url, conn, flapping_site, notify_channels):
    webhook, smtp = notify_channels
    day, end = flapping_site
    opened_run = (day - timedelta(days=2), day + timedelta(minutes=30))
    for _ in range(3):  # the same interval again and again: one alert, one message
        detect_fleet(db_url, *opened_run)
        drain(db_url)
    (alert_id,) = conn.execute("SELECT id FROM predictive_alerts").fetchone()
    assert _events(webhook) == [(alert_id, "opened", "HIGH")]
    assert len(smtp.messages) == 1 and "HIGH: error spike on flappy" in smtp.subjects()[0]
    assert smtp.messages[0]["To"] == "oncall@example.test, ops@example.test"

    for _ in range(2):
        detect_fleet(db_url, day + timedelta(minutes=30), day + timedelta(minutes=130))
        drain(db_url)
    for _ in range(2):
        detect_fleet(db_url, day + timedelta(minutes=130), end)
        drain(db_url)
    # and a re-run of the whole period changes nothing either
    detect_fleet(db_url, day - timedelta(days=2), end)
    drain(db_url)
    assert _events(webhook) == [(alert_id, "opened", "HIGH"),
                                (alert_id, "escalated", "CRITICAL"),
                                (alert_id, "resolved", "CRITICAL")]
    assert [s.split(":")[0] for s in smtp.subjects()] == [
        "[HealerOps] HIGH", "[HealerOps] CRITICAL", "[HealerOps] RESOLVED"]
    assert webhook.bodies[0]["source"] == "healer-ops" and "error" in webhook.bodies[0]["text"]
    sent = conn.execute("SELECT channel, count(*) FROM alert_notifications WHERE status = "
                        "'sent' GROUP BY channel ORDER BY channel").fetchall()
    assert sent == [("email", 3), ("webhook", 3)]


def test_the_dag_drains_the_outbox(airflow_db, conn, notify_channels):
    from healer_ops.devkit.dagrun import run_dag

    webhook, _smtp = notify_channels
    end = now_cell()
    day = end - timedelta(hours=6)
    burst, _flaps = flapping_errors(day)
    synthetic_site(conn, end, 3, burst)
    detect_fleet(airflow_db, day - timedelta(days=2), day + timedelta(minutes=30))
    run = run_dag("alert_notifications")
    assert run["state"] == "success"
    assert run["tasks"]["deliver"]["sent"] == 2 and run["tasks"]["deliver"]["messages"] == 2
    assert run_dag("alert_notifications")["tasks"]["deliver"]["sent"] == 0
    assert len(webhook.bodies) == 1


def test_a_snoozed_alert_sends_nothing(db_url, conn, flapping_site, notify_channels):
    from healer_ops.operate.lifecycle import act

    webhook, smtp = notify_channels
    day, end = flapping_site
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=30))
    (alert_id,) = conn.execute("SELECT id FROM predictive_alerts").fetchone()
    act(db_url, alert_id, "snooze", actor="sam", minutes=24 * 60)
    for since, until in ((day - timedelta(days=2), day + timedelta(minutes=30)),
                         (day + timedelta(minutes=30), day + timedelta(minutes=130)),
                         (day + timedelta(minutes=130), end)):
        detect_fleet(db_url, since, until)
        drain(db_url)
    assert webhook.bodies == [] and smtp.messages == []
    statuses = conn.execute("SELECT DISTINCT status, reason FROM alert_notifications").fetchall()
    assert statuses == [("suppressed", "snoozed")]


def test_failed_deliveries_are_retried_and_never_raise(db_url, conn, flapping_site,
                                                        notify_channels, monkeypatch):
    from healer_ops.settings import reset_settings

    webhook, smtp = notify_channels
    webhook.fail_first = 2
    smtp.close()                          # e-mail down for good
    monkeypatch.setenv("HEALER_NOTIFY_MAX_ATTEMPTS", "3")
    reset_settings()
    day, _end = flapping_site
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=30))
    outcomes = []
    for _ in range(4):
        outcomes.append(drain(db_url))
        conn.execute("UPDATE alert_notifications SET next_attempt_at = now() "
                     "WHERE status = 'pending'")  # the backoff has passed
        conn.commit()
    assert [o["retrying"] for o in outcomes] == [2, 2, 0, 0]
    assert [o["sent"] for o in outcomes] == [0, 0, 1, 0]
    assert outcomes[2]["failed"] == 1 and "e-mail" in outcomes[2]["errors"][0]
    assert webhook.attempts == 3 and len(webhook.bodies) == 1
    rows = dict(conn.execute("SELECT channel, status FROM alert_notifications").fetchall())
    assert rows == {"webhook": "sent", "email": "failed"}


def test_a_sites_minimum_interval_gathers_its_notices(db_url, conn, notify_channels,
                                                      monkeypatch):
    from healer_ops.settings import reset_settings

    webhook, _smtp = notify_channels
    monkeypatch.setenv("HEALER_NOTIFY_SITE_MIN_INTERVAL_MINUTES", "30")
    monkeypatch.delenv("HEALER_NOTIFY_EMAIL_TO")
    reset_settings()
    end = now_cell()
    site = synthetic_site(conn, end, 1, [])
    insert = ("INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, "
              "confidence, dedup_key, opened_at, last_seen_at) VALUES (%s, %s, 'HIGH', 'x', "
              "0.9, %s, now(), now())")
    conn.execute(insert, [site, "ERROR_SPIKE", f"{site}:ERROR_SPIKE"])
    conn.commit()
    assert drain(db_url)["messages"] == 1
    for kind in ("DOWNTIME", "PAGE_SIZE_ANOMALY"):
        conn.execute(insert, [site, kind, f"{site}:{kind}"])
    conn.commit()
    held = drain(db_url)
    assert held["deferred"] == 2 and held["messages"] == 0
    conn.execute("UPDATE alert_notifications SET sent_at = sent_at - interval '31 minutes'")
    conn.execute("UPDATE alert_notifications SET next_attempt_at = now() WHERE status = "
                 "'pending'")
    conn.commit()
    assert drain(db_url)["messages"] == 1
    assert len(webhook.bodies) == 2 and len(webhook.bodies[1]["notices"]) == 2
    assert webhook.bodies[1]["title"] == "2 alert updates for flappy.example.test"


def test_quiet_hours():
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert quiet_until("22:00-07:00", "UTC", at) == datetime(2026, 3, 3, 7, tzinfo=UTC)
    assert quiet_until("22:00-07:00", "UTC", at.replace(hour=12)) is None
    assert quiet_until("01:00-05:00", "UTC", at.replace(hour=3)) == at.replace(hour=5,
                                                                               minute=0)
    # 23:30 UTC is 00:30 in Berlin (winter): inside 00:00-06:00 there, until 05:00 UTC
    assert quiet_until("00:00-06:00", "Europe/Berlin", at) == datetime(2026, 3, 3, 5,
                                                                       tzinfo=UTC)
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        quiet_until("late", "UTC", at)
