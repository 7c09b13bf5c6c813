"""``synthApdex`` and ``synthBackupDurations`` of the seventeenth exam families
(``exam_families_r17``): two measures of how long things take. An APM's Apdex counts each
PHP transaction as satisfied (within the threshold T), tolerating (within 4 T) or frustrated
(slower, or an error), so the score is a ratio of counts over a window, drawn here from each
kind of request's time (lognormal around its median) and how many there were. A fleet's
backups are jobs in a queue that a few workers take in turn: each site's job at its daily
slot, its run time the site's data over the storage's bandwidth (shared with the other
running jobs), a row for each job when it ends."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
from scipy.special import ndtr

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    hour_of_day,
    label_windows,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- Apdex

APDEX_ROWS = {1: (6000, 16000), 5: (2500, 8000), 10: (2000, 4000), 15: (2000, 3000)}
REQUESTS = ("frontend", "admin", "ajax", "checkout", "cron")
QUERYING = ("frontend", "admin", "ajax", "checkout")  # the requests a slow query holds up


class Site:
    """PHP transactions a minute by kind and how slow each kind is: cache misses with the
    visitors (more in crawls and after the purges at deploys), editors in wp-admin and their
    admin-ajax calls (office hours, weekdays), checkouts in shops, WP-cron (a system cron's
    or spawned by page views, heavier at the top of the hour in some sites); slower at the
    peak, in the nightly backup (longer on Sundays), with cold caches after deploys."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, threshold: float
                 ) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        day_of_week = np.asarray(grid.day_of_week)
        weekday = day_of_week < 5
        visitors = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        if rng.random() < 0.3:  # a business site: hardly anyone at weekends
            visitors *= np.where(weekday, 1, rng.uniform(0.1, 0.4))
        visitors *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                                 (0.5, 3), (60, 600))
        self.visitors = visitors
        crawl = np.zeros(span)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 1.5) / DAY):
            crawl[start:start + int(rng.uniform(30, 180))] += rng.uniform(0.3, 2)
        cold = decaying(rng, office_hour_rows(rng, grid, rng.uniform(0.2, 2)), span, (1, 4),
                        (5, 25))
        self.level = float(np.exp(rng.uniform(np.log(0.1), np.log(300))))  # misses a minute
        editors = weekday * daily_cycle(hours, rng.uniform(11, 15), rng.uniform(2, 3)) * float(
            np.exp(rng.uniform(np.log(0.05), np.log(20))))
        shop = rng.random() < 0.4
        if rng.random() < 0.4:  # a system cron calling wp-cron.php every 1-15 minutes
            period = int(rng.choice([1, 5, 15]))
            cron = ((np.arange(span) + rng.integers(period)) % period == 0).astype(float)
        else:  # WP-cron spawned by page views
            cron = np.minimum(self.level * visitors, 1) * rng.uniform(0.05, 0.3)
        if rng.random() < 0.5:  # hourly jobs
            cron[np.asarray(grid.minute) == 0] += rng.uniform(1, 5)
        self.rates = {"frontend": self.level * (visitors * (1 + cold) + crawl),
                      "admin": editors,
                      "ajax": editors * rng.uniform(1, 4) + self.level * visitors * rng.uniform(
                          0, 0.5),
                      "checkout": self.level * visitors * rng.uniform(0.02, 0.2) * shop,
                      "cron": cron}
        scale = {"frontend": (0.2, 0.6), "admin": (0.8, 2.5), "ajax": (0.05, 0.3),
                 "checkout": (0.6, 2), "cron": (0.4, 3)}
        self.medians = {kind: threshold * rng.uniform(*scale[kind]) for kind in REQUESTS}
        self.sigmas = {kind: rng.uniform(0.4, 0.9) for kind in REQUESTS}
        peak = np.percentile(visitors, 99)
        slow = (1 + rng.uniform(0, 0.8) * (visitors / peak) ** 2) * np.exp(
            0.1 * common.wander(rng, span, DAY)) * (1 + 0.5 * cold)
        for start in common.daily_rows(grid, rng.uniform(0, 5)):  # the nightly backup
            minutes = int(rng.uniform(20, 90) * (rng.uniform(2, 3) if day_of_week[start] == 6
                                                 else 1))
            slow[start:start + minutes] *= rng.uniform(1.3, 2.5)
        self.slow = slow
        self.errors = rng.uniform(0.001, 0.01)

    def total(self) -> np.ndarray:
        """Transactions a minute of every kind together."""
        return sum(self.rates.values())


WAIT_QUANTILES = -np.log(1 - np.array([0.1, 0.3, 0.5, 0.7, 0.9]))  # of an exponential


def _satisfaction(median: np.ndarray, sigma: float, threshold: float, wait: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, tolerating) shares of lognormal times around ``median`` after a wait for a
    worker (exponential, of mean ``wait``: five of its quantiles stand for it)."""
    def below(limit, waited):
        room = np.maximum(limit - waited, 1e-9)
        return np.where(limit > waited, ndtr((np.log(room) - np.log(median)) / sigma), 0.0)
    satisfied, tolerating = np.zeros(len(median)), np.zeros(len(median))
    for quantile in WAIT_QUANTILES:
        share = below(threshold, quantile * wait)
        satisfied += share / len(WAIT_QUANTILES)
        tolerating += (below(4 * threshold, quantile * wait) - share) / len(WAIT_QUANTILES)
    return satisfied, tolerating


class ApdexAnomalies:
    """What the anomalies change, minute by minute: requests held by a slow external call,
    the times' factor of every request (a bypassed cache loading the server) and of those
    running the site's queries (a query degrading), the mean wait for a worker, extra
    frontend requests (cache bypassed)."""

    def __init__(self, rng: np.random.Generator, site: Site, threshold: float,
                 onsets: list[int], kinds: list[str], cap: float) -> None:
        span = len(site.visitors)
        self.held, self.factor, self.queries = np.zeros(span), np.ones(span), np.ones(span)
        self.wait, self.extra = np.zeros(span), np.zeros(span)
        load = site.total()
        for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span),
                                      strict=True):
            if kind == "external_call_slow":  # a blocking request to an API that hangs
                end = min(later, onset + int(rng.uniform(20, 6 * 60)))
                self.held[onset:end] = rng.uniform(0.4, 1)
            elif kind == "cache_bypassed":  # every view reaches PHP, the server slows
                end = min(later, onset + int(rng.uniform(DAY, 4 * DAY)))
                visitors = site.visitors[onset:end]
                self.extra[onset:end] = site.level * visitors * rng.uniform(3, 15)
                self.factor[onset:end] *= 1 + rng.uniform(1.5, 4) * visitors
            elif kind == "query_degrading":  # a table growing without an index
                ramp = rng.uniform(DAY, 3 * DAY)
                end = min(later, onset + int(ramp + rng.uniform(0, DAY)))
                since = np.arange(end - onset)
                self.queries[onset:end] *= 1 + rng.uniform(3, 8) * np.minimum(since / ramp, 1)
            else:  # workers_too_few: requests queue whenever the load is over the pool's
                end = min(later, onset + int(rng.uniform(2 * DAY, 5 * DAY)))
                over = np.maximum(load[onset:end] / cap - 1, 0)
                self.wait[onset:end] = rng.uniform(8, 25) * threshold * over


def _draw_apdex(rng: np.random.Generator, site: Site, counts: dict[str, np.ndarray],
                threshold: float, anomalies: ApdexAnomalies, window: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(transactions, satisfied plus half the tolerating) per window."""
    counts = dict(counts)
    present = sum(counts.values()).reshape(-1, window).sum(axis=1) > 0
    counts["frontend"] = counts["frontend"] + rng.poisson(anomalies.extra) * np.repeat(
        present, window)
    total, score = np.zeros(len(present) * window), np.zeros(len(present) * window)
    for kind in REQUESTS:
        median = site.medians[kind] * site.slow * anomalies.factor
        if kind in QUERYING:
            median = median * anomalies.queries
        satisfied, tolerating = _satisfaction(median, site.sigmas[kind], threshold,
                                              anomalies.wait)
        kept = (1 - site.errors) * (1 - (anomalies.held if kind != "cron" else 0))
        satisfied, tolerating = satisfied * kept, tolerating * kept
        n = counts[kind]
        happy = rng.binomial(n, np.clip(satisfied, 0, 1))
        rest = np.where(satisfied < 1, tolerating / np.maximum(1 - satisfied, 1e-12), 0)
        patient = rng.binomial(n - happy, np.clip(rest, 0, 1))
        total += n
        score += happy + patient / 2
    return (total.reshape(-1, window).sum(axis=1), score.reshape(-1, window).sum(axis=1))


def apdex_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    window = int(rng.choice([1, 1, 5, 10, 15]))
    rows = int(rng.integers(*APDEX_ROWS[window]))
    threshold = float(rng.choice([0.3, 0.5, 0.5, 0.5, 1.0]))  # seconds: the APM's T
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, window))
    days = rows * window / DAY * 1.3
    while True:
        grid = pd.date_range(start, periods=int(days * DAY) // window * window, freq="min")
        site = Site(rng, grid, threshold)
        counts = {kind: rng.poisson(rate) for kind, rate in site.rates.items()}
        if rng.random() < 0.5:  # the APM's collector down for hours: nothing reported
            lost = int(rng.integers(0, len(grid) / 1.3))
            for n in counts.values():
                n[lost:lost + int(rng.uniform(60, 8 * 60))] = 0
        per_window = sum(counts.values()).reshape(-1, window).sum(axis=1)
        shown = np.flatnonzero(per_window > 0)
        if len(shown) >= rows:
            shown = shown[:rows]
            break
        days *= 2
    stamps = grid[shown * window].as_unit("ns")
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("external_call_slow", "cache_bypassed",
                                       "query_degrading", "workers_too_few"),
                         once="cache_bypassed")
    load = site.total()
    cap = float(np.quantile(load, rng.uniform(0.6, 0.85)))  # the pool's new max_children
    hour_ahead = np.convolve(load, np.ones(60) / 60)[59:]  # the next hour's mean load
    overloaded = hour_ahead[shown * window] > 1.3 * cap
    hours = hour_of_day(stamps)
    office = (np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18)
    snap_onsets(("cache_bypassed",), "external_call_slow", np.flatnonzero(office), starts,
                kinds, rows)
    snap_onsets(("workers_too_few",), "external_call_slow", np.flatnonzero(overloaded), starts,
                kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    anomalies = ApdexAnomalies(rng, site, threshold, [int(shown[s] * window) for s in starts],
                               kinds, cap)
    total, score = _draw_apdex(rng, site, counts, threshold, anomalies, window)
    values = np.round(score[shown] / total[shown], 2)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- backup durations

TIMEOUTS = (3600.0, 7200.0, 14400.0)  # seconds a job may run before it is killed
BACKUP_KINDS = ("storage_throttled", "credentials_expired", "jobs_hanging", "excludes_lost")


class Fleet:
    """The sites of a fleet and the backup service: each site's files and database (GiB), its
    growth and daily changes, its slot and the weekday of its full backup; the workers, the
    storage's bandwidth for one job alone and how running jobs share it, the timeout."""

    def __init__(self, rng: np.random.Generator, sites: int) -> None:
        self.workers = int(rng.integers(2, 9))
        self.bandwidth = rng.uniform(20, 120)  # MiB/s
        self.sharing = rng.uniform(0.2, 0.9)  # each other running job slows one by this much
        self.scan = rng.uniform(30, 300)  # MiB/s looked through for changes (many small files)
        self.dump = rng.uniform(20, 100)  # MiB/s of mysqldump
        self.overhead = rng.uniform(15, 60)  # seconds: a snapshot, connections, a catalogue
        self.timeout = float(rng.choice(TIMEOUTS))
        slowest = self.bandwidth / (1 + self.sharing * (self.workers - 1))
        most = 0.4 * self.timeout * slowest / 1024  # GiB a full backup may move in time
        size = rng.lognormal(np.log(1.5), 1.2, sites)
        self.size = most * (1 - np.exp(-size / most))
        db = rng.lognormal(np.log(0.05), 1.3, sites)
        self.db = 2 * (1 - np.exp(-db / 2))
        self.growth = rng.uniform(0, 0.004, sites)  # a day
        self.change = rng.uniform(0.002, 0.05, sites)  # share of the files changed a day
        night = rng.uniform(0.5, 0.95) if rng.random() < 0.6 else 0.0
        opens = rng.uniform(-2, 2) * 60  # the night window opens around midnight
        in_window = opens + rng.uniform(0, rng.uniform(4, 7) * 60, sites)
        self.slot = np.where(rng.random(sites) < night, in_window,
                             rng.uniform(0, DAY, sites)) % DAY
        sunday = rng.random() < 0.4
        self.full_day = np.full(sites, 6) if sunday else rng.integers(0, 7, sites)
        self.fails = rng.uniform(0.002, 0.02)  # jobs failing on their own, retried
        self.excluded = self.size * rng.lognormal(np.log(2), 0.6, sites)
        self.churn = rng.uniform(0.3, 1)  # share of what excludes kept out changing a day


class Jobs:
    """The jobs of ``days`` days (from the day before the file), ordered by their slot, and
    what is drawn for each in advance (so a run with anomalies keeps the normal part)."""

    def __init__(self, rng: np.random.Generator, fleet: Fleet, days: int, first_weekday: int
                 ) -> None:
        sites = len(fleet.slot)
        day = np.repeat(np.arange(-1, days), sites)
        site = np.tile(np.arange(sites), days + 1)
        slot = day * DAY + fleet.slot[site] + rng.uniform(0, 3, len(site))
        order = np.argsort(slot)
        self.slot, self.site, day = slot[order], site[order], day[order]
        self.full = (first_weekday + day) % 7 == fleet.full_day[self.site]
        n = len(self.slot)
        self.noise = rng.lognormal(0, 0.12, n)
        self.changed = rng.lognormal(0, 0.5, n)
        self.fails = rng.random(n) < fleet.fails
        self.fail_at = rng.uniform(0.05, 0.9, n)
        self.retry_after = rng.uniform(15, 45, n)
        self.coin = rng.random(n)
        self.fast = rng.uniform(2, 12, n)


Span = tuple[str, float, float, float]  # (kind, first minute, last minute, its size)


def _duration(fleet: Fleet, jobs: Jobs, j: int, start: float, busy: int, spans: list[Span]
              ) -> float:
    """Seconds job ``j`` runs from ``start`` (minutes) with ``busy`` jobs running."""
    site = jobs.site[j]
    size = fleet.size[site] * (1 + fleet.growth[site] * start / DAY) * 1024
    rate = fleet.bandwidth / (1 + fleet.sharing * (busy - 1))
    excluded, remote = 0.0, 1.0  # remote: how much slower every request to the target is
    for kind, first, last, value in spans:
        if not first <= start < last:
            continue
        if kind == "storage_throttled":
            remote = value
        elif kind == "excludes_lost":  # caches and plugins' own archives backed up too
            excluded = fleet.excluded[site] * 1024 * (1 if jobs.full[j] else fleet.churn)
        elif kind == "credentials_expired":  # refused by the target at once
            return float(jobs.fast[j])
    moved = size if jobs.full[j] else size * fleet.change[site] * jobs.changed[j]
    scanning = 0.0 if jobs.full[j] else (size + excluded) / fleet.scan
    dumping = fleet.db[site] * 1024 / fleet.dump
    remote_seconds = (fleet.overhead + (moved + excluded) / rate) * remote
    return (remote_seconds + scanning + dumping) * jobs.noise[j]


def _run(fleet: Fleet, jobs: Jobs, spans: list[Span], retry_at: dict[float, float]
         ) -> tuple[np.ndarray, np.ndarray]:
    """(ends in minutes, durations in seconds) of every job the workers ran, by their end;
    ``retry_at``: when the jobs refused during an expiry (by its first minute) are retried."""
    pending = [(float(s), j, False) for j, s in enumerate(jobs.slot)]
    heapq.heapify(pending)
    free = [-np.inf] * fleet.workers
    ends, durations = [], []
    while pending:
        slot, j, retried = heapq.heappop(pending)
        worker = int(np.argmin(free))
        start = max(slot, free[worker])
        busy = 1 + sum(f > start for f in free)
        seconds = _duration(fleet, jobs, j, start, busy, spans)
        for kind, first, last, value in spans:
            if kind == "jobs_hanging" and start < last and start + seconds / 60 > first and (
                    jobs.coin[j] < value):
                seconds = fleet.timeout  # on a stale mount: killed at the timeout
            elif kind == "credentials_expired" and first <= start < last and (
                    first in retry_at and not retried):
                heapq.heappush(pending, (retry_at[first] + jobs.retry_after[j], j, True))
        seconds = min(seconds, fleet.timeout)
        if jobs.fails[j] and not retried:  # failing part way, retried later
            seconds *= jobs.fail_at[j]
            heapq.heappush(pending, (start + seconds / 60 + jobs.retry_after[j], j, True))
        free[worker] = start + seconds / 60
        ends.append(free[worker])
        durations.append(seconds)
    order = np.argsort(ends, kind="stable")
    return np.asarray(ends)[order], np.asarray(durations)[order]


def _spans(rng: np.random.Generator, onsets: list[float], kinds: list[str],
           first_weekday: int, horizon: float) -> tuple[list[Span], dict[float, float]]:
    """The anomalies' spans, and when the refused jobs of an expiry are retried (if ever)."""
    spans, retry_at = [], {}
    for i, (onset, kind) in enumerate(zip(onsets, kinds, strict=True)):
        later = onsets[i + 1] if i + 1 < len(onsets) else horizon
        value = 1.0
        if kind == "storage_throttled":
            end, value = onset + rng.uniform(60, 12 * 60), rng.uniform(2.5, 6)
        elif kind == "credentials_expired":  # until someone renews them in office hours
            end = onset + rng.uniform(2 * 60, 20 * 60)
            while (first_weekday + int(end // DAY)) % 7 >= 5 or not (
                    9 * 60 <= end % DAY < 18 * 60):
                end += 15
            if rng.random() < 0.5:
                retry_at[onset] = min(end, later)
        elif kind == "jobs_hanging":
            end, value = onset + rng.uniform(60, 8 * 60), rng.uniform(0.6, 1)
        else:  # excludes_lost: from now on, whatever else happens
            later = end = horizon
        spans.append((kind, onset, min(end, later), value))
    return spans, retry_at


def _stamps(ends: np.ndarray, origin: pd.Timestamp) -> pd.DatetimeIndex:
    """Ends (minutes after ``origin``) to the second, one second apart at least."""
    seconds = np.round(ends * 60).astype(np.int64)
    rank = np.arange(len(seconds))
    seconds = np.maximum.accumulate(seconds - rank) + rank
    return pd.DatetimeIndex(origin + pd.to_timedelta(seconds, unit="s")).as_unit("ns")


def _normal_fleet(rng: np.random.Generator
                  ) -> tuple[Fleet, Jobs, int, np.ndarray, float]:
    """(the fleet, its jobs, the first weekday, the ends of the file's rows, when it opens):
    a fleet whose rows come a minute to a quarter of an hour apart (the median)."""
    per_day = float(np.exp(rng.uniform(np.log(120), np.log(700))))  # jobs a day
    while True:
        fleet = Fleet(rng, int(per_day))
        rows = int(min(rng.integers(2100, 15500), per_day * 28))
        first_weekday = int(rng.integers(0, 7))
        jobs = Jobs(rng, fleet, int(np.ceil(rows / per_day)) + 2, first_weekday)
        ends, _ = _run(fleet, jobs, [], {})
        opens = rng.uniform(0.3, 1) * DAY
        shown = ends[ends >= opens][:rows]
        step = np.median(np.diff(shown))
        if len(shown) == rows and 0.9 <= step <= 15:
            return fleet, jobs, first_weekday, shown, opens
        per_day *= 0.7 if step < 0.9 else 1.4


def backup_durations_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    while True:
        fleet, jobs, first_weekday, shown, opens = _normal_fleet(rng)
        count = anomaly_count(rng, common.ANOMALY_COUNTS)
        starts = common.spaced_starts(rng, len(shown), count)
        kinds = common.kinds(rng, starts, BACKUP_KINDS, once="excludes_lost")
        onsets = [float(shown[s]) + 1e-6 for s in starts]
        spans, retry_at = _spans(rng, onsets, kinds, first_weekday, float(shown[-1]))
        ends, durations = _run(fleet, jobs, spans, retry_at)
        inside = (ends >= opens) & (ends <= shown[-1])
        ends, durations = ends[inside], durations[inside]
        starts = [int(np.searchsorted(ends, onset)) for onset in onsets]
        if 2000 <= len(ends) <= 16000 and _onsets_fit(starts, len(ends)):
            break  # else redrawn: the anomalies moved rows past NAB's rules or the bounds
    origin = common.EPOCH + pd.Timedelta(days=first_weekday)
    in_minutes = name.startswith("site_backup_minutes")
    values = np.round(durations / 60, 1) if in_minutes else np.round(durations)
    return SyntheticSeries(name, _stamps(ends, origin), values, starts, kinds)


def _onsets_fit(starts: list[int], rows: int) -> bool:
    """Onsets after NAB's probation, in the file, in windows that do not overlap."""
    if any(not np.ceil(0.15 * rows) <= s < rows for s in starts):
        return False
    windows = label_windows(rows, starts)
    return all(last < following for (_, last), (following, _) in zip(windows, windows[1:],
                                                                     strict=False))
