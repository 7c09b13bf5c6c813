"""``synthThreadCache`` and ``synthDirtyPages`` of the twenty-fifth exam families
(``exam_families_r25``): two figures of the MySQL server under WordPress sites. PHP opens a
connection for every request that reaches it, so the server's threads come and go with the
visitors, kept in a cache of a fixed size; and pages written in the buffer pool stay dirty
until the page cleaner writes them back, at a pace the storage allows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY
THREAD_KINDS = ("cache_disabled", "lock_pileup", "slow_query_creep", "oom_restarts")
DIRTY_KINDS = ("flush_stall", "writes_stopped", "write_storm", "exporter_frozen")


def _site_load(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Requests reaching PHP, mean about 1: the visitors' day and week, a wandering level,
    campaigns and posts going viral, crawls of uncached archives at any hour."""
    span = len(grid)
    load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
    load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                         (0.5, 3), (60, 600))
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 1.5) / DAY):
        load[start:start + int(rng.uniform(20, 180))] += rng.uniform(0.1, 0.8)
    return load


def _per_scrape(per_minute: np.ndarray, at: np.ndarray, step: int) -> np.ndarray:
    """What a counter rose by between a scrape and the one ``step`` minutes before it."""
    total = np.r_[0, np.cumsum(per_minute)]
    return total[at + 1] - total[np.maximum(at + 1 - step, 0)]


# ---------------------------------------------------------------- MySQL thread cache

CACHE_SIZES = (9, 9, 9, 16, 32, 64, 100)  # thread_cache_size (8 + max_connections / 100)
MAX_CONNECTIONS = (151, 151, 300, 500, 1000)


def spare_misses(cache: int, in_use: np.ndarray) -> np.ndarray:
    """The share of new connections that find no spare thread: the connections in use wander
    by about their square root within a minute and the cache keeps up to ``cache`` threads
    above them (with no cache, every connection gets a new thread)."""
    sigma = np.sqrt(np.maximum(in_use, 1e-9))
    return np.exp(-((cache / sigma) ** 2) / 4) / (1 + cache)


def threads_created(in_use: np.ndarray, cache: int, emptied: np.ndarray) -> np.ndarray:
    """Threads created a minute as the connections in use move from minute to minute: one for
    each connection above the threads there are; threads beyond those in use and ``cache``
    end; ``emptied``: minutes mysqld starts again with no thread at all."""
    created = np.zeros(len(in_use))
    threads = 0.0
    for minute, (now, empty) in enumerate(zip(in_use.tolist(), emptied.tolist(),
                                              strict=True)):
        if empty:
            threads = 0.0
        created[minute] = max(0.0, now - threads)
        threads = max(min(threads, now + cache), now)
    return created


class Database:
    """Connections to one MySQL server: a connection a minute for each PHP request, held for
    the request; the cron's long jobs at night; the nightly backup's brief global read lock;
    a restart now and then in the maintenance night (for an update)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        # connections a minute: the sites one server holds, from a shop to a hosting node's
        self.rate = float(np.exp(rng.uniform(np.log(200), np.log(30000)))) * _site_load(rng,
                                                                                         grid)
        self.hold = np.full(span, rng.uniform(0.05, 0.6))  # seconds a request holds it
        self.shape = rng.uniform(5, 30)
        self.jobs = np.zeros(span)  # connections the cron's imports and reports hold
        if rng.random() < 0.6:
            for start in common.daily_rows(grid, rng.uniform(0, 6)):
                self.jobs[start:start + int(rng.uniform(10, 90))] += int(rng.integers(1, 5))
        self.stalls = np.zeros(span)  # seconds queries waited on a lock in the minute
        if rng.random() < 0.4:  # mysqldump's FLUSH TABLES WITH READ LOCK, at night
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.stalls[start] = rng.uniform(1, 15)
        self.down = np.zeros(span, bool)
        nights = common.daily_rows(grid, rng.uniform(1, 5))
        for night in nights[rng.random(len(nights)) < rng.uniform(0, 0.12)]:
            self.down[night:night + int(rng.integers(1, 3))] = True
        self.cache = int(rng.choice(CACHE_SIZES))
        self.disabled = np.zeros(span, bool)  # thread_cache_size 0

    def concurrency(self) -> np.ndarray:
        """Connections in use a minute, on average."""
        return self.rate * self.hold / 60 + self.jobs

    def misses(self) -> np.ndarray:
        """New connections a minute that find no spare thread, on average."""
        share = np.where(self.disabled, 1.0, spare_misses(self.cache, self.concurrency()))
        return self.rate * share

    def created(self, rng: np.random.Generator) -> np.ndarray:
        mean = self.concurrency() * rng.gamma(self.shape, 1 / self.shape, self.span)
        fits = [m for m in MAX_CONNECTIONS if m >= 2 * np.quantile(mean, 0.999) + 10]
        top = fits[0] if fits else MAX_CONNECTIONS[-1]
        piled = np.minimum(self.rate * self.stalls / 60, top)  # queued behind the lock
        in_use = np.minimum(rng.poisson(mean) + rng.poisson(piled), top).astype(float)
        in_use[self.down] = 0
        emptied = np.r_[False, self.down[:-1] & ~self.down[1:]]  # the first minute back up
        churn = rng.poisson(self.misses() * ~self.down)
        return threads_created(in_use, self.cache, emptied) + churn


def _thread_anomalies(rng: np.random.Generator, db: Database, onsets: list[int],
                      kinds: list[str]) -> None:
    span = db.span
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        near = slice(max(0, onset - 30), onset + 30)
        usual = float(np.mean(db.misses()[near]))
        in_use = float(np.mean(db.concurrency()[near]))
        if kinds[i] == "slow_query_creep":  # needs a cache the busier peaks outgrow
            busy = np.quantile(db.concurrency(), 0.95)
            rate = np.quantile(db.rate, 0.95)
            before = rate * spare_misses(db.cache, np.array([busy]))[0]
            grown = [m for m in np.linspace(2, 15, 27)
                     if rate * spare_misses(db.cache, np.array([busy * m]))[0] > 4 * before + 10]
            if grown:
                ramp = rng.uniform(12 * 60, 3 * DAY)
                end = min(later, onset + int(ramp + rng.uniform(DAY, 3 * DAY)))
                since = np.arange(end - onset)
                slower = grown[0] * rng.uniform(1, 1.5) - 1
                db.hold[onset:end] *= 1 + slower * np.minimum(since / ramp, 1)
                continue
            kinds[i] = str(rng.choice(["cache_disabled", "lock_pileup", "oom_restarts"]))
        if kinds[i] == "oom_restarts" and 2 * in_use < 3 * usual + 3 and usual < 5:
            kinds[i] = "lock_pileup"  # neither the minutes down nor the cold start would show
        if kinds[i] == "lock_pileup" and db.rate[onset] * 20 / 60 < 3 * usual + 3:
            kinds[i] = "cache_disabled"  # too few connections to pile up
        if kinds[i] == "cache_disabled" and db.disabled[max(0, onset - 1)]:
            kinds[i] = "oom_restarts"  # disabled already: every connection a thread
        if kinds[i] == "cache_disabled":  # a config template without thread_cache_size
            db.disabled[onset:min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))] = True
            db.down[max(0, onset - 1)] = True  # applied with a restart
        elif kinds[i] == "lock_pileup":  # a long ALTER or a report's lock, over and over
            end = min(later, onset + int(rng.uniform(20, 4 * 60)))
            every = rng.uniform(2, 15)
            hits = onset + np.arange(0, end - onset, every).astype(int)
            db.stalls[hits] = rng.uniform(20, 120, len(hits))
        elif kinds[i] == "oom_restarts":  # mysqld killed by the OOM killer, again and again
            end = min(later, onset + int(rng.uniform(2 * 60, 12 * 60)))
            kill = float(onset)
            while kill < end:
                first = int(kill)
                down = int(rng.integers(1, 5))  # InnoDB's crash recovery
                db.down[first:first + down] = True
                back = first + down
                since = np.arange(min(span - back, 30))
                db.hold[back:back + len(since)] *= 1 + rng.uniform(1, 4) * np.exp(
                    -since / rng.uniform(5, 20))  # a cold buffer pool: slower queries
                kill += rng.uniform(20, 90)


def thread_cache_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, step)
    db = Database(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, THREAD_KINDS)
    _thread_anomalies(rng, db, [int(at[s]) for s in starts], kinds)
    created = _per_scrape(db.created(rng), at, step)
    if name.startswith("mysql_threads_created_rate"):  # rate() a second, over the scrape
        return SyntheticSeries(name, stamps, np.round(created / (60 * step), 3), starts, kinds)
    return SyntheticSeries(name, stamps, created, starts, kinds)


# ---------------------------------------------------------------- InnoDB dirty pages

POOL_PAGES = (8192, 65536, 131072, 262144, 524288, 1048576)  # 128 MiB .. 16 GiB of 16 KiB
IO_CAPACITY = (200, 400, 1000, 2000)  # innodb_io_capacity: pages a second


class BufferPool:
    """Pages dirtied a minute (sessions, orders, comments, transients; editors in office
    hours; the nightly cron's cleanups and imports; a weekly OPTIMIZE in some), rewrites of
    the hot pages that are dirty already, the page cleaner writing back a share of the dirty
    pages a minute, at most innodb_io_capacity_max, and never more dirty than the maximum."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.pool = int(rng.choice(POOL_PAGES))
        usual = float(np.exp(rng.uniform(np.log(0.003), np.log(0.08)))) * self.pool
        self.tau = np.full(span, rng.uniform(3, 30))  # minutes to write a dirty page back
        self.hot = np.full(span, min(self.pool * 0.9, max(rng.uniform(0.05, 0.5) * self.pool,
                                                          4 * usual)))
        self.base = usual / self.tau[0] / (1 - usual / self.hot[0])  # dirtied a minute
        self.load = _site_load(rng, grid)
        editors = np.zeros(span)
        for start in office_hour_rows(rng, grid, rng.uniform(2, 20)):
            editors[start:start + int(rng.uniform(5, 40))] += rng.uniform(0.2, 1.5)
        shape = rng.uniform(3, 20)
        self.writes = self.base * (self.load + editors) * rng.gamma(shape, 1 / shape, span)
        if rng.random() < 0.6:  # the nightly cron: expired transients, imports, cleanups
            for start in common.daily_rows(grid, rng.uniform(0, 6)):
                self.writes[start:start + int(rng.uniform(10, 60))] += self.base * rng.uniform(1, 5)
        if rng.random() < 0.3:  # a weekly OPTIMIZE TABLE rewrites the big tables
            sunday = np.asarray(grid.day_of_week) == 6
            for start in common.daily_rows(grid, rng.uniform(1, 5)):
                if sunday[start]:
                    end = start + int(rng.uniform(5, 30))
                    self.writes[start:end] += self.base * rng.uniform(5, 20)
                    self.hot[start:end + 120] = min(self.pool * 0.9, 2 * self.hot[start])
        capacity = 60 * 2 * float(rng.choice(IO_CAPACITY))  # io_capacity_max, a minute
        self.most = np.full(span, max(capacity, 3 * float(self.writes.max())))
        self.ceiling = float(rng.choice([0.75, 0.9])) * self.pool  # innodb_max_dirty_pages_pct
        self.restarts = np.zeros(span, bool)
        nights = common.daily_rows(grid, rng.uniform(1, 5))
        self.restarts[nights[rng.random(len(nights)) < rng.uniform(0, 0.08)]] = True

    def dirty(self) -> np.ndarray:
        out = np.zeros(self.span)
        dirty = float(self.base * self.tau[0])
        for minute, (w, hot, tau, most, restart) in enumerate(zip(
                self.writes.tolist(), self.hot.tolist(), self.tau.tolist(), self.most.tolist(),
                self.restarts.tolist(), strict=True)):
            if restart:
                dirty = 0.0
            dirty += w * max(1 - dirty / hot, 0) - min(dirty / tau, most)
            dirty = min(max(dirty, 0.0), self.ceiling)
            out[minute] = dirty
        return out


def _dirty_anomalies(rng: np.random.Generator, pool: BufferPool, onsets: list[int],
                     kinds: list[str]) -> list[tuple[int, int]]:
    """Changes the pool's writes and flushing; returns the spans the exporter was frozen."""
    frozen = []
    stopped = np.zeros(pool.span, bool)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, pool.span),
                                           strict=True)):
        if kinds[i] == "writes_stopped" and stopped[max(0, onset - 1)]:
            kinds[i] = "write_storm"  # nothing left to stop
        kind = kinds[i]
        if kind == "flush_stall":  # the volume out of burst credits, or a noisy neighbour
            end = min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))
            pool.tau[onset:end] *= rng.uniform(5, 20)
            pool.most[onset:end] = np.minimum(pool.most[onset:end], rng.uniform(0.3, 1.0)
                                              * np.median(pool.writes))
        elif kind == "writes_stopped":  # the sites moved to another server, or read-only
            end = later if rng.random() < 0.4 else min(later, onset + int(
                rng.uniform(3 * 60, 3 * DAY)))
            pool.writes[onset:end] *= rng.uniform(0, 0.03)
            stopped[onset:end] = True
        elif kind == "write_storm":  # a plugin logging a row for every request
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            extra = rng.uniform(2, 8)
            pool.writes[onset:end] += pool.base * extra * pool.load[onset:end]
            pool.hot[onset:end] = np.minimum(pool.pool * 0.9, pool.hot[onset:end]
                                             + extra * pool.base * pool.tau[0])
        else:  # exporter_frozen: the exporter serving its last reading, stuck on a query
            frozen.append((onset, min(later, onset + int(rng.uniform(60, 12 * 60)))))
    return frozen


def _scrapes(rng: np.random.Generator, minutes: int
             ) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DatetimeIndex]:
    """``minute_grid`` with fewer holes: half the files have none."""
    stamps = common.stamps(rng, minutes, 0.03, int(rng.choice([0, 0, 1, 2])))
    start = stamps[0].floor("min") - pd.Timedelta(minutes=minutes)
    at = np.asarray(((stamps - start).total_seconds() // 60).astype(int))
    return stamps, at, start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")


def dirty_pages_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 2, 2, 5, 10]))
    stamps, at, grid = _scrapes(rng, step)
    pool = BufferPool(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, DIRTY_KINDS)
    frozen = _dirty_anomalies(rng, pool, [int(at[s]) for s in starts], kinds)
    dirty = pool.dirty()[at] * rng.lognormal(0, rng.uniform(0.02, 0.08), len(at))
    for first, last in frozen:  # the same reading, scrape after scrape
        rows = (at >= first) & (at < last)
        dirty[rows] = dirty[np.argmax(rows)]
    if name.startswith("innodb_buffer_pool_dirty_pct"):
        values = np.round(100 * dirty / pool.pool, 2)
    else:
        values = np.round(dirty)
    return SyntheticSeries(name, stamps, values, starts, kinds)
