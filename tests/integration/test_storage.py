"""Fleet-scale storage on a real PostgreSQL: site_metrics partitioned by day (migration 0040,
including the conversion of an existing table), partitions made ahead by the ingest path,
the default partition as safety net, hourly roll-ups and the baselines that read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from healer_ops import db
from healer_ops.ingest import ingest_drop
from healer_ops.storage.partitions import ensure_partitions, list_partitions
from healer_ops.storage.rollup import roll_up

DAY0 = datetime(2026, 3, 1, tzinfo=UTC)


def _site(conn, domain: str = "a.example") -> str:
    site = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                 [site, domain, f"https://{domain}/"])
    return site


def _series(conn, site: str, first: datetime, last: datetime, step: str = "5 min") -> None:
    """Rows every `step` from first to last inclusive; response time varies with the minute,
    every 7th row is an error without a response time."""
    conn.execute("""
        INSERT INTO site_metrics (site_id, observed_at, response_time_ms, ttfb_ms,
                                  page_size_bytes, error)
        SELECT %s, t,
               CASE WHEN n %% 7 = 0 THEN NULL ELSE 100 + extract(minute FROM t) + n %% 13 END,
               40 + n %% 5, 50000 + n %% 11, n %% 7 = 0
        FROM generate_series(%s::timestamptz, %s::timestamptz, %s::interval)
             WITH ORDINALITY AS g (t, n)""", [site, first, last, step])


def _partition_of(conn, site: str, when: datetime) -> str:
    return conn.execute("SELECT tableoid::regclass::text FROM site_metrics "
                        "WHERE site_id = %s AND observed_at = %s", [site, when]).fetchone()[0]


@pytest.fixture
def old_schema_url(pg_admin_url):
    """A database migrated up to 0039 only: site_metrics still a plain table."""
    from yoyo import get_backend, read_migrations

    from healer_ops.db.migrations import _yoyo_url, migrations_dir

    name = f"healer_t_{uuid.uuid4().hex[:12]}"
    db.ensure_database(pg_admin_url, name)
    url = db.with_database(pg_admin_url, name)
    backend = get_backend(_yoyo_url(url))
    every = read_migrations(str(migrations_dir()))
    early = every.__class__([m for m in every if m.id < "0040"], every.post_apply)
    with backend.lock():
        backend.apply_migrations(backend.to_apply(early))
    backend.connection.close()
    yield url
    db.drop_database(pg_admin_url, name)


def test_migration_keeps_an_existing_tables_rows_as_its_legacy_partition(old_schema_url):
    with psycopg.connect(old_schema_url) as conn:
        site = _site(conn)
        _series(conn, site, DAY0 + timedelta(hours=5), DAY0 + timedelta(days=1, hours=20))
        conn.commit()
        before = conn.execute("SELECT count(*), sum(response_time_ms) FROM site_metrics"
                              ).fetchone()
    applied = db.migrate(old_schema_url)
    assert "0040_site_metrics_partitioned" in applied
    with psycopg.connect(old_schema_url) as conn:
        assert conn.execute("SELECT count(*), sum(response_time_ms) FROM site_metrics"
                            ).fetchone() == before
        parts = {p["name"]: p for p in list_partitions(conn)}
        legacy = parts["site_metrics_legacy"]
        assert (legacy["lower"], legacy["upper"]) == (DAY0, DAY0 + timedelta(days=2))
        assert parts["site_metrics_default"]["lower"] is None
        assert conn.execute("SELECT relkind FROM pg_class WHERE relname = 'site_metrics'"
                            ).fetchone()[0] == "p"
        # the ingest upsert still finds its conflicts on (site_id, observed_at)
        conn.execute(db.query("ingest_staging"))
        conn.execute("INSERT INTO ingest_staging (site_id, observed_at, response_time_ms, "
                     "error, wsod_marker) VALUES (%s, %s, 999, false, false), "
                     "(%s, %s, 5, false, false)",
                     [site, DAY0 + timedelta(hours=5), site, DAY0 + timedelta(days=3)])
        assert conn.execute(db.query("ingest_upsert_metrics"), {"source": "t"}).rowcount == 2
        assert conn.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == before[0] + 1
        assert _partition_of(conn, site, DAY0 + timedelta(hours=5)) == "site_metrics_legacy"
        assert _partition_of(conn, site, DAY0 + timedelta(days=3)) == "site_metrics_default"
        # every migrated hour is waiting for its roll-up
        hours = conn.execute("SELECT count(DISTINCT hour) FROM site_metrics_hours_pending"
                             ).fetchone()[0]
        assert hours == 40 + 1


def test_a_day_without_partition_lands_in_default_and_moves_out(conn):
    site = _site(conn)
    when = DAY0 + timedelta(days=4, hours=3)
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms) "
                 "VALUES (%s, %s, 1)", [site, when])
    conn.commit()
    assert _partition_of(conn, site, when) == "site_metrics_default"
    created = ensure_partitions(conn, when, when, ahead_days=0)
    conn.commit()
    assert created == ["site_metrics_p20260305"]
    assert _partition_of(conn, site, when) == "site_metrics_p20260305"
    assert conn.execute("SELECT count(*) FROM site_metrics_default").fetchone()[0] == 0
    # again: nothing to create
    assert ensure_partitions(conn, when, when, ahead_days=0) == []


def test_the_ingest_path_creates_the_days_partitions_before_loading(conn, db_url, tmp_path):
    site = _site(conn)
    conn.commit()
    day = datetime(2026, 2, 10, tzinfo=UTC)
    rows = [f"{site},{(day + timedelta(minutes=5 * i)).isoformat()},250,80,1000,200,false"
            for i in range(24)]
    (tmp_path / "site_metrics_2026-02-10.csv").write_text(
        "site_id,observed_at,response_time_ms,ttfb_ms,page_size_bytes,status_code,error\n"
        + "\n".join(rows) + "\n")
    summary = ingest_drop(db_url, tmp_path, day, day + timedelta(days=1))
    assert summary["loaded"] == 24
    assert _partition_of(conn, site, day) == "site_metrics_p20260210"
    names = {p["name"] for p in list_partitions(conn)}
    today = datetime.now(UTC)
    for ahead in range(3):  # today and HEALER_METRICS_PARTITIONS_AHEAD_DAYS (2) after it
        assert f"site_metrics_p{(today + timedelta(days=ahead)):%Y%m%d}" in names


# --- roll-ups -------------------------------------------------------------------------------

def _direct_hourly(conn, site: str, hour: datetime) -> tuple:
    return conn.execute("""
        SELECT count(*), count(*) FILTER (WHERE error), min(observed_at), max(observed_at),
               count(response_time_ms), sum(response_time_ms), min(response_time_ms),
               max(response_time_ms),
               array_agg(response_time_ms ORDER BY response_time_ms)
                   FILTER (WHERE response_time_ms IS NOT NULL)
        FROM site_metrics WHERE site_id = %s AND observed_at >= %s
          AND observed_at < %s + interval '1 hour'""", [site, hour, hour]).fetchone()


def _stored_hourly(conn, site: str, hour: datetime) -> tuple:
    return conn.execute("""
        SELECT samples, errors, first_at, last_at, rt_n, rt_sum, rt_min, rt_max, rt_values
        FROM site_metrics_hourly WHERE site_id = %s AND hour = %s""", [site, hour]).fetchone()


def test_roll_up_equals_the_raw_rows_is_idempotent_and_follows_late_rows(conn):
    a, b = _site(conn, "a.example"), _site(conn, "b.example")
    _series(conn, a, DAY0, DAY0 + timedelta(hours=3, minutes=55))
    _series(conn, b, DAY0 + timedelta(minutes=2), DAY0 + timedelta(hours=2), "10 min")
    conn.commit()
    # only hours that have ended by `until` are taken
    first = roll_up(conn, until=DAY0 + timedelta(hours=2, minutes=30))
    conn.commit()
    assert first["hours"] == 2
    assert conn.execute("SELECT count(*) FROM site_metrics_hourly").fetchone()[0] == 4
    rest = roll_up(conn, until=DAY0 + timedelta(days=1))
    conn.commit()
    assert rest["hours"] == 2
    for site in (a, b):
        for h in range(3):
            hour = DAY0 + timedelta(hours=h)
            direct = _direct_hourly(conn, site, hour)
            expected = direct if direct[0] else None  # b has no row in hour 2
            assert _stored_hourly(conn, site, hour) == expected
    # nothing pending: a re-run takes nothing; re-marking every hour rewrites nothing
    assert roll_up(conn, until=DAY0 + timedelta(days=1))["hours"] == 0
    conn.execute("INSERT INTO site_metrics_hours_pending (hour) "
                 "SELECT DISTINCT hour FROM site_metrics_hourly")
    again = roll_up(conn, until=DAY0 + timedelta(days=1))
    assert (again["hours"], again["rows_written"]) == (4, 0)
    assert conn.execute("SELECT count(*) FROM site_metrics_hourly").fetchone()[0] == 6
    conn.commit()
    # a late row (another writer, a plain INSERT) changes its hour's roll-up
    late = DAY0 + timedelta(hours=1, minutes=7)
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms) "
                 "VALUES (%s, %s, 5000)", [a, late])
    conn.commit()
    after = roll_up(conn, until=DAY0 + timedelta(days=1))
    conn.commit()
    assert (after["hours"], after["rows_written"]) == (1, 1)
    stored = _stored_hourly(conn, a, DAY0 + timedelta(hours=1))
    assert stored == _direct_hourly(conn, a, DAY0 + timedelta(hours=1))
    assert stored[0] == 13 and stored[7] == 5000


def test_baselines_from_roll_ups_equal_baselines_from_raw_rows(conn):
    from healer_ops.baselines import upsert_baselines

    sites = [_site(conn, f"s{i}.example") for i in range(3)]
    end = DAY0 + timedelta(days=24)
    _series(conn, sites[0], DAY0, end - timedelta(minutes=5))            # weekday x hour
    _series(conn, sites[1], end - timedelta(days=5), end, "10 min")      # hour of day
    _series(conn, sites[2], end - timedelta(days=1, minutes=3), end - timedelta(hours=2))
    conn.commit()
    raw = {r["site_id"]: r for r in upsert_baselines(conn, end, days=28, source="raw")}
    conn.rollback()
    hourly = {r["site_id"]: r for r in upsert_baselines(conn, end, days=28)}  # default: roll-ups
    conn.commit()
    # the period's hours were rolled up first; the hour of the row at `end` is the next one's
    assert conn.execute("SELECT array_agg(DISTINCT hour) FROM site_metrics_hours_pending"
                        ).fetchone()[0] == [end]
    assert set(raw) == set(hourly) == {uuid.UUID(s) for s in sites}
    assert {r["seasonality"] for r in raw.values()} == {"weekday_hour", "hour", "none"}
    for site, expected in raw.items():
        got = hourly[site]
        for key, value in expected.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12), key
            elif key == "seasonal_profile":
                assert got[key].keys() == value.keys()
                for cell, stats in value.items():
                    assert got[key][cell] == pytest.approx(stats, rel=1e-12), cell
            else:
                assert got[key] == value, key
