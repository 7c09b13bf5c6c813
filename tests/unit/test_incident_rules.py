"""healer_ops.detect.incidents.assign: which alerts form an incident (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from healer_ops.detect.incidents import RULES, Candidate, assign, incident_id

T0 = datetime(2026, 12, 5, 10, 5, tzinfo=UTC)


def alerts(server: str | None, count: int, start: datetime = T0, every_min: int = 5,
           first_id: int = 1, prefix: str = "s") -> list[Candidate]:
    return [Candidate(first_id + i, f"{prefix}{server}-{i}", server,
                      start + timedelta(minutes=every_min * i)) for i in range(count)]


def test_three_sites_of_a_server_within_the_hour_are_one_incident():
    found = alerts("web-3", 3, every_min=25)  # 10:05, 10:30, 10:55
    links, new = assign(found, [], {"web-3": 10}, RULES)
    assert [n["scope"] for n in new] == ["server"] and len(links) == 3
    assert new[0]["id"] == incident_id("server", "web-3", T0)


def test_an_hour_apart_is_not_together():
    found = alerts("web-3", 3, every_min=30)  # 10:05, 10:35, 11:05: the third is too late
    links, new = assign(found, [], {"web-3": 10}, RULES)
    assert new == [] and links == {}


def test_a_large_server_needs_its_share():
    found = alerts("big", 5)
    assert assign(found, [], {"big": 100}, RULES) == ({}, [])  # 5 < 10% of 100
    links, new = assign(found, [], {"big": 50}, RULES)
    assert len(new) == 1 and len(links) == 5


def test_unknown_servers_never_group_by_server():
    assert assign(alerts(None, 5), [], {None: 40}, RULES) == ({}, [])


def test_the_fleet_failing_is_one_fleet_incident_not_one_per_server():
    found = [a for n in range(4) for a in alerts(f"web-{n}", 3, first_id=10 * n + 1)]
    links, new = assign(found, [], {f"web-{n}": 3 for n in range(4)}, RULES)
    assert [(n["scope"], n["server"]) for n in new] == [("fleet", None)]
    assert len(links) == 12


def test_a_burst_mostly_of_one_server_is_that_servers_incident():
    found = alerts("web-3", 10) + alerts(None, 2, first_id=100, prefix="u")
    links, new = assign(found, [], {"web-3": 10, None: 2}, RULES)
    assert [(n["scope"], n["server"]) for n in new] == [("server", "web-3")]
    assert sorted(links) == list(range(1, 11))


def test_a_later_alert_joins_the_unresolved_incident_within_the_window():
    existing = [{"id": "inc-1", "scope": "server", "server": "web-3", "opened_at": T0}]
    late = [Candidate(50, "late", "web-3", T0 + timedelta(minutes=50)),
            Candidate(51, "later", "web-3", T0 + timedelta(minutes=70)),
            Candidate(52, "other", "web-4", T0 + timedelta(minutes=50))]
    links, new = assign(late, existing, {"web-3": 10, "web-4": 10}, RULES)
    assert links == {50: "inc-1"} and new == []


def test_ids_do_not_depend_on_the_time_zone_of_the_timestamp():
    from zoneinfo import ZoneInfo

    local = T0.astimezone(ZoneInfo("Europe/Berlin"))
    assert incident_id("server", "web-3", local) == incident_id("server", "web-3", T0)


def test_an_incident_message_names_its_sites_up_to_the_limit():
    from healer_ops.notify.messages import incident_message

    notice = {"id": 1, "alert_id": 7, "site_id": "s", "event": "opened", "severity": "HIGH",
              "domain": "a.example.test", "alert_type": "PERFORMANCE_DEGRADATION",
              "prediction": "p95 2.4 s", "confidence": 0.9, "opened_at": T0,
              "incident_id": "inc-1", "incident_scope": "server", "incident_server": "web-3",
              "incident_summary": "server web-3: 25 sites slower since 2026-12-05 10:05 UTC",
              "incident_site_count": 25, "incident_opened_at": T0,
              "incident_resolved_at": None}
    sites = [(f"s{i}.example.test", ["PERFORMANCE_DEGRADATION"]) for i in range(20)]
    message = incident_message([notice], sites, "https://airflow.example.test/")
    assert message.title == "HIGH: " + notice["incident_summary"]
    assert message.lines[0].endswith("s19.example.test (performance degradation) and 5 more.")
    assert message.link == "https://airflow.example.test/healer/api/incidents/inc-1"
    assert message.data["incident"]["site_count"] == 25
    done = incident_message([notice | {"event": "resolved",
                                       "incident_resolved_at": T0 + timedelta(hours=2)}],
                            sites, None)
    assert done.severity == "RESOLVED" and done.title.startswith("RESOLVED: server web-3")
    assert done.lines[0] == ("Every site's alert has resolved: open from 2026-12-05 10:05 UTC"
                             " to 2026-12-05 12:05 UTC.")
