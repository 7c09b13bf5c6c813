"""Baseline attachment: per cell, the seasonal baseline it is judged against.

Scoring only reads ``performance_baselines``; ``refresh_baselines`` (a step of its own in the
``anomaly_detection`` DAG and in ``detect_fleet``) stores the ones that are missing or stale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from healer_ops import db
from healer_ops.baselines import site_list, stored_baselines, upsert_baselines
from healer_ops.detect.fleet.grid import Grid
from healer_ops.detect.fleet.rules import DAY_S, HOUR_S, Rules, num


@dataclass
class BaselineGrid:
    """Per cell, the baseline it is judged against (NaN where the site has none yet)."""

    index: np.ndarray               # (cells x sites) row in `records`, -1 = none
    records: list[dict]
    rt_med: np.ndarray              # seasonal median response time of the cell
    rt_scale: np.ndarray            # robust sigma of response time (1.4826 MAD, floored)
    ttfb_med: np.ndarray
    ttfb_scale: np.ndarray
    page_med: np.ndarray
    page_scale: np.ndarray
    error_rate: np.ndarray


def baseline_grid(conn, grid: Grid, rules: Rules) -> BaselineGrid:
    """Attach to each cell the latest stored baseline ending at or before it (read only:
    ``refresh_missing_baselines`` stores the missing ones first)."""
    start, until = grid_span(grid)
    records = stored_baselines(conn, start, until, grid.site_ids)
    usable = [r for r in records if r["sample_size"] >= rules.min_baseline_samples
              and r["median_response_time_ms"] is not None]
    return _gather(grid, usable, rules)


def grid_span(grid: Grid) -> tuple[datetime, datetime]:
    times = grid.times()
    return (datetime.fromtimestamp(times[0], UTC),
            datetime.fromtimestamp(times[-1] + grid.step, UTC))


def refresh_missing_baselines(conn, start: datetime, until: datetime,
                              site_ids: list[str] | None, rules: Rules) -> list[dict]:
    """Store the baselines a run over cells in [start, until) needs and lacks (see
    ``refresh_baselines``) for the sites with observations there; returns the stored rows.
    The caller commits."""
    sites = [row[0] for row in conn.execute(db.query("detect_sites"), {
        "start": start, "end": until, "site_ids": site_list(site_ids)}).fetchall()]
    if not sites:
        return []
    records = stored_baselines(conn, start, until, sites)
    return refresh_baselines(conn, sites, records, start, until, rules)


def refresh_baselines(conn, site_ids: list[str], records: list[dict], start: datetime,
                      until: datetime, rules: Rules) -> list[dict]:
    """At each UTC midnight from `start`'s day to `until`, compute and store (same SQL and
    key as the performance_baselines DAG) the baseline of the trailing `fallback_days` for
    sites whose latest baseline is missing, older than `baseline_max_age_days`, or a day
    old while its history is still shorter than `young_history_days`. A new site thus gets
    a daily refreshed baseline while it builds history, without waiting for the weekly DAG,
    and later runs reuse what was stored."""
    ends: dict[str, list[tuple[datetime, float]]] = {s: [] for s in site_ids}
    for record in records:
        ends.setdefault(str(record["site_id"]), []).append(
            (record["period_end"], num(record["history_days"])))
    day = timedelta(days=1)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    computed = []
    while midnight < until:
        stale = [s for s in site_ids if _stale(ends[s], midnight, rules)]
        if stale:
            rows = upsert_baselines(conn, midnight, days=rules.fallback_days, site_ids=stale)
            for row in rows:
                ends[str(row["site_id"])].append((row["period_end"], row["history_days"]))
            computed += rows
        midnight += day
    return computed


def _stale(ends: list[tuple[datetime, float]], midnight: datetime, rules: Rules) -> bool:
    before = [(end, history) for end, history in ends if end <= midnight]
    if not before:
        return True
    end, history = max(before)
    age = (midnight - end) / timedelta(days=1)
    young = not history >= rules.young_history_days  # NaN history counts as young
    return age >= rules.baseline_max_age_days or (young and age >= 1)


def _gather(grid: Grid, records: list[dict], rules: Rules) -> BaselineGrid:
    cells, sites = grid.shape
    times = grid.times()
    column = {s: i for i, s in enumerate(grid.site_ids)}
    index = np.full((cells, sites), -1, dtype=np.int64)
    by_site: dict[int, list[tuple[float, int]]] = {}
    for i, record in enumerate(records):
        by_site.setdefault(column[str(record["site_id"])], []).append(
            (record["period_end"].timestamp(), i))
    for site, ends in by_site.items():
        ends.sort()
        end_times = np.array([e for e, _ in ends])
        rows = np.array([i for _, i in ends])
        pos = np.searchsorted(end_times, times, side="right") - 1
        index[:, site] = np.where(pos >= 0, rows[np.maximum(pos, 0)], -1)

    def field_of(name):
        values = np.array([num(r[name]) for r in records] + [np.nan])
        return values[index]  # index -1 picks the trailing NaN

    slot = _week_slot(times)
    prof_med, prof_mad = _profiles(records, rules.min_bucket_samples)
    med = field_of("median_response_time_ms")
    mad = field_of("mad_response_time_ms")
    if records:
        seasonal_med = prof_med[index, slot[:, None]]
        seasonal_mad = prof_mad[index, slot[:, None]]
        seasonal_med = np.where(np.isnan(seasonal_med), med, seasonal_med)
        seasonal_mad = np.where(np.isnan(seasonal_mad), mad, seasonal_mad)
    else:
        seasonal_med, seasonal_mad = med, mad
    season = seasonal_med / med  # the hour's level relative to the whole period
    ttfb_med = field_of("median_ttfb_ms") * season
    page_med = field_of("median_page_size_bytes")
    return BaselineGrid(
        index=index, records=records,
        rt_med=seasonal_med,
        rt_scale=np.fmax(1.4826 * seasonal_mad, rules.perf_min_scale * seasonal_med),
        ttfb_med=ttfb_med,
        ttfb_scale=np.fmax(1.4826 * field_of("mad_ttfb_ms") * season,
                           rules.perf_min_scale * ttfb_med),
        page_med=page_med,
        page_scale=np.fmax(1.4826 * field_of("mad_page_size_bytes"),
                           rules.page_min_scale * page_med),
        error_rate=field_of("typical_error_rate"),  # the median day's (migration 0051)
    )


def knows_the_day(base: BaselineGrid) -> np.ndarray:
    """Cells whose baseline has a seasonal profile (three days of history or more): it
    knows the site's daily rhythm, so a daily peak is not judged against the whole day's
    median."""
    seasonal = np.array([r["seasonality"] != "none" for r in base.records] + [False])
    return seasonal[base.index]  # index -1 picks the trailing False


def _week_slot(times: np.ndarray) -> np.ndarray:
    """(ISO weekday - 1) * 24 + UTC hour of each epoch time."""
    days = np.floor(times / DAY_S).astype(np.int64)
    hours = ((times - days * DAY_S) // HOUR_S).astype(np.int64)
    return ((days + 3) % 7) * 24 + hours  # 1970-01-01 was a Thursday


def _profiles(records: list[dict], min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(records + 1) x 168 medians and MADs of response time by week slot (NaN = global)."""
    med = np.full((len(records) + 1, 168), np.nan)
    mad = np.full((len(records) + 1, 168), np.nan)
    for i, record in enumerate(records):
        profile = record["seasonal_profile"] or {}
        if isinstance(profile, str):
            profile = json.loads(profile)
        for key, stats in profile.items():
            if stats.get("n", 0) < min_n or stats.get("median") is None:
                continue
            weekday, hour = key.split(":")
            slots = [d * 24 + int(hour) for d in range(7)] if weekday == "*" else \
                [(int(weekday) - 1) * 24 + int(hour)]
            med[i, slots] = stats["median"]
            mad[i, slots] = stats["mad"]
    return med, mad


