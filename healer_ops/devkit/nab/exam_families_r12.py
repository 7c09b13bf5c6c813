"""Twelfth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a percentile estimated from
histogram buckets (it sticks to the bucket bounds, is interpolated between them, is pinned at
the highest finite bound when the tail is beyond it, and has no row when there were no
requests), a bounded credit balance (flat at its cap, drained at the rate the load exceeds a
baseline, refilled at a fixed rate, reported in 5-minute datapoints), a ratchet (it jumps up
when memory runs short and leaks back over days, emptied only by restarts), and ramps held open
by a transaction (they climb with the writes for as long as the oldest read view lives, then
drain at the purge's rate).

- ``synthStorageLatencyP99``: the 99th (or 95th) percentile of a fleet's object-storage
  requests (media offloaded to S3, R2, B2 or Spaces; the backups' uploads), computed by
  histogram_quantile from the SDK's duration histogram (Prometheus', OpenTelemetry's or
  doubling buckets, seconds or milliseconds) over a rate window of 2-15 minutes, every 1-15
  minutes. Normal: GETs with the visitors (CDN misses), uploads in editors' office hours
  (each image with its thumbnails), the nightly backup's multipart uploads (parts of seconds:
  the percentile up in the seconds for an hour or two, longer on the weekly full one), a bulk
  offload of the media library started by hand in some files, the provider's own busy hours
  and route changes, a retried request now and then, no row when a window had no request
  (small fleets at night). Anomalies: the provider degraded (a region's incident: every
  request several times slower, for half an hour to hours), throttled (503 SlowDown: a share
  of the requests retried after the SDK's backoff, for hours), connect timeouts (a dead IPv6
  route or resolver: a share of the requests wait the connect timeout, often beyond the top
  bucket, for hours to days), auth failures (a rotated key or a changed bucket policy: every
  request a quick 403, the percentile down at the round trip, for hours to days).
- ``synthCpuCredits``: CPUCreditBalance of a burstable instance (T2 or T3, 1-8 vCPUs) that
  hosts WordPress sites, polled every 1-10 minutes from CloudWatch (5-minute datapoints,
  published 5-15 minutes late, so 1-minute polls repeat them). Normal: the balance at its cap
  (a day's earnings) on quiet sites, drained by the day's peak on busier ones and refilled at
  night, touching 0 on their busiest days; the nightly backup's compression and the weekly
  malware scan draining it for an hour or hours, deploys and WP-cron's heavy tasks, SEO
  crawlers for some hours now and then, an instance stopped for maintenance (no datapoints;
  a T2 restarting with its launch credits). Anomalies: a runaway process (a stuck PHP loop or
  a cryptominer pinning cores: drained to 0, throttled there until killed), a bot crawl
  (uncached pages day and night for hours to days: the nights no longer refill it), heavier
  code (a plugin update making every request costlier from now on: each day's drain deeper),
  a bloated backup (from some night on the backup compresses much more: a long nightly drain).
- ``synthSwapUsed``: swap used on a hosting server, MB or percent of the swap file, every 1-5
  minutes (``exam_r12_ratchets``). Normal: swapped out whenever memory runs short (the PHP
  workers of a busy peak, the page cache flooded by the nightly backup or the weekly malware
  scan) and only as much as does not fit beyond what already is, so it ratchets up and stays;
  MySQL's pages come back over weeks, the daemons' over days, PHP workers' as they are
  recycled (all at once when PHP-FPM restarts at deploys or a nightly cron); reboots for kernel
  updates empty it; servers with swappiness 10 or 1 barely swap. Anomalies: a memory leak (a
  process growing for hours to days: swap climbs until it is killed), thrashing (memory
  exhausted: swap full within minutes until the OOM killer frees it), swap lost (a reboot
  without the swap file enabled again: 0 for half a day to days), swappiness raised (a tuning
  script from now on: much more swapped at each squeeze, idle pages too).
- ``synthUndoHistory``: InnoDB's history list length (undo logs not yet purged) of a fleet's
  MySQL server, every 1-10 minutes (``exam_r12_ratchets``). Normal: a floor plus what the
  purge is behind the writes (sessions, transients and orders with the visitors, Action
  Scheduler batches, nightly imports outrunning the purge in some shops), the nightly
  mysqldump --single-transaction holding its read view (a ramp with the night's writes, then
  a linear drain; longer on the weekly full dump, growing with the data), WooCommerce and BI
  reports in office hours (short ramps). Anomalies: a stuck transaction (a connection idle in
  transaction: the history climbs with the writes for hours to days until it is killed), a
  backup overrun (the dump hanging on a slow target: the night's ramp goes on for hours), a
  write flood (a plugin writing on every page view: the floor up and the purge outrun at the
  peaks), the purge stalled (a slow disk or a huge DROP: it climbs by day, drains by night).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r12_ratchets import (
    spans,
    swap_series,
    undo_history_series,
    weekly_rows,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    hour_of_day,
    office_hour_rows,
    scrape_stamps,
    snap_onsets,
)

EXAM_FAMILIES_R12 = ("synthStorageLatencyP99", "synthCpuCredits", "synthSwapUsed",
                     "synthUndoHistory")
FILES_PER_FAMILY = {"synthStorageLatencyP99": 9, "synthCpuCredits": 9, "synthSwapUsed": 9,
                    "synthUndoHistory": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthStorageLatencyP99": frozenset({"provider_degraded", "throttled", "connect_timeouts",
                                         "auth_failures"}),
    "synthCpuCredits": frozenset({"runaway_process", "bot_crawl", "heavier_code",
                                  "backup_bloat"}),
    "synthSwapUsed": frozenset({"memory_leak", "thrashing", "swap_lost", "swappiness_raised"}),
    "synthUndoHistory": frozenset({"stuck_transaction", "backup_overrun", "write_flood",
                                   "purge_stalled"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- object-storage p99

BUCKET_SETS = ((0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),  # Prometheus' default
               (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10),  # OTel
               (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4))  # an exporter's doubling buckets
# more rows than the other families: windows without a request have no row
STORAGE_ROWS_BY_STEP = {1: (7000, 16000), 2: (5000, 10000), 5: (3000, 8000), 10: (3000, 4000),
                        15: (3000, 3300)}


def _storage_grid(rng: np.random.Generator, minutes: int
                  ) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DatetimeIndex]:
    """(scrape stamps, each stamp's minute on the grid, a grid of every minute from a quarter
    of an hour before the first stamp: the first rate window's requests)."""
    stamps = scrape_stamps(rng, minutes, 0.03, int(rng.integers(0, 3)),
                           rows_by_step=STORAGE_ROWS_BY_STEP, epoch=common.EPOCH,
                           longest_hole_minutes=6 * 60)
    start = stamps[0].floor("min") - pd.Timedelta(minutes=15)
    at = np.asarray(((stamps - start).total_seconds() // 60).astype(int))
    return stamps, at, start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")


class Requests:
    """Requests a minute of a few kinds, each with its lognormal duration (median, sigma)."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[np.ndarray]] = {}

    def add(self, kind: str, counts: np.ndarray, median: np.ndarray, sigma: float) -> None:
        self.kinds[kind] = [counts.astype(np.int64), median.astype(float),
                            np.full(len(counts), sigma)]

    def divert(self, rng: np.random.Generator, kind: str, minutes: slice, share: float,
               duration: np.ndarray, sigma: float) -> None:
        """A ``share`` of every request in ``minutes`` takes ``duration`` seconds instead."""
        counts = np.zeros(len(duration), np.int64)
        for old, _, _ in list(self.kinds.values()):
            moved = rng.binomial(old[minutes], share)
            old[minutes] -= moved
            counts[minutes] += moved
        self.kinds[kind] = [counts, duration, np.full(len(duration), sigma)]

    def histogram(self, rng: np.random.Generator, bounds: np.ndarray) -> np.ndarray:
        """Counts a minute in each bucket (the last one +Inf)."""
        span = len(next(iter(self.kinds.values()))[0])
        out = np.zeros((span, len(bounds) + 1), np.int64)
        for counts, median, sigma in self.kinds.values():
            busy = np.flatnonzero(counts > 0)
            z = (np.log(bounds)[None, :] - np.log(median[busy])[:, None]) / sigma[busy, None]
            cdf = np.c_[np.zeros(len(busy)), ndtr(z), np.ones(len(busy))]
            out[busy] += rng.multinomial(counts[busy], np.clip(np.diff(cdf, axis=1), 0, 1))
        return out


def histogram_quantile(q: float, buckets: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Prometheus' estimate from bucket counts (rows of non-empty windows): linear within the
    bucket holding the rank, the highest finite bound if the rank is in +Inf."""
    cumulative = np.cumsum(buckets, axis=1)
    rank = q * cumulative[:, -1]
    bucket = np.argmax(cumulative >= rank[:, None], axis=1)
    finite = np.minimum(bucket, len(bounds) - 1)
    rows = np.arange(len(rank))
    lower = np.where(bucket > 0, bounds[np.maximum(finite - 1, 0)], 0.0)
    below = np.where(bucket > 0, cumulative[rows, np.maximum(bucket - 1, 0)], 0)
    inside = np.maximum(cumulative[rows, bucket] - below, 1)
    value = lower + (bounds[finite] - lower) * (rank - below) / inside
    return np.where(bucket == len(bounds), bounds[-1], value)


def _storage_requests(rng: np.random.Generator, grid: pd.DatetimeIndex) -> Requests:
    span = len(grid)
    hours = hour_of_day(grid)
    get_median = np.exp(rng.uniform(np.log(0.015), np.log(0.12)))  # same region .. far away
    provider = 1 + rng.uniform(0, 0.3) * daily_cycle(hours, rng.uniform(0, 24), 4)
    for row in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY):
        provider[row:] *= rng.lognormal(0, 0.2)  # a route change, for good
    gets = np.exp(rng.uniform(np.log(2), np.log(300))) * common.traffic(grid, rng) * np.exp(
        0.2 * common.wander(rng, span, DAY))
    office = (np.asarray(grid.day_of_week) < 5) * daily_cycle(hours, rng.uniform(10, 15), 3)
    puts = rng.poisson(rng.uniform(0.01, 0.5) * office) * int(rng.integers(4, 12))
    for start in office_hour_rows(rng, grid, 0.02):  # a bulk offload of the media library
        puts[start:start + int(rng.uniform(2 * 60, 2 * DAY))] += int(rng.uniform(20, 200))
    requests = Requests()
    requests.add("get", rng.poisson(gets), get_median * provider, rng.uniform(0.35, 0.6))
    requests.add("put", puts, get_median * rng.uniform(1.5, 4) * provider, rng.uniform(0.5, 0.8))
    requests.add("retried", rng.poisson(gets * rng.uniform(0.001, 0.005)),
                 get_median * provider + rng.uniform(0.3, 1.5), 0.5)
    parts = np.zeros(span)
    if rng.random() < 0.8:  # the nightly backup's multipart upload
        weekly_full = weekly_rows(rng, grid, rng.uniform(0, 5)) if rng.random() < 0.5 else []
        for start in common.daily_rows(grid, rng.uniform(0, 5)):
            longer = rng.uniform(2, 5) if start in weekly_full else 1
            parts[start:start + int(rng.uniform(20, 90) * longer)] = rng.uniform(2, 20)
    requests.add("part", rng.poisson(parts), rng.uniform(1, 6) * provider, rng.uniform(0.3, 0.5))
    return requests


def lasting(onset: int, later: int, minutes: float) -> slice:
    """``minutes`` from ``onset``, over before the next anomaly starts at ``later``."""
    return slice(onset, min(later, onset + int(minutes)))


def _storage_anomalies(rng: np.random.Generator, requests: Requests, onsets: list[int],
                       kinds: list[str]) -> None:
    span = len(requests.kinds["get"][0])
    get_median = float(np.median(requests.kinds["get"][1]))
    ends = common.next_onsets(onsets, span)
    for number, (onset, kind, later) in enumerate(zip(onsets, kinds, ends, strict=True)):
        if kind == "provider_degraded":
            minutes = lasting(onset, later, rng.uniform(30, 8 * 60))
            slower = rng.uniform(3, 12)
            for _, median, sigma in requests.kinds.values():
                median[minutes] *= slower
                sigma[minutes] += 0.3
        elif kind == "throttled":  # the SDK's retries after 503 SlowDown, with backoff
            minutes = lasting(onset, later, rng.uniform(60, 12 * 60))
            backoff = rng.uniform(0.3, 2.5) * rng.lognormal(0, 0.3, span)
            requests.divert(rng, f"slowdown{number}", minutes, rng.uniform(0.08, 0.5),
                            get_median + backoff, 0.4)
        elif kind == "connect_timeouts":
            minutes = lasting(onset, later, rng.uniform(2 * 60, 2 * DAY))
            timeout = float(rng.choice([1, 2, 5, 10, 15, 30]))
            requests.divert(rng, f"timeout{number}", minutes, rng.uniform(0.1, 1),
                            np.full(span, timeout + get_median), 0.02)
        else:  # auth_failures: refused after a round trip, nothing transferred
            minutes = lasting(onset, later, rng.uniform(2 * 60, 3 * DAY))
            for _, median, sigma in requests.kinds.values():
                median[minutes] = get_median * rng.uniform(0.2, 0.5)
                sigma[minutes] = 0.3


def storage_latency_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5, 10, 15]))
    stamps, at, grid = _storage_grid(rng, step)
    window = max(step, int(rng.choice([2, 5, 5, 10])))
    requests = _storage_requests(rng, grid)
    starts = common.spaced_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("provider_degraded", "throttled", "connect_timeouts",
                                       "auth_failures"))
    _storage_anomalies(rng, requests, [int(at[s]) for s in starts], kinds)
    bounds_set = BUCKET_SETS[int(rng.integers(len(BUCKET_SETS)))]
    bounds = np.asarray(bounds_set, float)
    per_minute = np.vstack([np.zeros((1, len(bounds) + 1), np.int64),
                            np.cumsum(requests.histogram(rng, bounds), axis=0)])
    in_window = per_minute[at + 1] - per_minute[np.maximum(at + 1 - window, 0)]
    keep = in_window.sum(axis=1) > 0
    values = np.zeros(len(at))
    values[keep] = histogram_quantile(float(rng.choice([0.99, 0.99, 0.95])), in_window[keep],
                                      bounds)
    in_ms = bounds_set is BUCKET_SETS[1] or rng.random() < 0.3
    values = np.round(values * 1000, 3) if in_ms else np.round(values, 6)
    stamps, values, starts = common.keep_rows(stamps, values, keep, starts)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- CPU credit balance

# (generation, vCPUs, credits earned an hour) of t2.micro, t2.small, t2.medium, t3.micro,
# t3.small, t3.medium, t3.large, t3.xlarge, t3.2xlarge; the balance keeps a day's earnings
INSTANCES = (("t2", 1, 6), ("t2", 1, 12), ("t2", 2, 24), ("t3", 2, 12), ("t3", 2, 24),
             ("t3", 2, 24), ("t3", 2, 36), ("t3", 4, 96), ("t3", 8, 192))


def _site_tasks(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """vCPUs busy a minute besides the visitors: WP-cron's heavy tasks, deploys, the weekly
    malware scan."""
    span = len(grid)
    tasks = np.zeros(span)
    every = int(rng.choice([15, 30, 60]))
    for start in np.flatnonzero((np.arange(span) + rng.integers(every)) % every == 0):
        tasks[start:start + int(rng.integers(1, 4))] += rng.uniform(0.2, 1)
    for start in office_hour_rows(rng, grid, rng.uniform(0.05, 0.5)):
        tasks[start:start + int(rng.uniform(3, 10))] += rng.uniform(1, 2)
    if rng.random() < 0.4:
        for start in weekly_rows(rng, grid, rng.uniform(0, 6)):
            tasks[start:start + int(rng.uniform(60, 240))] += rng.uniform(0.3, 0.8)
    return tasks


def _nightly_backups(rng: np.random.Generator, grid: pd.DatetimeIndex
                     ) -> list[tuple[int, int]]:
    """(start, minutes) of each night's backup compression (none in some files), longer on
    the weekly full backup in some."""
    if rng.random() < 0.2:
        return []
    usual = rng.uniform(20, 90)
    full_day = int(rng.integers(0, 7)) if rng.random() < 0.4 else -1
    return [(int(start), int(usual * (rng.uniform(2, 3) if grid[start].day_of_week == full_day
                                      else 1) * rng.lognormal(0, 0.15)))
            for start in common.daily_rows(grid, rng.uniform(0, 5))]


def _instance(rng: np.random.Generator, fixed: float) -> tuple[str, int, float]:
    """The instance the sites were put on: of the three smallest sizes that earn at least twice
    what their own tasks spend (smaller ones would sit at 0 and be resized)."""
    sizes = sorted({per_hour for _, _, per_hour in INSTANCES if per_hour / 60 >= 2 * fixed})
    per_hour = sizes[int(rng.integers(min(3, len(sizes))))] if sizes else INSTANCES[-1][2]
    fitting = [size for size in INSTANCES if size[2] == per_hour]
    return fitting[int(rng.integers(len(fitting)))]


def _visitors(rng: np.random.Generator, grid: pd.DatetimeIndex, mean: float) -> np.ndarray:
    """vCPUs busy a minute serving the visitors (lumpy minute to minute)."""
    span = len(grid)
    shape = rng.uniform(3, 20)
    return mean * common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY)) * (
        rng.gamma(shape, 1 / shape, span))


class Instance:
    """A burstable instance's sites: what keeps its vCPUs busy, and the balance that follows."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, may_stop: bool
                 ) -> None:
        span = len(grid)
        self.other, self.backups = _site_tasks(rng, grid), _nightly_backups(rng, grid)
        fixed = self.other.mean() + sum(minutes for _, minutes in self.backups) / span
        self.generation, self.vcpus, per_hour = _instance(rng, fixed)
        self.earned, self.cap = per_hour / 60, per_hour * 24.0
        # the backup compresses with gzip on one core, or pigz / zstd -T0 on all of them
        self.compressing = (1 if rng.random() < 0.4 else self.vcpus) * rng.uniform(0.6, 1)
        self.visitors = _visitors(rng, grid, max(
            self.earned * rng.uniform(0.25, 0.75) - fixed, 0.1 * self.earned))
        crawled = spans(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY),
                        (60, 6 * 60), span)  # SEO crawlers now and then
        self.other[crawled] += self.earned * rng.uniform(0.3, 1.5)
        self.start = self.cap * rng.uniform(0.7, 1)
        self.stopped, self.refills = slice(0, 0), {}
        if rng.random() < 0.3 and may_stop:  # stopped for maintenance or a resize
            stops = office_hour_rows(rng, grid, 0.2)
            stops = stops[(stops > span * 0.05) & (stops < span * 0.95)]
            if len(stops):
                first = int(rng.choice(stops))
                self.stopped = slice(first, first + int(rng.uniform(5, 40)))
                if self.generation == "t2":  # restarted with its launch credits
                    self.refills[self.stopped.stop // 5] = 30.0 * self.vcpus

    def balance(self) -> np.ndarray:
        """The balance at the end of each 5-minute period: earned minus spent, in [0, cap]."""
        other = self.other.copy()
        for start, minutes in self.backups:
            other[start:start + minutes] += self.compressing
        usage = np.minimum(self.visitors + other, self.vcpus)
        usage[self.stopped] = self.earned  # neither earned nor spent
        periods = len(usage) // 5
        spent = usage[:periods * 5].reshape(periods, 5).sum(axis=1)
        out, balance = np.zeros(periods), self.start
        for period, used in enumerate(spent):
            balance = self.refills.get(period, balance)
            balance = min(max(balance + 5 * self.earned - used, 0.0), self.cap)
            out[period] = balance
        return out

    def anomaly(self, rng: np.random.Generator, onset: int, kind: str) -> None:
        earned = self.earned
        if kind == "runaway_process":  # until someone kills it; more cores than it earns
            end = onset + int(rng.uniform(2 * 60, 1.5 * DAY))
            cores = rng.integers(min(self.vcpus, int(np.ceil(1.5 * earned))), self.vcpus + 1)
            self.other[onset:end] += cores * rng.uniform(0.9, 1)
        elif kind == "bot_crawl":
            end = onset + int(rng.uniform(4 * 60, 2 * DAY))
            self.other[onset:end] += earned * rng.uniform(1.5, 5)
        elif kind == "heavier_code":  # sized to take the day's peak past the earnings
            peak = np.quantile(self.visitors[:onset], 0.95)
            self.visitors[onset:] *= max(rng.uniform(1.5, 3), 1.5 * earned / peak)
        else:  # backup_bloat: the backup compresses much more from this night on
            longer = rng.uniform(3, 8)
            for night, (start, minutes) in enumerate(self.backups):
                if start > onset - 16:  # the first scrape after this night's backup started
                    self.backups[night] = (start, min(int(minutes * longer), 16 * 60))


def cpu_credits_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 5, 5, 5, 10])))
    instance = Instance(rng, grid, may_stop=len(at) > 2100)  # no fewer than 2,000 rows
    starts = common.spaced_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("runaway_process", "bot_crawl", "heavier_code",
                                       "backup_bloat"), once="heavier_code")
    backup_rows = np.searchsorted(at, [start for start, _ in instance.backups])
    if instance.compressing < 1.2 * instance.earned:  # a longer backup would not drain it
        backup_rows = backup_rows[:0]
    snap_onsets(("backup_bloat",), "bot_crawl", backup_rows[backup_rows < len(at)], starts,
                kinds, len(stamps))
    order = np.argsort(starts)
    labelled: list[tuple[int, str]] = []
    for row, kind in [(starts[i], kinds[i]) for i in order]:
        if kind == "backup_bloat" and "backup_bloat" in [k for _, k in labelled]:
            kind = "bot_crawl"  # one bloated backup a file
        # a drain only shows on a balance that is not still empty from the last one; onsets
        # left out must not leave the others' windows (wider then) overlapping
        apart = all(abs(row - other) > 0.05 * len(at) + 50 for other, _ in labelled)
        if apart and instance.balance()[max(int(at[row]) // 5 - 1, 0)] >= 0.3 * instance.cap:
            instance.anomaly(rng, int(at[row]), kind)
            labelled.append((row, kind))
    balance = instance.balance()
    published = np.clip((at - rng.uniform(5, 15)) // 5 - 1, 0, len(balance) - 1).astype(int)
    keep = (at < instance.stopped.start) | (at >= instance.stopped.stop)
    stamps, values, rows = common.keep_rows(stamps, np.round(balance[published], 2), keep,
                                            [row for row, _ in labelled])
    return SyntheticSeries(name, stamps, values, rows, [kind for _, kind in labelled])


GENERATORS = {"synthStorageLatencyP99": storage_latency_series,
              "synthCpuCredits": cpu_credits_series,
              "synthSwapUsed": swap_series,
              "synthUndoHistory": undo_history_series}
STEMS = {"synthStorageLatencyP99": ("s3_request_p99", "object_storage_latency_quantile"),
         "synthCpuCredits": ("ec2_cpu_credit_balance", "burstable_credits"),
         "synthSwapUsed": ("node_swap_used", "swap_used"),
         "synthUndoHistory": ("innodb_history_list_length", "mysql_trx_rseg_history_len")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R12, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1200)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
