"""Per-site performance baselines, computed in PostgreSQL (include/sql/queries/baseline_*.sql).

A baseline covers [period_end - days, period_end): the seed's averages, robust statistics
(median, MAD, p95 of response time, TTFB and page size) and a seasonal profile of response time
by weekday x hour, or by hour only, or none, depending on how many seasons the data spans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from healer_ops import db

# Percentile sorts and the materialized rows stay in memory instead of spilling to disk.
WORK_MEM = "256MB"

BASELINE_COLUMNS = (
    "site_id", "period_start", "period_end",
    "avg_response_time_ms", "median_response_time_ms", "p95_response_time_ms",
    "mad_response_time_ms", "avg_ttfb_ms", "median_ttfb_ms", "p95_ttfb_ms", "mad_ttfb_ms",
    "avg_page_size_bytes", "median_page_size_bytes", "p95_page_size_bytes",
    "mad_page_size_bytes", "avg_error_rate", "sample_size", "history_days", "seasonality",
    "seasonal_profile",
)


def compute_baselines(url: str | None, period_end: datetime | str, *, days: int = 28,
                      site_ids: Sequence[str] | None = None) -> dict:
    """Compute and upsert each site's baseline over [period_end - days, period_end).

    Re-running the same period replaces its rows. Returns a small summary.
    """
    period_end = as_utc(period_end, "period_end")
    days = check_days(days)
    params = {"period_ends": [period_end], "days": days, "site_ids": _site_list(site_ids)}
    sql = db.query("baseline_upsert").replace("{stats}", db.query("baseline_stats"))
    with db.connect(url) as conn:
        conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        rows = conn.execute(sql, params).fetchall()
        conn.commit()
    start = period_end.timestamp() - days * 86400
    return {
        "period_start": datetime.fromtimestamp(start, UTC).isoformat(),
        "period_end": period_end.isoformat(),
        "days": days,
        "sites": len(rows),
        "samples": sum(row[2] for row in rows),
        "seasonality": dict(Counter(row[1] for row in rows)),
    }


def trailing_baselines(conn, period_ends: Sequence[datetime], *, days: int,
                       site_ids: Sequence[str] | None = None) -> list[dict]:
    """Baselines for several period ends at once, computed but not stored (detection's
    fallback when no stored baseline precedes the data)."""
    if not period_ends:
        return []
    conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    params = {"period_ends": list(period_ends), "days": check_days(days),
              "site_ids": _site_list(site_ids)}
    cur = conn.execute(db.query("baseline_stats"), params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def stored_baselines(conn, until: datetime, site_ids: Sequence[str] | None = None) -> list[dict]:
    """Every stored baseline whose period ends at or before `until`."""
    cur = conn.execute(db.query("baseline_stored"),
                       {"until": until, "site_ids": _site_list(site_ids)})
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def as_utc(value: datetime | str, name: str) -> datetime:
    """A timezone-aware datetime; naive values and ISO strings without a zone are UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{name}: {value!r} is not an ISO 8601 date/time") from exc
    if not isinstance(value, datetime):
        raise TypeError(f"{name}: expected a datetime or ISO string, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days: expected a whole number of days >= 1, got {days!r}")
    return days


def _site_list(site_ids: Sequence[str] | None) -> list[str] | None:
    if site_ids is None:
        return None
    if isinstance(site_ids, str):
        site_ids = [s for s in site_ids.replace(",", " ").split() if s]
    return [str(s) for s in site_ids] or None
