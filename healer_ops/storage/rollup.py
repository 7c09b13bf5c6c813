"""Hourly roll-ups of site_metrics (migration 0041), maintained incrementally.

Every write to site_metrics marks its rows' UTC hours pending (a statement trigger, so every
writer counts: ingest, the backfill DAG, a direct COPY). `roll_up` takes the pending hours
that have ended by `until` and recomputes each from its raw rows, one statement per hour over
the whole fleet: re-running leaves the same rows, and rows that did not change are not
rewritten. The ingest DAG runs it after every load (the hours just closed), baselines before
reading roll-ups, retention before dropping a day.

Hours of a day retention has dropped are never recomputed (site_metrics_dropped_days): late
rows of such a day would otherwise replace the hour's complete figures with a partial few.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg

from healer_ops import db
from healer_ops.timeutil import as_utc

LOCK = "healer_ops.rollup"


def roll_up(conn: psycopg.Connection, *, until: datetime | str | None = None,
            wait: bool = True) -> dict:
    """Roll up the pending hours that end at or before `until` (default: now) on an open
    connection (the caller commits). With `wait=False`, a roll-up already running elsewhere
    makes this one return at once (`busy`: it will take the hours)."""
    until = as_utc(until, "until") if until is not None else datetime.now(UTC)
    lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    locked = conn.execute(f"SELECT {lock}(hashtext(%s))::text", [LOCK]).fetchone()[0]
    if locked == "false":
        return {"hours": 0, "rows_written": 0, "busy": True}
    started = time.perf_counter()
    hours = [row[0] for row in conn.execute(db.query("rollup_take_pending"), {"until": until})]
    dropped = {row[0] for row in conn.execute(
        "SELECT day FROM site_metrics_dropped_days WHERE day = ANY(%s)",
        [sorted({h.astimezone(UTC).replace(hour=0) for h in hours})])}
    written = skipped = 0
    for hour in hours:
        if hour.astimezone(UTC).replace(hour=0) in dropped:
            skipped += 1
            continue
        written += conn.execute(db.query("rollup_hour"), {"hour": hour}).rowcount
    return {"hours": len(hours) - skipped, "rows_written": written,
            "skipped_dropped_hours": skipped, "busy": False,
            "first_hour": hours[0].isoformat() if hours else None,
            "last_hour": hours[-1].isoformat() if hours else None,
            "seconds": round(time.perf_counter() - started, 3)}


def roll_up_closed_hours(url: str | None, *, until: datetime | str | None = None) -> dict:
    """The ingest DAG's step: roll up every hour that has ended (committed). A roll-up
    running elsewhere is waited for, then this one takes what is left (concurrent runs end
    with every ended hour rolled up, whichever order they ran in)."""
    with db.connect(url) as conn:
        summary = roll_up(conn, until=until, wait=True)
        conn.commit()
    return summary
