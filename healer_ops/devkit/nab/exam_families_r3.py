"""Third exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

- ``synthMemory``: memory of a long-running process every 1-5 minutes (scrape jitter, rare
  holes): PHP-FPM pool RSS (creep bounded by worker recycling, daily log-rotate reloads),
  JVM heap used (young-generation noise, an old generation that grows until a full GC at
  irregular intervals) or container working set (a linear leak reset by deploys). Normal:
  restarts on deploys at irregular working hours, warm-up after each, load-driven swings.
  Anomalies: a leak that speeds up (drift, ends in OOM kills), a restart loop of OOM kills
  (a fast saw-tooth for hours), a step up after a deploy, a step down after a deploy
  (workers or caches cut), a stuck exporter (flat).
- ``synthErrorRate``: HTTP 5xx share of requests in percent per 1-5 minutes, from a diurnal
  and weekly request volume (so quiet nights are noisy), mostly zero or tiny. Normal:
  1-4 minute blips at deploys, a nightly backup window of more timeouts, rare single-row
  blips, isolated missing scrapes and stretches of hours without data (NaN, never labelled,
  kept out of the label windows). Anomalies: an error storm (15 minutes to 2 hours), an
  elevated floor for hours (one backend of several failing), a lasting rise after a deploy,
  flapping (intermittent bursts for hours: a variance change).
- ``synthPool``: database connections or PHP-FPM workers in use, integers capped at the
  pool's maximum, every 1-5 minutes; some pools keep a minimum of idle connections (flat
  nights). Normal: a nightly batch holding many connections, brief saturation at the peak
  of busy days. Anomalies: pool exhaustion (pinned at the maximum for hours), a connection
  leak (a climb of leaked connections until a restart), a drop to zero (database failover
  or app down, then a reconnect surge), a stuck exporter, a lasting rise (new app servers).
- ``synthBacklog``: depth of a job queue (mail, cron, imports) every 2-10 minutes with
  jitter and holes of hours, simulated minute by minute from arrivals and consumers.
  Normal: a daily bulk job at a fixed time, hourly and weekly jobs in some queues, each a
  spike that drains in tens of minutes, quieter weekends. Anomalies: a daily job that does
  not run (a missing spike: broken seasonality), consumers down (a ramp, then a drain), an
  oversized job (a duplicated run: a spike several times larger that drains for hours),
  poison messages (a floor that does not drain), slow consumers for a day or two (drift).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    label_windows,
    office_hour_rows,
    scrape_stamps,
    snap_onsets,
    until,
)

EXAM_FAMILIES_R3 = ("synthMemory", "synthErrorRate", "synthPool", "synthBacklog")
FILES_PER_FAMILY = {"synthMemory": 9, "synthErrorRate": 10, "synthPool": 8,
                    "synthBacklog": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthMemory": frozenset({"leak_accelerates", "oom_loop", "deploy_step_up", "deploy_step_down",
                              "stuck"}),
    "synthErrorRate": frozenset({"storm", "elevated_floor", "shift_up", "flapping"}),
    "synthPool": frozenset({"exhaustion", "leak", "drop_to_zero", "stuck", "shift_up"}),
    "synthBacklog": frozenset({"missed_job", "consumers_down", "oversized_job", "poison_floor",
                               "slow_consumers"}),
}
ROWS_BY_SPACING = {1: (5000, 16000), 2: (3000, 10000), 5: (2000, 8000), 10: (2000, 4000)}
# scrape times: every 1-10 minutes with jitter, holes of 1-10 hours
_stamps = partial(scrape_stamps, rows_by_step=ROWS_BY_SPACING, epoch=pd.Timestamp("2025-03-03"),
                  longest_hole_minutes=10 * 60)


ANOMALY_COUNTS = (0, 1, 1, 2, 2, 3)  # anomalies per file: one draw


def _load(stamps: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Traffic of a hosting fleet, mean about 1: a day peak, a night trough, weekends."""
    hours = hour_of_day(stamps)
    peak, width = rng.uniform(11, 20), rng.uniform(3, 5.5)
    daily = np.exp(-((((hours - peak + 12) % 24) - 12) ** 2) / (2 * width ** 2))
    floor = rng.uniform(0.1, 0.45)
    weekend = np.where(np.asarray(stamps.day_of_week) >= 5, rng.uniform(0.55, 0.95), 1.0)
    shape = (floor + (1 - floor) * daily) * weekend
    return shape / shape.mean()


def _daily_at(stamps: pd.DatetimeIndex, hour: float) -> np.ndarray:
    """Boolean: the first row at or after ``hour`` each day."""
    shifted = (hour_of_day(stamps) - hour) % 24
    return np.r_[False, np.diff(shifted) < 0]


# ---------------------------------------------------------------- process memory


def memory_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    runtime = name.split("_")[0]
    minutes = int(rng.choice([1, 2, 5]))
    stamps = _stamps(rng, minutes, 0.1, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    spacing = np.diff(elapsed, prepend=0.0)
    load = _load(stamps, rng)
    base = np.full(rows, float(np.exp(rng.uniform(np.log(150), np.log(3000)))))
    # JVM: promotions fill the old generation within hours; elsewhere a leak of days
    per_day = rng.uniform(0.5, 3) if runtime == "jvm" else rng.uniform(0.05, 0.4)
    leak_per_minute = base[0] * per_day / 1440 * (0.5 + 0.5 * load)
    creep_cap = base[0] * rng.uniform(0.1, 0.3)  # PHP-FPM: recycling bounds the creep
    old_gen_limit = base[0] * rng.uniform(0.3, 0.8)  # JVM: a full GC past this
    young = base[0] * rng.uniform(0.15, 0.5)
    warm_minutes = rng.uniform(10, 40)
    limit = base[0] * rng.uniform(3, 4)  # OOM kill above this
    restart = np.zeros(rows, dtype=bool)
    restart[office_hour_rows(rng, stamps, rng.uniform(0.3, 1.2))] = True
    if runtime == "phpfpm":
        restart |= _daily_at(stamps, rng.uniform(5, 7))  # log-rotate reload
    extra_rate = np.zeros(rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds, overrides = [], []
    for start in starts:
        kind = str(rng.choice(["leak_accelerates", "oom_loop", "deploy_step_up",
                               "deploy_step_down", "stuck"]))
        kinds.append(kind)
        if kind == "leak_accelerates":  # a release that leaks faster and faster, for good
            days = np.clip(elapsed - elapsed[start], 0, None) / 1440
            extra_rate += base[0] * rng.uniform(0.5, 1.5) / 1440 * days
        elif kind in ("deploy_step_up", "deploy_step_down"):
            restart[start] = True
            up = kind == "deploy_step_up"
            base[start:] *= rng.uniform(1.4, 2.0) if up else rng.uniform(0.4, 0.65)
        else:
            stop = until(elapsed, start, rng.uniform(1, 6) * 60 if kind == "oom_loop"
                          else rng.uniform(2, 12) * 60)
            if kind == "oom_loop":
                restart[stop - 1] = True
            overrides.append((kind, start, stop))
    values = np.empty(rows)
    leaked = extra = 0.0
    since_restart = 1e9
    for row in range(rows):
        since_restart += spacing[row]
        if restart[row]:
            leaked = extra = since_restart = 0.0
        leaked += leak_per_minute[row] * spacing[row]
        extra += extra_rate[row] * spacing[row]
        if runtime == "jvm" and leaked > old_gen_limit * rng.uniform(0.8, 1.2):
            leaked = 0.0  # a full GC empties the old generation
        visible = creep_cap * (1 - np.exp(-leaked / creep_cap)) if runtime == "phpfpm" else leaked
        warm = 1 - 0.5 * np.exp(-since_restart / warm_minutes)
        value = base[row] * warm + visible + extra
        if value > limit:  # OOM kill: the process starts again
            leaked = extra = since_restart = 0.0
            value = base[row] * 0.5
        values[row] = value
    if runtime == "phpfpm":  # more children at the peak (pm = dynamic)
        values *= 0.75 + 0.25 * load
    elif runtime == "jvm":  # the young generation fills and empties between scrapes
        values += young * rng.random(rows) * (0.5 + 0.5 * load)
    values *= rng.lognormal(0, rng.uniform(0.003, 0.02), rows)
    for kind, start, stop in overrides:
        if kind == "stuck":
            values[start:stop] = values[start - 1]
        else:  # killed at the limit every few minutes, climbs fast again
            period = rng.uniform(5, 30)
            phase = ((elapsed[start:stop] - elapsed[start]) % period) / period
            values[start:stop] = (base[start] * 0.5 + (limit - base[start] * 0.5) * phase
                                  ) * rng.lognormal(0, 0.02, stop - start)
    # a container's working set in bytes, the others in MB
    values = np.round(values * 2 ** 20) if runtime == "container" else np.round(values, 1)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- HTTP 5xx error rate


def error_rate_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = _stamps(rng, minutes, 0.05, int(rng.integers(0, 2)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    load = _load(stamps, rng)
    volume = float(np.exp(rng.uniform(np.log(20), np.log(3000)))) * minutes
    requests = rng.poisson(volume * load * rng.lognormal(0, 0.1, rows))
    base_share = float(np.exp(rng.uniform(np.log(1e-4), np.log(5e-3))))
    wander = np.convolve(rng.normal(0, 1, rows), np.ones(60) / np.sqrt(60), "same")
    share = base_share * np.exp(0.3 * wander) * rng.gamma(2.0, 0.5, rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = [str(rng.choice(["storm", "elevated_floor", "shift_up", "flapping"]))
             for _ in starts]
    if kinds.count("shift_up") > 1:  # one lasting rise a file (rises would compound)
        first = kinds.index("shift_up")
        kinds = ["storm" if k == "shift_up" and i > first else k for i, k in enumerate(kinds)]
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "shift_up":  # a release that fails a share of requests from now on
            share[start:] = share[start:] * rng.uniform(5, 15) + 4 * base_share
    backup = _daily_at(stamps, rng.uniform(1, 5))
    for row in np.flatnonzero(backup):  # nightly backup: more timeouts, every night
        share[row:until(elapsed, row, rng.uniform(10, 30))] *= rng.uniform(3, 8)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.5, 2)):  # deploy blips
        share[row:until(elapsed, row, rng.uniform(1, 4))] += rng.uniform(0.02, 0.2)
    blips = rng.random(rows) < 1 / 500
    share[blips] += rng.uniform(0.005, 0.05, int(blips.sum()))
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "storm":
            stop = until(elapsed, start, rng.uniform(15, 120))
            share[start:stop] = rng.uniform(0.05, 0.6) * rng.uniform(0.6, 1.0, stop - start)
        elif kind == "elevated_floor":  # one backend of several failing
            stop = until(elapsed, start, rng.uniform(3, 24) * 60)
            share[start:stop] += max(rng.uniform(0.01, 0.05), 8 * base_share)
        elif kind == "flapping":
            stop = until(elapsed, start, rng.uniform(2, 12) * 60)
            bursts = rng.random(stop - start) < 0.3
            share[start:stop] += bursts * rng.uniform(0.02, 0.3, stop - start)
    errors = rng.binomial(requests, np.clip(share, 0, 1))
    values = np.round(100 * errors / np.maximum(requests, 1), 3)
    missing = rng.random(rows) < 0.003
    windows = label_windows(rows, starts)
    for _ in range(int(rng.integers(0, 3))):  # the exporter down for hours: not an anomaly
        for _attempt in range(50):
            first = int(rng.integers(1, rows))
            last = until(elapsed, first, rng.uniform(1, 6) * 60)
            if all(last < a or first > b for a, b in windows):
                missing[first:last] = True
                break
    missing[starts] = False
    values[missing] = np.nan
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- connection pools


def pool_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = _stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    size = int(rng.choice([20, 32, 50, 64, 100, 151]))
    # a database keeps its pool's idle connections; PHP-FPM has health checks, long polls
    min_idle = int(rng.choice([2, 5, 10])) if name.startswith("db") else 0
    always_busy = 0.0 if min_idle else rng.uniform(2, 5)
    day = np.asarray((stamps - stamps[0].normalize()).days)
    busy_day = rng.uniform(0.9, 1.35, day.max() + 1)[day]  # campaigns: some days busier
    mean_busy = size * rng.uniform(0.12, 0.3)
    demand = (always_busy + mean_busy * _load(stamps, rng) * busy_day
              * rng.lognormal(0, 0.1, rows))
    batch_hour = rng.uniform(0, 6)
    for row in np.flatnonzero(_daily_at(stamps, batch_hour)):  # a nightly batch
        demand[row:until(elapsed, row, rng.uniform(20, 60))] += size * rng.uniform(0.2, 0.5)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds, overrides = [], []
    for start in starts:
        kind = str(rng.choice(["exhaustion", "leak", "drop_to_zero", "stuck", "shift_up"]))
        kinds.append(kind)
        if kind == "leak":  # one more leaked connection every few minutes, until a restart
            climb = rng.uniform(6, 48) * 60
            stop = until(elapsed, start, climb + rng.uniform(0, 2) * 60)
            demand[start:stop] += size * (elapsed[start:stop] - elapsed[start]) / climb
        elif kind == "shift_up":  # new app servers, each with its own pool
            demand[start:] += mean_busy * rng.uniform(0.6, 1.2)
        else:
            hours = {"exhaustion": (0.5, 6), "drop_to_zero": (1 / 3, 2), "stuck": (2, 12)}
            stop = until(elapsed, start, rng.uniform(*hours[kind]) * 60)
            overrides.append((kind, start, stop))
    values = np.clip(rng.poisson(np.maximum(demand, 0)), min_idle, size).astype(float)
    for kind, start, stop in overrides:
        if kind == "exhaustion":
            values[start:stop] = size - (rng.random(stop - start) < 0.1) * rng.integers(1, 3)
        elif kind == "drop_to_zero":
            values[start:stop] = 0
            surge = slice(stop, min(rows, stop + int(rng.integers(1, 4))))
            values[surge] = np.round(size * rng.uniform(0.7, 1.0))
        else:  # frozen on its last reading (a busy one if the last was the idle floor)
            last = values[start - 1]
            values[start:stop] = last if last > min_idle else np.percentile(values[:start], 75)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- job queue backlog


def backlog_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([2, 5, 5, 10]))
    stamps = _stamps(rng, minutes, 0.15, int(rng.integers(0, 4)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    sample = np.round(elapsed).astype(int)  # the minute of each scrape
    grid = stamps[0] + pd.to_timedelta(np.arange(sample[-1] + 1), unit="min")
    load = _load(grid, rng)
    arrivals = float(np.exp(rng.uniform(np.log(0.5), np.log(50))))  # per minute at mean
    capacity = np.full(len(grid), arrivals * load.max() * rng.uniform(1.5, 3))
    headroom = capacity[0] - arrivals
    daily_hour = rng.uniform(0, 24)
    daily = np.flatnonzero(_daily_at(grid, daily_hour))
    bulk = np.zeros(len(grid))
    bulk[daily] = headroom * rng.uniform(20, 90) * rng.uniform(0.7, 1.3, len(daily))
    if rng.random() < 0.5:  # an hourly import
        hourly = np.flatnonzero(np.asarray(grid.minute) == int(rng.integers(60)))
        bulk[hourly] += headroom * rng.uniform(2, 10) * rng.uniform(0.7, 1.3, len(hourly))
    if rng.random() < 0.5:  # a weekly report on Mondays
        monday = np.asarray(grid.day_of_week) == 0
        weekly = np.flatnonzero(_daily_at(grid, rng.uniform(5, 8)) & monday)
        bulk[weekly] += headroom * rng.uniform(60, 180)
    job_rows = np.searchsorted(elapsed, daily)
    job_rows = job_rows[job_rows < rows]
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = [str(rng.choice(["missed_job", "consumers_down", "oversized_job", "poison_floor",
                             "slow_consumers"])) for _ in starts]
    snap_onsets(("missed_job", "oversized_job", "slow_consumers"), "consumers_down", job_rows,
                starts, kinds, rows)  # seen at the job
    floor = np.zeros(len(grid))
    for start, kind in zip(starts, kinds, strict=True):
        at = sample[start]
        if kind == "missed_job":
            bulk[daily[np.abs(daily - at).argmin()]] = 0.0
        elif kind == "oversized_job":
            bulk[daily[np.abs(daily - at).argmin()]] *= rng.uniform(3, 8)
        elif kind == "consumers_down":
            capacity[at:at + int(rng.uniform(1, 6) * 60)] = 0.0
        elif kind == "poison_floor":  # messages requeued forever, until someone purges them
            stop = at + int(rng.uniform(12, 72) * 60) if rng.random() < 0.5 else len(grid)
            floor[at:stop] = headroom * rng.uniform(10, 40)
        else:
            capacity[at:at + int(rng.uniform(12, 48) * 60)] *= rng.uniform(0.25, 0.5)
    incoming = rng.poisson(arrivals * load) + bulk
    served = capacity * rng.uniform(0.7, 1.3, len(grid))
    depth = np.empty(len(grid))
    queued = 0.0
    for minute in range(len(grid)):
        queued = max(floor[minute], queued + incoming[minute] - served[minute])
        depth[minute] = queued
    in_flight = rng.poisson(arrivals * load[sample] * rng.uniform(0.5, 2))
    values = np.round(depth[sample]) + in_flight
    return SyntheticSeries(name, stamps, values.astype(float), starts, kinds)


GENERATORS = {"synthMemory": memory_series, "synthErrorRate": error_rate_series,
              "synthPool": pool_series, "synthBacklog": backlog_series}
STEMS = {"synthMemory": ("phpfpm_rss", "jvm_heap", "container_memory"),
         "synthErrorRate": ("http_5xx_percent",),
         "synthPool": ("db_connections", "fpm_active_workers"),
         "synthBacklog": ("queue_depth",)}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R3, GENERATORS, STEMS, FILES_PER_FAMILY, salt=300)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
