"""Daily partitions of site_metrics (migration 0040): create them ahead, list them."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import psycopg

from healer_ops import db
from healer_ops.timeutil import as_utc

log = logging.getLogger(__name__)
DAY = timedelta(days=1)


def ensure_partitions(conn: psycopg.Connection, first: datetime, last: datetime, *,
                      ahead_days: int | None = None) -> list[str]:
    """Create the daily partitions of [first, last] (plus `ahead_days` days after today,
    default HEALER_METRICS_PARTITIONS_AHEAD_DAYS) that are missing; returns their names.

    Run it in a transaction of its own (the caller commits): creating a partition takes a
    brief exclusive lock on site_metrics, which must not be held while loading.
    """
    from healer_ops.settings import get_settings

    first, last = as_utc(first, "first"), as_utc(last, "last")
    if ahead_days is None:
        ahead_days = get_settings().metrics_partitions_ahead_days
    today = datetime.now(first.tzinfo)
    created = _ensure(conn, first, last)
    if ahead_days > 0:
        created += _ensure(conn, today, today + ahead_days * DAY)
    return created


def _ensure(conn: psycopg.Connection, first: datetime, last: datetime) -> list[str]:
    if _all_present(conn, first, last):
        return []
    return [row[0] for row in conn.execute(db.query("partitions_ensure"),
                                           {"from_at": first, "to_at": last})]


def _all_present(conn: psycopg.Connection, first: datetime, last: datetime) -> bool:
    """Whether every day of [first, last] has a partition of its own or lies in one (no
    lock taken: the common case on every ingest run)."""
    spans = [(p["lower"], p["upper"]) for p in list_partitions(conn) if p["lower"]]
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= last:
        if not any(lo <= day and day + DAY <= hi for lo, hi in spans):
            return False
        day += DAY
    return True


def list_partitions(conn: psycopg.Connection) -> list[dict]:
    """Every partition: name, lower, upper (None for the default one), bytes."""
    cur = conn.execute(db.query("partitions_list"))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def ensure_for_interval(url: str, start: datetime, end: datetime) -> list[str]:
    """The ingest path's call: partitions for [start, end) and the days ahead, committed on
    a connection of its own before anything is loaded."""
    with db.connect(url) as conn:
        # never queue behind a long reader of site_metrics (and everyone behind us): rows of
        # a day whose partition could not be made now land in the default partition, which
        # the next run or the retention DAG empties
        conn.execute("SET lock_timeout = '10s'")
        try:
            created = ensure_partitions(conn, start, end - timedelta(microseconds=1))
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            log.warning("site_metrics partitions for [%s, %s) not made: site_metrics is "
                        "locked; rows go to the default partition", start, end)
            return []
        conn.commit()
    return created
