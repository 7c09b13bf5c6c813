"""Retention (the metrics_retention DAG): raw days dropped after their roll-up, old
quarantine rows and resolved alerts deleted.

Raw metrics: a partition of site_metrics whose range ends at or before the UTC midnight
`HEALER_METRICS_RAW_RETENTION_DAYS` days ago is dropped (DROP TABLE: no row-by-row delete,
no bloat) only once its roll-up is checked complete: its hours rolled up (none pending) and
the samples of its hours' roll-ups equal to its row count. A partition that fails the
check is kept and named in the summary. Dropped days are recorded in
site_metrics_dropped_days (the roll-up never recomputes their hours from late rows).
The default partition is never dropped; its rows are first moved into daily partitions.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from healer_ops import db
from healer_ops.storage.partitions import ensure_partitions, list_partitions
from healer_ops.storage.rollup import roll_up
from healer_ops.timeutil import as_utc

log = logging.getLogger(__name__)
DAY = timedelta(days=1)


def maintain_partitions(url: str | None, *, now: datetime | str | None = None) -> dict:
    """Partitions ahead of today, and daily partitions for whatever the default partition
    caught (its rows moved into them); then every hour that has ended rolled up."""
    now = as_utc(now, "now") if now else datetime.now(UTC)
    with db.connect(url) as conn:
        conn.execute("SET lock_timeout = '60s'")  # a failed try is retried
        caught = [row[0] for row in conn.execute(
            "SELECT DISTINCT date_trunc('day', observed_at, 'UTC') FROM site_metrics_default "
            "ORDER BY 1")]
        created = ensure_partitions(conn, now, now)  # today and the days ahead
        for day in caught:  # only days that have rows, however far apart
            created += ensure_partitions(conn, day, day, ahead_days=0)
        conn.commit()
        rolled = roll_up(conn, until=now)
        conn.commit()
    return {"partitions_created": created, "rolled_up": rolled}


def drop_raw_days(url: str | None, *, now: datetime | str | None = None,
                  keep_days: int | None = None) -> dict:
    """Drop the raw partitions past retention whose roll-up is complete (see the module)."""
    from healer_ops.settings import get_settings

    now = as_utc(now, "now") if now else datetime.now(UTC)
    keep_days = keep_days or get_settings().metrics_raw_retention_days
    cutoff = now.replace(hour=0, minute=0, second=0, microsecond=0) - keep_days * DAY
    dropped, kept, seconds = [], [], []
    with db.connect(url) as conn:
        # dropping a partition locks site_metrics briefly; never queue behind a long reader
        conn.execute("SET lock_timeout = '60s'")
        roll_up(conn, until=cutoff)  # the hours about to be checked
        conn.commit()
        for part in list_partitions(conn):
            if part["upper"] is None or part["upper"] > cutoff:
                continue
            started = time.perf_counter()
            done = _drop_if_rolled_up(conn, part)
            conn.commit()
            (dropped if done else kept).append(part["name"])
            if done:
                seconds.append(time.perf_counter() - started)
    return {"cutoff": cutoff.isoformat(), "keep_days": keep_days, "dropped": dropped,
            "kept_incomplete": kept, "drop_s": [round(s, 3) for s in seconds]}


def _drop_if_rolled_up(conn: psycopg.Connection, part: dict) -> bool:
    lower, upper = part["lower"], part["upper"]
    raw, rolled, pending = conn.execute(db.query("retention_day_check"),
                                        {"lower": lower, "upper": upper}).fetchone()
    already = conn.execute("SELECT count(*) FROM site_metrics_dropped_days "
                           "WHERE day >= %s AND day < %s", [lower, upper]).fetchone()[0]
    if already and already * DAY == upper - lower:
        # late rows of days dropped before: their roll-ups stay as they were
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(part["name"])))
        log.info("dropped %s again: %d late rows of days already dropped", part["name"], raw)
        return True
    if pending or raw != rolled:
        log.warning("kept %s [%s, %s): %d raw rows, %d rolled up, %d hours pending",
                    part["name"], lower, upper, raw, rolled, pending)
        return False
    conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(part["name"])))
    # one row per day dropped; the rows are counted on the range's first day
    days, day = [], lower.astimezone(UTC)
    while day < upper:
        days.append((day, part["name"], 0 if days else raw))
        day += DAY
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO site_metrics_dropped_days (day, partition, raw_rows) "
                        "VALUES (%s, %s, %s) ON CONFLICT (day) DO UPDATE SET "
                        "partition = EXCLUDED.partition, raw_rows = EXCLUDED.raw_rows, "
                        "dropped_at = now()", days)
    log.info("dropped %s [%s, %s): %d raw rows, rolled up", part["name"], lower, upper, raw)
    return True


def purge(url: str | None, query: str, before: datetime, batch_size: int) -> int:
    """Delete in batches (one transaction each) with `query`; the rows deleted."""
    total = 0
    with db.connect(url) as conn:
        while True:
            deleted = conn.execute(db.query(query), {"before": before,
                                                     "batch": batch_size}).rowcount
            conn.commit()
            total += deleted
            if deleted < batch_size:
                return total


def purge_quarantine(url: str | None, *, now=None, keep_days: int | None = None,
                     batch_size: int = 10_000) -> dict:
    """Delete quarantined rows older than HEALER_QUARANTINE_RETENTION_DAYS."""
    from healer_ops.settings import get_settings

    now = as_utc(now, "now") if now else datetime.now(UTC)
    keep_days = keep_days or get_settings().quarantine_retention_days
    before = now - keep_days * DAY
    return {"before": before.isoformat(),
            "deleted": purge(url, "retention_purge_quarantine", before, batch_size)}


def purge_resolved_alerts(url: str | None, *, now=None, keep_days: int | None = None,
                          batch_size: int = 10_000) -> dict:
    """Delete alerts resolved more than HEALER_RESOLVED_ALERT_RETENTION_DAYS ago, with their
    actions and notices."""
    from healer_ops.settings import get_settings

    now = as_utc(now, "now") if now else datetime.now(UTC)
    keep_days = keep_days or get_settings().resolved_alert_retention_days
    before = now - keep_days * DAY
    return {"before": before.isoformat(),
            "deleted": purge(url, "retention_purge_alerts", before, batch_size)}
