"""The alert lifecycle contract (README "Alert lifecycle") checked against the detection code
as it is: detection never writes people's columns, never deletes an alert (a re-run marks
what it no longer produces superseded, and brings it back if it produces it again), and a
person's resolve is not undone by later runs unless the problem is new."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notify_receivers import flapping_errors, now_cell, synthetic_site

from healer_ops.detect.fleet import detect_fleet
from healer_ops.operate.lifecycle import PEOPLE_FIELDS, act

pytest_plugins = ("notify_receivers",)


def _rows(conn) -> list[dict]:
    cur = conn.execute("SELECT *, alert_state(status, manually_resolved_at, snoozed_until, "
                       "acknowledged_at) AS state FROM predictive_alerts ORDER BY opened_at")
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _people(row: dict) -> dict:
    return {k: row[k] for k in PEOPLE_FIELDS}


@pytest.fixture
def burst_site(db_url, conn):
    end = now_cell()
    day = end - timedelta(hours=6)
    burst, flaps = flapping_errors(day)
    site = synthetic_site(conn, end, 3, burst + flaps)
    return site, day, end, burst + flaps


def test_people_columns_survive_every_detection_run(db_url, conn, burst_site):
    _site, day, end, _errors = burst_site
    first = (day - timedelta(days=2), day + timedelta(minutes=30))
    detect_fleet(db_url, *first)
    (alert,) = _rows(conn)
    for action, kwargs in (("acknowledge", {}), ("snooze", {"minutes": 60}),
                           ("label", {"label": True, "note": "real"})):
        act(db_url, alert["id"], action, actor="pat", **kwargs)
    people = _people(_rows(conn)[0])
    assert people["acknowledged_by"] == "pat" and people["label"] is True
    # the same interval again, the next intervals, and the whole period at once
    for since, until in (first, (day + timedelta(minutes=30), day + timedelta(minutes=130)),
                         (day + timedelta(minutes=130), end), (day - timedelta(days=2), end)):
        detect_fleet(db_url, since, until)
        (row,) = _rows(conn)
        assert row["id"] == alert["id"] and _people(row) == people
    assert row["status"] == "resolved"  # detection still decides its own columns


def test_a_rerun_supersedes_instead_of_deleting_and_can_bring_back(db_url, conn, burst_site):
    site, day, end, errors = burst_site
    interval = (day - timedelta(days=2), end)
    detect_fleet(db_url, *interval)
    (alert,) = _rows(conn)
    act(db_url, alert["id"], "label", actor="pat", label=False, note="probe glitch")
    # the data is corrected (the errors were a probe glitch): the re-run no longer finds it
    conn.execute("UPDATE site_metrics SET error = false, status_code = 200, "
                 "page_size_bytes = 50000 WHERE site_id = %s AND observed_at = ANY(%s)",
                 [site, errors])
    conn.commit()
    summary = detect_fleet(db_url, *interval)
    (kept,) = _rows(conn)
    assert summary["superseded"] == 1
    assert kept["id"] == alert["id"] and kept["status"] == "superseded"
    assert kept["state"] == "superseded" and kept["superseded_at"] is not None
    assert kept["label"] is False and kept["label_note"] == "probe glitch"
    # the errors were real after all: the same alert comes back, people's columns intact
    conn.execute("UPDATE site_metrics SET error = true, status_code = 500, "
                 "page_size_bytes = 900 WHERE site_id = %s AND observed_at = ANY(%s)",
                 [site, errors])
    conn.commit()
    detect_fleet(db_url, *interval)
    (back,) = _rows(conn)
    assert back["id"] == alert["id"] and back["superseded_at"] is None
    assert back["status"] == "resolved" and back["label"] is False


def test_a_persons_resolve_holds_until_a_new_problem(db_url, conn):
    end = now_cell()
    day = end - timedelta(hours=12)
    burst, flaps = flapping_errors(day)
    # long after the recovery, every other probe fails for an hour: errors, not an outage
    later = [end - timedelta(minutes=m) for m in range(10, 70, 10)]
    synthetic_site(conn, end, 3, burst + flaps + later)
    detect_fleet(db_url, day - timedelta(days=2), day + timedelta(minutes=30))
    (alert,) = _rows(conn)
    act(db_url, alert["id"], "resolve", actor="pat", note="restarted php-fpm")
    # the same episode goes on (escalates, then recovers): it stays resolved for people
    detect_fleet(db_url, day + timedelta(minutes=30), day + timedelta(minutes=130))
    (same,) = _rows(conn)
    assert same["status"] == "open" and same["severity"] == "CRITICAL"
    assert same["state"] == "resolved" and same["manually_resolved_by"] == "pat"
    # a new problem after the recovery is a new alert, open for people
    detect_fleet(db_url, day + timedelta(minutes=130), end)
    old, *new = _rows(conn)
    assert old["id"] == alert["id"] and old["state"] == "resolved"
    (new,) = [row for row in new if row["alert_type"] == old["alert_type"]]
    assert old["status"] == "resolved"  # detection resolved its episode too
    assert new["opened_at"] > old["resolved_at"] and new["state"] == "open"
    assert _people(new) == dict.fromkeys(PEOPLE_FIELDS)


def test_detection_sql_names_no_people_column():
    """What detection runs (its queries) must not name a people's column: the rule a
    rewrite of detection keeps."""
    from healer_ops.settings import get_settings

    queries = sorted((get_settings().sql_dir / "queries").glob("detect_*.sql"))
    assert queries
    for path in queries:
        text = path.read_text().lower()
        code = "\n".join(line.split("--")[0] for line in text.splitlines())
        assert "delete from predictive_alerts" not in code, path.name
        for column in PEOPLE_FIELDS:
            assert column not in code, (path.name, column)


def test_an_error_burst_across_midnight_alerts(db_url, conn):
    """A young site's baseline is refreshed at each midnight from the days before it: a
    burst whose first errors fall before midnight must not raise the rate the rest of it is
    judged against (it went unalerted when this test's time of day put it there)."""
    noon = now_cell().replace(hour=12, minute=0) - timedelta(days=1)
    before_midnight = noon.replace(hour=0) - timedelta(minutes=10)
    burst, _ = flapping_errors(before_midnight)
    synthetic_site(conn, noon, 3, burst)
    detect_fleet(db_url, before_midnight - timedelta(days=2),
                 before_midnight + timedelta(minutes=30))
    (alert,) = _rows(conn)
    assert alert["alert_type"] == "ERROR_SPIKE"
    assert alert["opened_at"] <= before_midnight + timedelta(minutes=15)


def test_an_outage_does_not_blunt_the_error_test_for_the_days_after(db_url, conn):
    """Errors are judged against the site's median day: a six-hour outage four days before
    (a 3% average over the baseline's eight days) must not hide a later burst of errors."""
    end = now_cell()
    burst_at = end - timedelta(hours=6)
    outage_from = burst_at - timedelta(days=4)
    outage = [outage_from + timedelta(minutes=5 * k) for k in range(72)]
    burst, _ = flapping_errors(burst_at)
    synthetic_site(conn, end, 8, outage + burst)
    detect_fleet(db_url, burst_at - timedelta(hours=2), burst_at + timedelta(minutes=30))
    (alert,) = _rows(conn)
    assert alert["alert_type"] == "ERROR_SPIKE"
    assert burst_at <= alert["opened_at"] <= burst_at + timedelta(minutes=15)
