"""``synthSearchLag`` and ``synthRedisFragmentation`` of the ninth exam families
(``exam_families_r9``): backends whose state shapes the values. A search index lags by the
age of the oldest change its sync has not sent, so a stalled queue climbs one second per
second; Redis' fragmentation ratio divides the memory the process holds by the memory its
keys use, so emptying the cache (a flush, a restart) makes it leap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY


# ---------------------------------------------------------------- Elasticsearch sync lag


def _changes(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Post changes queued each minute: editors' saves in office hours, stock changes from
    orders with the visitors, a nightly product import in some shops."""
    span = len(grid)
    changes = np.zeros(span)
    for minute in office_hour_rows(rng, grid, rng.uniform(5, 60)):
        changes[minute] += rng.geometric(rng.uniform(0.1, 0.7))
    changes += rng.poisson(rng.uniform(0, 0.5) * common.traffic(grid, rng))
    if rng.random() < 0.35:
        for minute in common.daily_rows(grid, rng.uniform(0, 6)):
            import_minutes = int(rng.uniform(10, 40))
            changes[minute:minute + import_minutes] += rng.uniform(200, 5000) / import_minutes
    return changes


def _reindex_pauses(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Minutes a nightly (or weekly) full reindex starts, pausing the sync; none in most files."""
    if rng.random() < 0.55:
        return np.array([], dtype=int)
    nights = common.daily_rows(grid, rng.uniform(0, 5))
    if rng.random() < 0.4:
        nights = nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]
    return nights


def _oldest_age(changes: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Minutes since the oldest change still queued (0 when drained): the queue served first
    in, first out, ``capacity`` changes a minute."""
    backlog, left = np.zeros(len(changes)), 0.0
    for minute, (new, can) in enumerate(zip(changes, capacity, strict=True)):
        left = max(0.0, left + new - can)
        backlog[minute] = left
    queued = np.cumsum(changes)
    sent = queued - backlog
    # less than half a change left over is nothing queued: the exporter counts documents
    oldest = np.searchsorted(queued, sent + 0.5, side="right")
    return np.where(backlog > 0.5, np.arange(len(changes)) - oldest + 1, 0.0)


def _lag_anomalies(rng: np.random.Generator, changes: np.ndarray, capacity: np.ndarray,
                   onsets: list[int], kinds: list[str]) -> None:
    arriving, draining = changes.mean(), capacity.mean()
    run_share = float(np.mean(capacity > 0))
    for onset, kind in zip(onsets, kinds, strict=True):
        if kind in ("indexer_stuck", "reindex_overrun"):  # a poison document or a stale lock
            capacity[onset:onset + int(rng.uniform(2 * 60, 2 * DAY))] = 0
        elif kind == "bulk_slow":  # the cluster degraded: most of each bulk request fails
            slow = slice(onset, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            per_run = arriving * rng.uniform(0.3, 0.9) / max(run_share, 1e-6)
            capacity[slow] = (capacity[slow] > 0) * per_run
        else:  # queue_flood: a plugin queues the whole catalogue again after every save
            end = onset + int(rng.uniform(3 * 60, 2 * DAY))
            changes[onset:end] += draining * rng.uniform(2.2, 4) * rng.random(
                len(changes[onset:end]))


def search_lag_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 2, 5, 5]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    start = stamps[0].floor("min") - pd.Timedelta(minutes=minutes)
    at = np.floor((stamps - start).total_seconds() / 60).astype(int)  # each row's minute
    grid = start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")
    changes, runs = _changes(rng, grid), common.runner_minutes(rng, grid, (0.2, 10))
    batch = float(rng.choice([50, 100, 350, 500]))  # documents a bulk request sends
    capacity = runs * batch * rng.uniform(1, 4)  # bulk requests a run manages
    pauses = _reindex_pauses(rng, grid)
    for minute in pauses:
        capacity[minute:minute + int(rng.uniform(20, 120))] = 0
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("indexer_stuck", "bulk_slow", "queue_flood",
                                       "reindex_overrun"))
    snap_onsets(("reindex_overrun",), "indexer_stuck", np.searchsorted(at, pauses), starts,
                kinds, len(stamps))
    _lag_anomalies(rng, changes, capacity, [int(at[s]) for s in starts], kinds)
    age = _oldest_age(changes, capacity)[at]
    seconds = np.where(age > 0, age * 60 - rng.integers(0, 60, len(at)), 0)
    return SyntheticSeries(name, stamps, seconds.astype(float), starts, kinds)


# ---------------------------------------------------------------- Redis fragmentation


def _cache_events(rng: np.random.Generator, stamps: pd.DatetimeIndex
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rows of cache flushes, rows of restarts): deploys flush the object cache in office
    hours; Redis restarts with the weekly upgrade window in some files, rarely otherwise."""
    rows = len(stamps)
    flushes = np.zeros(rows, dtype=bool)
    flushes[office_hour_rows(rng, stamps, rng.uniform(0.05, 0.8))] = True
    restarts = np.zeros(rows, dtype=bool)
    if rng.random() < 0.4:
        nights = common.daily_rows(stamps, rng.uniform(1, 5))
        restarts[nights[np.asarray(stamps.day_of_week)[nights] == rng.integers(0, 7)]] = True
    restarts[rng.random(rows) < rng.uniform(0, 2) / rows] = True
    return flushes, restarts


def _redis_anomalies(rng: np.random.Generator, elapsed: np.ndarray, flushes: np.ndarray,
                     restarts: np.ndarray, frag: np.ndarray, resident: np.ndarray,
                     onsets: list[int], kinds: list[str]) -> None:
    for onset, kind in zip(onsets, kinds, strict=True):
        span = common.span_rows(elapsed, onset, rng.uniform(60, 2 * DAY))
        if kind == "swapping":  # the host short of memory pages Redis out
            since = elapsed[span] - elapsed[onset]
            resident[span] *= 1 - (1 - rng.uniform(0.35, 0.85)) * np.minimum(since / 30, 1)
        elif kind == "fragmentation_creep":  # until someone restarts it
            creep = common.span_rows(elapsed, onset, rng.uniform(DAY, 4 * DAY))
            days = (elapsed[creep] - elapsed[onset]) / DAY
            frag[creep] += rng.uniform(0.3, 1.0) * days
            restarts[min(creep.stop, len(restarts) - 1)] = True
        else:  # oom_restarts or flush_loop: every few minutes or hours, for hours
            every = rng.uniform(15, 120) if kind == "oom_restarts" else rng.uniform(1, 10)
            hits = (elapsed[span] - elapsed[onset]) // every
            first = np.flatnonzero(np.r_[True, np.diff(hits) > 0]) + onset
            (restarts if kind == "oom_restarts" else flushes)[first] = True


def _memory(elapsed: np.ndarray, wanted: np.ndarray, fill_minutes: float, frag: np.ndarray,
            return_minutes: float, flushes: np.ndarray, restarts: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """(used, held) MB: the keys refill towards ``wanted`` after each flush or restart; the
    allocator holds what it once allocated and returns the excess slowly (not on a restart,
    which starts from nothing)."""
    used, held = np.zeros(len(elapsed)), np.zeros(len(elapsed))
    filled_since, holding = elapsed[0] - 10 * fill_minutes, 0.0
    for row, minute in enumerate(elapsed):
        if restarts[row]:
            filled_since, holding = minute, 0.0
        elif flushes[row]:
            filled_since = minute
        used[row] = 0.8 + wanted[row] * (1 - np.exp(-(minute - filled_since) / fill_minutes))
        step = minute - elapsed[row - 1] if row else 0.0
        allocated = used[row] * frag[row]
        holding = max(allocated, holding - (holding - allocated) * min(step / return_minutes, 1))
        held[row] = holding
    return used, held


def redis_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.05, int(rng.integers(0, 3)))
    elapsed, rows = elapsed_minutes(stamps), len(stamps)
    wanted = np.exp(rng.uniform(np.log(2), np.log(4000))) * np.exp(
        0.1 * common.wander(rng, rows, DAY // minutes)) * (
        1 + rng.uniform(0, 0.2) * (common.traffic(stamps, rng) - 1))
    for row in office_hour_rows(rng, stamps, 0.02):  # a plugin caching more, for good
        wanted[row:] *= rng.uniform(1.2, 2.5)
    frag = rng.uniform(1.02, 1.25) + 0.01 * common.wander(rng, rows, DAY // minutes)
    flushes, restarts = _cache_events(rng, stamps)
    resident = np.ones(rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("swapping", "fragmentation_creep", "oom_restarts",
                                       "flush_loop"), once="fragmentation_creep")
    _redis_anomalies(rng, elapsed, flushes, restarts, frag, resident, starts, kinds)
    used, held = _memory(elapsed, wanted, rng.uniform(30, 12 * 60), frag,
                         np.exp(rng.uniform(np.log(5), np.log(6 * 60))), flushes, restarts)
    rss = (rng.uniform(2, 12) + held) * resident  # an empty server's own RSS, then the heap
    return SyntheticSeries(name, stamps, np.round(rss / used, 2), starts, kinds)
