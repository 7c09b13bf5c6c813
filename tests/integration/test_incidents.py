"""Cross-site incidents on real PostgreSQL: real detection runs over synthetic sites whose
error bursts open alerts, the grouping after each write, the notification outbox with a
loopback webhook and SMTP server, the sites CLI, and the API on loopback HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from api_server import serve
from notify_receivers import now_cell, synthetic_site
from typer.testing import CliRunner

from healer_ops.cli import app as cli
from healer_ops.detect.fleet import detect_fleet
from healer_ops.notify.outbox import deliver, queue_events
from healer_ops.operate.sites import set_servers

pytest_plugins = ("notify_receivers",)

INCIDENT_COLUMNS = ("id, scope, server, opened_at, last_seen_at, resolved_at, site_count, "
                    "alert_count, alert_types, max_severity, summary, updated_at")


def drain(url) -> dict:
    return {"queued": queue_events(url), **deliver(url)}


def burst(start, offset_minutes: int = 0) -> list:
    """Three 500s within 15 minutes (on the 5-minute probe grid, `offset_minutes` rounded
    down to it): one HIGH error alert on a quiet site."""
    offset = 5 * (offset_minutes // 5)
    return [start + timedelta(minutes=offset + m) for m in (0, 5, 15)]


def make_sites(conn, end, plan: dict[str, tuple[str | None, list]]) -> None:
    """Sites by domain prefix: {domain: (server or None, error times)}; 3 days of probes."""
    for domain, (_server, errors) in plan.items():
        synthetic_site(conn, end, 3, errors, domain=domain)


def assign_servers(db_url, plan: dict[str, tuple[str | None, list]]) -> None:
    set_servers(db_url, [(d, s) for d, (s, _) in plan.items()])


def incidents(conn) -> list[tuple]:
    return conn.execute(f"SELECT {INCIDENT_COLUMNS} FROM alert_incidents ORDER BY id").fetchall()


def links(conn) -> list[tuple]:
    return conn.execute("SELECT id, incident_id, status FROM predictive_alerts ORDER BY id"
                        ).fetchall()


@pytest.fixture
def window():
    end = now_cell()
    return end - timedelta(hours=6), end


@pytest.fixture
def server_outage(db_url, conn, window):
    """15 sites of web-3 failing within 30 minutes; beside them, in the same hour, one site
    on web-1, one on web-2 and one of unknown server."""
    day, end = window
    plan = {f"w3-{i:02d}.example.test": ("web-3", burst(day, 2 * i)) for i in range(15)}
    plan |= {"w1-a.example.test": ("web-1", burst(day, 10)),
             "w2-a.example.test": ("web-2", burst(day, 20)),
             "nowhere.example.test": (None, burst(day, 5))}
    plan |= {f"w1-{i}.example.test": ("web-1", []) for i in range(3)}  # quiet neighbours
    make_sites(conn, end, plan)
    assign_servers(db_url, plan)
    return day, end


def test_one_server_failing_is_one_incident_and_one_message(db_url, conn, server_outage,
                                                            notify_channels):
    webhook, smtp = notify_channels
    day, end = server_outage
    opened_run = (day - timedelta(days=2), day + timedelta(minutes=60))
    detect_fleet(db_url, *opened_run)
    drain(db_url)

    (incident,) = conn.execute("SELECT id::text, scope, server, site_count, resolved_at, "
                               "summary FROM alert_incidents").fetchall()
    incident_id, scope, server, sites, resolved_at, summary = incident
    assert (scope, server, sites, resolved_at) == ("server", "web-3", 15, None)
    assert summary.startswith("server web-3: 15 sites failing requests since ")
    members = conn.execute("SELECT s.domain FROM predictive_alerts a JOIN wp_sites s "
                           "ON s.id = a.site_id WHERE a.incident_id = %s ORDER BY 1",
                           [incident_id]).fetchall()
    assert [d for (d,) in members] == [f"w3-{i:02d}.example.test" for i in range(15)]
    alone = conn.execute("SELECT count(*) FROM predictive_alerts WHERE incident_id IS NULL"
                         ).fetchone()[0]
    assert alone == 3  # web-1's, web-2's and the unknown server's site: per site

    incident_bodies = [b for b in webhook.bodies if b["kind"] == "incident"]
    site_bodies = [b for b in webhook.bodies if b["kind"] == "alert"]
    assert len(incident_bodies) == 1 and len(site_bodies) == 3
    body = incident_bodies[0]
    assert body["incident"]["id"] == incident_id and body["incident"]["site_count"] == 15
    assert len(body["notices"]) == 15 and body["title"].startswith("HIGH: server web-3: 15")
    assert "w3-14.example.test" in body["text"]  # every site listed (under the limit)
    assert sorted(b["domain"] for b in site_bodies) == [
        "nowhere.example.test", "w1-a.example.test", "w2-a.example.test"]
    assert len(smtp.messages) == 4
    assert sum("server web-3: 15 sites" in s for s in smtp.subjects()) == 1

    # the same interval again: the same rows, nothing sent twice
    before = (incidents(conn), links(conn))
    detect_fleet(db_url, *opened_run)
    drain(db_url)
    assert (incidents(conn), links(conn)) == before
    assert len(webhook.bodies) == 4

    # the rest of the day: every member resolves, the incident with them, told once
    detect_fleet(db_url, opened_run[1], end)
    drain(db_url)
    open_members, last_end = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'open'), max(resolved_at) "
        "FROM predictive_alerts WHERE incident_id = %s", [incident_id]).fetchone()
    assert open_members == 0
    assert conn.execute("SELECT resolved_at FROM alert_incidents").fetchone()[0] == last_end
    resolved = [b for b in webhook.bodies[4:] if b["kind"] == "incident"]
    assert len(resolved) == 1 and resolved[0]["severity"] == "RESOLVED"
    assert resolved[0]["title"].startswith("RESOLVED: server web-3: 15 sites")
    assert len([b for b in webhook.bodies[4:] if b["kind"] == "alert"]) == 3
    suppressed = conn.execute(
        "SELECT count(*) FROM alert_notifications WHERE status = 'suppressed'").fetchone()[0]
    sent = conn.execute("SELECT count(*) FROM alert_notifications WHERE status = 'sent'"
                        ).fetchone()[0]
    assert suppressed == 0 and sent == 2 * 2 * 18  # raise + resolve, 2 channels, 18 alerts


def test_unrelated_sites_and_unknown_servers_stay_per_site(db_url, conn, window,
                                                           notify_channels):
    webhook, _smtp = notify_channels
    day, end = window
    plan = {"a.example.test": ("web-1", burst(day)),
            "b.example.test": ("web-2", burst(day, 10))}
    plan |= {f"u{i}.example.test": (None, burst(day, 3 * i)) for i in range(5)}
    plan |= {f"q{i}.example.test": ("web-1", []) for i in range(4)}
    make_sites(conn, end, plan)
    assign_servers(db_url, plan)
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=60))
    drain(db_url)
    assert incidents(conn) == []
    assert conn.execute("SELECT count(*) FROM predictive_alerts").fetchone()[0] == 7
    assert sorted(b["domain"] for b in webhook.bodies) == sorted(
        d for d, (_, errors) in plan.items() if errors)


def test_the_whole_fleet_failing_is_one_fleet_incident(db_url, conn, window,
                                                       notify_channels):
    webhook, _smtp = notify_channels
    day, end = window
    plan = {f"s{n}-{i}.example.test": (f"web-{n}", burst(day, 4 * i + n))
            for n in range(1, 5) for i in range(3)}
    plan |= {"unknown.example.test": (None, burst(day, 7)),
             "calm.example.test": ("web-1", [])}
    make_sites(conn, end, plan)
    assign_servers(db_url, plan)
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=60))
    drain(db_url)
    rows = conn.execute("SELECT scope, server, site_count, summary FROM alert_incidents"
                        ).fetchall()
    assert len(rows) == 1  # not one per server, though each server has 3 sites alerting
    scope, server, sites, summary = rows[0]
    assert (scope, server, sites) == ("fleet", None, 13)
    assert summary.startswith("fleet: 13 sites on 4 servers failing requests since ")
    assert [b["kind"] for b in webhook.bodies] == ["incident"]


def test_a_site_joining_an_announced_incident_is_not_paged_again(db_url, conn, window,
                                                                 notify_channels):
    webhook, _smtp = notify_channels
    day, end = window
    plan = {f"j{i}.example.test": ("web-9", burst(day, 3 * i)) for i in range(4)}
    plan["late.example.test"] = ("web-9", burst(day, 40))
    make_sites(conn, end, plan)
    assign_servers(db_url, plan)
    first = day + timedelta(minutes=30)  # the four have opened; `late` has not yet
    detect_fleet(db_url, day - timedelta(days=2), first)
    drain(db_url)
    assert [b["incident"]["site_count"] for b in webhook.bodies] == [4]
    detect_fleet(db_url, first, day + timedelta(minutes=90))
    summary = drain(db_url)
    (sites,) = conn.execute("SELECT site_count FROM alert_incidents").fetchone()
    assert sites == 5 and len(webhook.bodies) == 1
    assert summary["queued"]["suppressed_in_incidents"] >= 2  # late's raise, per channel
    late = conn.execute("SELECT status, reason FROM alert_notifications n JOIN wp_sites s "
                        "ON s.id = n.site_id WHERE s.domain = 'late.example.test'").fetchall()
    assert len(late) == 2 and all(status == "suppressed" and reason.endswith(
        "already announced") for status, reason in late)


def test_set_server_from_a_csv_and_its_errors(db_url, conn, tmp_path):
    for domain in ("a.example.test", "b.example.test"):
        conn.execute("INSERT INTO wp_sites (domain, url) VALUES (%s, %s)",
                     [domain, f"https://{domain}/"])
    conn.commit()
    good = tmp_path / "servers.csv"
    good.write_text("domain,server\na.example.test,web-1\nB.example.test,web-2\n")
    result = CliRunner().invoke(cli, ["sites", "set-server", "--csv", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 sites on 2 servers; 2 changed" in result.output
    assert conn.execute("SELECT domain, server FROM wp_sites ORDER BY 1").fetchall() == [
        ("a.example.test", "web-1"), ("b.example.test", "web-2")]
    bad = tmp_path / "bad.csv"
    bad.write_text("a.example.test,web-3\nmissing.example.test,web-3\n")
    result = CliRunner().invoke(cli, ["sites", "set-server", "--csv", str(bad)])
    assert result.exit_code == 2 and "missing.example.test" in result.output
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("a.example.test,web 3\n")
    result = CliRunner().invoke(cli, ["sites", "set-server", "--csv", str(spaced)])
    assert result.exit_code == 2 and "line 1" in result.output
    conn.rollback()
    assert conn.execute("SELECT server FROM wp_sites WHERE domain = 'a.example.test'"
                        ).fetchone()[0] == "web-1"  # nothing changed by the bad files
    result = CliRunner().invoke(cli, ["sites", "set-server", "a.example.test", ""])
    assert result.exit_code == 0, result.output
    conn.rollback()
    assert conn.execute("SELECT server FROM wp_sites WHERE domain = 'a.example.test'"
                        ).fetchone()[0] is None


def test_the_api_lists_incidents_with_their_alerts(db_url, conn, server_outage, monkeypatch):
    from healer_ops.api import create_app
    from healer_ops.settings import reset_settings

    day, end = server_outage
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=60))
    monkeypatch.setenv("HEALER_API_TOKEN", "incident-test-token")
    reset_settings()
    headers = {"Authorization": "Bearer incident-test-token"}
    with serve(create_app()) as base:
        client = httpx.Client(base_url=base, timeout=60, headers=headers)
        assert httpx.get(f"{base}/api/incidents").status_code == 401
        listed = client.get("/api/incidents").json()
        assert listed["total"] == 1 and listed["items"][0]["server"] == "web-3"
        incident_id = listed["items"][0]["id"]
        assert client.get("/api/incidents", params={"status": "resolved"}).json()["total"] == 0
        detail = client.get(f"/api/incidents/{incident_id}").json()
        assert detail["site_count"] == 15 and len(detail["alerts"]) == 15
        assert {a["incident_id"] for a in detail["alerts"]} == {incident_id}
        alert = client.get(f"/api/alerts/{detail['alerts'][0]['id']}").json()
        assert alert["incident_id"] == incident_id
        members = client.get("/api/alerts", params={"incident_id": incident_id}).json()
        assert members["total"] == 15
        missing = client.get("/api/incidents/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
        detect_fleet(db_url, day + timedelta(minutes=60), end)
        resolved = client.get("/api/incidents", params={"status": "resolved"}).json()
        assert [i["id"] for i in resolved["items"]] == [incident_id]
        assert resolved["items"][0]["state"] == "resolved"
    reset_settings()


def test_the_dags_group_and_page_once(airflow_db, conn, server_outage, notify_channels):
    from healer_ops.devkit.dagrun import run_dag

    webhook, _smtp = notify_channels
    day, _end = server_outage
    conf = {"since": (day - timedelta(days=2)).isoformat(),
            "until": (day + timedelta(minutes=60)).isoformat()}
    detection = run_dag("anomaly_detection", conf=conf)
    assert detection["state"] == "success"
    written = detection["tasks"]["write_alerts"]
    assert written["incidents_opened"] == 1 and written["alerts_grouped"] == 15
    notices = run_dag("alert_notifications")
    assert notices["state"] == "success"
    assert notices["tasks"]["deliver"]["messages"] == 2 * 4  # 2 channels: incident + 3 sites
    assert sorted(b["kind"] for b in webhook.bodies) == ["alert"] * 3 + ["incident"]
    again = run_dag("anomaly_detection", conf=conf)
    assert again["tasks"]["write_alerts"]["incidents_opened"] == 0
    assert run_dag("alert_notifications")["tasks"]["deliver"]["messages"] == 0


def test_the_group_wait_lets_the_next_run_make_an_incident(db_url, conn, window,
                                                           notify_channels, monkeypatch):
    from datetime import UTC, datetime

    from healer_ops.settings import reset_settings

    webhook, _smtp = notify_channels
    monkeypatch.setenv("HEALER_NOTIFY_GROUP_WAIT_MINUTES", "10")
    reset_settings()
    day, end = window
    plan = {f"g{i}.example.test": ("web-7", burst(day, 5 * i)) for i in range(2)}
    plan["g-late.example.test"] = ("web-7", burst(day, 35))
    plan["alone.example.test"] = (None, burst(day))
    plan |= {f"g-calm{i}.example.test": ("web-7", []) for i in range(3)}
    make_sites(conn, end, plan)
    assign_servers(db_url, plan)
    first = day + timedelta(minutes=30)  # two of web-7 have opened: not an incident yet
    detect_fleet(db_url, day - timedelta(days=2), first)
    held = drain(db_url)
    assert incidents(conn) == [] and held["deferred"] == 2 * 2  # 2 sites, 2 channels
    assert [b["domain"] for b in webhook.bodies] == ["alone.example.test"]  # no server: now
    detect_fleet(db_url, first, day + timedelta(minutes=60))
    queue_events(db_url)
    conn.execute("UPDATE alert_notifications SET next_attempt_at = now() "
                 "WHERE status = 'pending'")  # the wait has passed
    conn.commit()
    deliver(db_url, now=datetime.now(UTC) + timedelta(minutes=11))
    assert [b["kind"] for b in webhook.bodies] == ["alert", "incident"]
    assert webhook.bodies[1]["incident"]["site_count"] == 3
    reset_settings()


def test_alerts_a_rerun_supersedes_leave_and_an_empty_incident_goes(db_url, conn,
                                                                    server_outage):
    day, _end = server_outage
    interval = (day - timedelta(days=2), day + timedelta(minutes=60))
    detect_fleet(db_url, *interval)
    assert len(incidents(conn)) == 1
    conn.execute("UPDATE site_metrics SET error = false, status_code = 200, "
                 "page_size_bytes = 50000 WHERE error")  # corrected data, then a re-run
    conn.commit()
    summary = detect_fleet(db_url, *interval)
    assert summary["superseded"] == 18 and summary["incidents_deleted"] == 1
    assert incidents(conn) == []
    assert conn.execute("SELECT count(*) FROM predictive_alerts WHERE incident_id IS NOT NULL"
                        ).fetchone()[0] == 0
