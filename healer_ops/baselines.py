"""Per-site performance baselines, computed in PostgreSQL (include/sql/queries/baseline_*.sql).

A baseline covers [period_end - days, period_end): the seed's averages, robust statistics
(median, MAD, p95 of response time, TTFB and page size) and a seasonal profile of response time
by weekday x hour, or by hour only, or none, depending on how many seasons the data spans.

Accuracy: every statistic is exact, equal to a direct computation to floating-point rounding
(~1e-15): medians and p95 are percentile_cont (linear interpolation between order statistics,
numpy's default), MAD is the median of |x - median| with the same interpolation, averages and
counts are plain aggregates. No sketch is involved: a seasonal cell holds a few dozen values
(36-84 with 5-minute probes over 3-28 days), fewer than the buckets a log-bucket sketch needs
to keep the cell's MAD close (MAD error <= a * (2 * median + MAD) for relative accuracy a;
measured on the demo fleet at a = 1%: 3% typical, 18% at the 99th percentile), so bucketing
saves no work there, and per-site sorts turned out faster than histogram post-processing.

Source: periods longer than HEALER_BASELINE_HOURLY_AFTER_DAYS (default 7) that end on a whole
hour read the hourly roll-ups (site_metrics_hourly, healer_ops.storage.rollup: per site and
hour the counts, sums and sorted values), after rolling up the period's pending hours; the
statistics are the same (the values are the same; only sums are added in another order).
Shorter periods, and periods ending inside an hour (detection's fallback baselines), read
the raw rows.

Cost: one parallel pass over the period's rows gathers each site's values into arrays (with
the averages, counts and span); each site's values are then sorted on their own, and
baseline_robust_stats (SQL function, migration 0006) reads median, p95 and MAD off a sorted
array, finding the MAD by bisection instead of a second sort. Memory: about 26 bytes per row
of the period, held until the query ends; the work after the pass runs in one process.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from psycopg.types.json import Jsonb

from healer_ops import db
from healer_ops.timeutil import as_utc

# The per-site value arrays of the first pass are aggregated in memory (a hash aggregate over
# sites) instead of being sorted on disk.
WORK_MEM = "256MB"


def compute_baselines(url: str | None, period_end: datetime | str, *, days: int = 28,
                      site_ids: Sequence[str] | None = None) -> dict:
    """Compute and upsert each site's baseline over [period_end - days, period_end).

    Re-running the same period replaces its rows. Returns a small summary.
    """
    period_end = as_utc(period_end, "period_end")
    days = check_days(days)
    with db.connect(url) as conn:
        rows = upsert_baselines(conn, period_end, days=days, site_ids=site_ids)
        conn.commit()
    start = period_end.timestamp() - days * 86400
    return {
        "period_start": datetime.fromtimestamp(start, UTC).isoformat(),
        "period_end": period_end.isoformat(),
        "days": days,
        "sites": len(rows),
        "source": source_for(period_end, days),
        "samples": sum(row["sample_size"] for row in rows),
        "seasonality": dict(Counter(row["seasonality"] for row in rows)),
    }


def upsert_baselines(conn, period_end: datetime, *, days: int,
                     site_ids: Sequence[str] | None = None,
                     source: str | None = None) -> list[dict]:
    """Compute and upsert the baselines of one period on an open connection (the caller
    commits); returns the stored rows. `source`: 'raw', 'hourly' or None (`source_for`)."""
    days = check_days(days)
    source = source or source_for(period_end, days)
    if source == "hourly":
        from healer_ops.storage.rollup import roll_up

        roll_up(conn, until=period_end)
    elif source != "raw":
        raise ValueError(f"source: expected 'raw' or 'hourly', got {source!r}")
    conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    params = {"period_end": period_end, "days": days, "site_ids": site_list(site_ids),
              "source": source}
    rows = _dicts(conn.execute(db.query("baseline_stats"), params))
    with conn.cursor() as cur:
        cur.executemany(db.query("baseline_upsert"),
                        [row | {"seasonal_profile": Jsonb(row["seasonal_profile"])}
                         for row in rows])
    return rows


def source_for(period_end: datetime, days: int) -> str:
    """Where a period's baseline is computed from: the hourly roll-ups for periods longer
    than HEALER_BASELINE_HOURLY_AFTER_DAYS that end on a whole hour (retention may have
    dropped their first days' raw rows), else the raw rows."""
    from healer_ops.settings import get_settings

    whole_hour = period_end.timestamp() % 3600 == 0
    return ("hourly" if whole_hour and days > get_settings().baseline_hourly_after_days
            else "raw")


def stored_baselines(conn, start: datetime, until: datetime,
                     site_ids: Sequence[str] | None = None) -> list[dict]:
    """The stored baselines that can judge data in [start, until): per site the latest one
    ending at or before start, and every one ending inside the interval."""
    return _dicts(conn.execute(db.query("baseline_stored"), {
        "start": start, "until": until, "site_ids": site_list(site_ids)}))


def _dicts(cur) -> list[dict]:
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def check_days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days: expected a whole number of days >= 1, got {days!r}")
    return days


def site_list(site_ids: Sequence[str] | str | None) -> list[str] | None:
    """Site ids as a list of uuid strings (None or empty: every site); a value that is not a
    uuid is rejected with its position."""
    if site_ids is None:
        return None
    if isinstance(site_ids, str):
        site_ids = [s for s in site_ids.replace(",", " ").split() if s]
    checked = []
    for i, value in enumerate(site_ids):
        try:
            checked.append(str(uuid.UUID(str(value))))
        except ValueError as exc:
            raise ValueError(f"site_ids[{i}]: {value!r} is not a site id (a uuid)") from exc
    return checked or None
