"""metrics_retention through real DAG runs (dag.test) on a real PostgreSQL: raw days past
retention dropped only once their roll-up is complete, the default partition emptied into
daily partitions, old quarantine rows and resolved alerts deleted; a re-run changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from healer_ops.devkit.dagrun import run_dag
from healer_ops.storage.partitions import ensure_partitions, list_partitions

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
OLD = [TODAY - timedelta(days=d) for d in (17, 16, 15)]  # past the default 14 days
RECENT = TODAY - timedelta(days=2)
CAUGHT = TODAY - timedelta(days=3)  # no partition made for it: the default partition's


def _day(conn, site: str, day: datetime) -> None:
    conn.execute("""
        INSERT INTO site_metrics (site_id, observed_at, response_time_ms, error)
        SELECT %s, t, 100 + n %% 17, n %% 9 = 0
        FROM generate_series(%s::timestamptz, %s::timestamptz + interval '1 day'
                             - interval '5 min', '5 min') WITH ORDINALITY AS g (t, n)""",
                 [site, day, day])


@pytest.fixture
def data(airflow_db, conn):
    site = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'r.example', "
                 "'https://r.example/')", [site])
    for day in [*OLD, RECENT]:
        ensure_partitions(conn, day, day, ahead_days=0)
    conn.commit()
    for day in [*OLD, RECENT, CAUGHT]:
        _day(conn, site, day)
    # quarantine: one old row, one recent
    for locator, age in (("old", 40), ("new", 1)):
        conn.execute("INSERT INTO metric_quarantine (source, locator, raw, reasons, "
                     "quarantined_at) VALUES ('f.csv', %s, '{}', ARRAY['x'], %s)",
                     [locator, TODAY - timedelta(days=age)])
    # alerts: resolved long ago (with a person's action), resolved lately, open for long
    ids = {}
    for key, status, resolved_age in (("gone", "resolved", 200), ("kept", "resolved", 10),
                                      ("open", "open", None)):
        ids[key] = conn.execute(
            "INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, "
            "confidence, dedup_key, status, opened_at, last_seen_at, resolved_at) VALUES "
            "(%s, 'DOWNTIME', 'HIGH', 'p', 0.9, %s, %s, %s, %s, %s) RETURNING id",
            [site, key, status, TODAY - timedelta(days=300), TODAY - timedelta(days=250),
             TODAY - timedelta(days=resolved_age) if resolved_age else None]).fetchone()[0]
    conn.execute("INSERT INTO alert_actions (alert_id, action, actor) VALUES (%s, 'label', "
                 "'ops')", [ids["gone"]])
    conn.commit()
    return site, ids


def _names(conn) -> set[str]:
    return {p["name"] for p in list_partitions(conn)}


def _state(conn):
    return (sorted(_names(conn)),
            conn.execute("SELECT count(*), sum(response_time_ms) FROM site_metrics").fetchone(),
            conn.execute("SELECT count(*), sum(samples), sum(rt_sum) FROM site_metrics_hourly"
                         ).fetchone(),
            conn.execute("SELECT day, partition, raw_rows FROM site_metrics_dropped_days "
                         "ORDER BY day").fetchall(),
            conn.execute("SELECT locator FROM metric_quarantine ORDER BY 1").fetchall(),
            conn.execute("SELECT dedup_key FROM predictive_alerts ORDER BY 1").fetchall())


def test_retention_drops_rolled_up_days_and_old_rows_and_reruns_change_nothing(data, conn):
    site, ids = data
    # damage the roll-up of OLD[1] once it exists: roll it up first, then change a count
    from healer_ops.storage.rollup import roll_up

    roll_up(conn, until=TODAY)
    conn.execute("UPDATE site_metrics_hourly SET samples = samples - 1 "
                 "WHERE hour = %s", [OLD[1] + timedelta(hours=5)])
    conn.commit()
    assert conn.execute("SELECT count(*) FROM site_metrics_default").fetchone()[0] == 288
    conn.commit()  # (an open transaction here would hold up the DAG's partition changes)

    run = run_dag("metrics_retention")
    assert run["state"] == "success", run
    names = _names(conn)
    kept_name = f"site_metrics_p{OLD[1]:%Y%m%d}"
    assert f"site_metrics_p{OLD[0]:%Y%m%d}" not in names
    assert f"site_metrics_p{OLD[2]:%Y%m%d}" not in names
    assert kept_name in names  # its roll-up does not match its rows
    assert f"site_metrics_p{RECENT:%Y%m%d}" in names
    assert f"site_metrics_p{CAUGHT:%Y%m%d}" in names  # made for the default partition's rows
    for ahead in range(3):
        assert f"site_metrics_p{TODAY + timedelta(days=ahead):%Y%m%d}" in names
    tasks = run["tasks"]
    assert tasks["drop_raw_days"]["kept_incomplete"] == [kept_name]
    assert len(tasks["drop_raw_days"]["dropped"]) == 2
    assert conn.execute("SELECT count(*) FROM site_metrics_default").fetchone()[0] == 0
    # raw rows: the kept old day, the recent day and the caught day; roll-ups of every day
    assert conn.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == 3 * 288
    assert conn.execute("SELECT count(*), sum(samples) FROM site_metrics_hourly").fetchone() \
        == (5 * 24, 5 * 288 - 1)
    assert conn.execute("SELECT day, raw_rows FROM site_metrics_dropped_days ORDER BY day"
                        ).fetchall() == [(OLD[0], 288), (OLD[2], 288)]
    assert tasks["purge_quarantine"]["deleted"] == 1
    assert conn.execute("SELECT locator FROM metric_quarantine").fetchall() == [("new",)]
    assert tasks["purge_resolved_alerts"]["deleted"] == 1
    assert conn.execute("SELECT dedup_key FROM predictive_alerts ORDER BY 1").fetchall() \
        == [("kept",), ("open",)]
    assert conn.execute("SELECT count(*) FROM alert_actions").fetchone()[0] == 0

    before = _state(conn)
    conn.commit()
    again = run_dag("metrics_retention")
    assert again["state"] == "success", again
    assert _state(conn) == before
    assert again["tasks"]["drop_raw_days"]["dropped"] == []
    conn.commit()

    # late rows for a dropped day never replace its roll-up; the next run drops them again
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms) "
                 "VALUES (%s, %s, 1)", [site, OLD[0] + timedelta(hours=5, minutes=1)])
    conn.commit()
    late = run_dag("metrics_retention")
    conn.commit()
    assert late["tasks"]["drop_raw_days"]["dropped"] == [f"site_metrics_p{OLD[0]:%Y%m%d}"]
    assert _state(conn) == before
