"""Fourth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a bounded ratio whose noise
comes from the traffic behind it, one row per job run (timestamps set by the job, not by a
scraper), a host metric whose normal includes a seasonal job and a neighbour's noise, and
heavy-tailed byte volumes capped by a link.

- ``synthCacheHit``: object-cache or CDN hit ratio every 1-5 minutes (a fraction for
  object caches, a percent for CDNs) from the hits and requests of the row, so quiet nights
  are noisy. Normal: purges at deploys (a dip that recovers in minutes to tens of minutes),
  a nightly warmer crawling the long tail (a dip at night), a slowly wandering level, a
  better ratio at the peak. Anomalies: an eviction storm (memory too small: a lower level
  for hours or for good), a cache that stops working (near zero), a key explosion (a slow
  decay over a day or more that stays), a purge loop (a plugin purging every few minutes:
  repeated dips for hours), a ratio pinned high (a CDN serving stale while the origin is
  down, or a bot hammering one cached page).
- ``synthCronDuration``: duration in seconds of a recurring job, ONE ROW PER RUN: cron every
  2-15 minutes, a start delay of seconds, stamped at the start (a jobs table) or at the end
  (a pushed metric). Normal: runs holding the lock make cron skip the next slots (so the
  daily heavy run leaves a gap), rare missed slots, heavier runs at the top of the hour in
  some jobs, busier daytime runs, lock waits (rare long runs), data growth. Anomalies: runs
  getting slower day by day (drift), a stuck run (one huge value and hours without runs),
  runs that stop happening for hours (missing rows, then a catch-up run), bimodal durations
  after a change, runs that fail fast (near-zero durations for hours).
- ``synthHostLoad``: a shared hosting VM's 1-minute load average or CPU busy percent (user,
  system and steal) every 1-5 minutes. Normal: daily and weekly traffic, WP-cron at the top
  of each hour, a nightly backup (longer on Sundays), short bursts of steal from noisy
  neighbours. Anomalies: a runaway process (one or more cores pinned for hours), a
  neighbour stealing CPU for hours (level and variance), a backup that does not run, a
  backup moved to another hour from one night on (a broken seasonal pattern), a host that
  goes idle (web server down or sites moved away).
- ``synthBandwidth``: egress bytes of a hosting server per 5-15 minutes, daily and weekly
  cycles, capped by the uplink. Normal: heavy-tailed bot scrapes (minutes to two hours),
  in some hosts a nightly rate-limited offsite backup (a flat plateau, longer on Sundays),
  slow growth. Anomalies: a hotlink (another site's daily cycle on top, for hours to days),
  a flood (DDoS: the link saturated for minutes to hours), traffic loss (half a day at a
  third: DNS or routing), a CDN bypassed from now on (a lasting step up), a runaway backup
  (the backup plateau for most of a day).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r4_common as common
from healer_ops.devkit.nab.exam_r4_cron import cron_duration_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    office_hour_rows,
    snap_onsets,
    until,
)

EXAM_FAMILIES_R4 = ("synthCacheHit", "synthCronDuration", "synthHostLoad", "synthBandwidth")
FILES_PER_FAMILY = {"synthCacheHit": 9, "synthCronDuration": 9, "synthHostLoad": 8,
                    "synthBandwidth": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCacheHit": frozenset({"eviction_storm", "cache_down", "key_explosion", "purge_loop",
                                "pinned_high"}),
    "synthCronDuration": frozenset({"stuck_run", "slowdown_drift", "runs_stop", "bimodal",
                                    "fails_fast"}),
    "synthHostLoad": frozenset({"runaway_process", "noisy_neighbour", "backup_missing",
                                "backup_moved", "host_idle"}),
    "synthBandwidth": frozenset({"hotlink", "flood", "traffic_loss", "cdn_bypass",
                                 "backup_runaway"}),
}
MOST_ANOMALIES_PER_FILE = 3  # labelled onsets in one file, at most
FAMILIES_WITHOUT_HOLES = EXAM_FAMILIES_R4  # none of their files need a gap of over ten steps


# ---------------------------------------------------------------- cache hit ratio


def _purge(hit_share: np.ndarray, elapsed: np.ndarray, row: int, depth: float,
           recovery_minutes: float) -> None:
    """A purge at ``row``: most requests miss, then the cache fills again."""
    stop = until(elapsed, row, 5 * recovery_minutes)
    since = elapsed[row:stop] - elapsed[row]
    hit_share[row:stop] *= 1 - depth * np.exp(-since / recovery_minutes)


def _ratio_of_counts(hits: np.ndarray, requests: np.ndarray, fallback: float) -> np.ndarray:
    """hits / requests; a row without requests repeats the last ratio (as a dashboard does)."""
    ratio = pd.Series(np.where(requests > 0, hits / np.maximum(requests, 1), np.nan))
    return ratio.ffill().fillna(fallback).to_numpy()


def cache_hit_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    cdn = name.startswith("cdn")
    minutes = int(rng.choice([1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.05, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    traffic = common.traffic(stamps, rng)
    volume = float(np.exp(rng.uniform(np.log(5), np.log(2000)))) * minutes  # requests a row
    steady_miss = rng.uniform(0.015, 0.12) if cdn else rng.uniform(0.04, 0.3)
    # busy hours repeat the popular pages, so the ratio is a little better at the peak
    miss = (steady_miss * np.exp(0.25 * common.wander(rng, rows, 240))
            * traffic ** -rng.uniform(0, 0.3))
    hit_share = 1 - np.clip(miss, 0, 0.95)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.3, 1.5)):  # deploys purge
        _purge(hit_share, elapsed, row, rng.uniform(0.4, 0.95), rng.uniform(3, 25))
    warmer = np.zeros(rows)  # a nightly crawler warming the long tail: mostly misses
    for row in common.daily_rows(stamps, rng.uniform(1, 5)):
        warmer[row:until(elapsed, row, rng.uniform(15, 60))] = volume * rng.uniform(0.3, 2)
    warmer_hit_share = rng.uniform(0.1, 0.6)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("eviction_storm", "cache_down", "key_explosion",
                                 "purge_loop", "pinned_high"), once="key_explosion")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "eviction_storm":  # lasting when the cache was resized down for good
            hours = rng.uniform(6, 48) if rng.random() < 0.6 else np.inf
            stop = until(elapsed, start, hours * 60) if np.isfinite(hours) else rows
            factor = rng.uniform(3, 6)
            hit_share[start:stop] = 1 - np.clip((1 - hit_share[start:stop]) * factor, 0, 0.9)
        elif kind == "cache_down":
            stop = until(elapsed, start, rng.uniform(20, 240))
            hit_share[start:stop] = rng.uniform(0, 0.03)  # the warmer's requests miss too
        elif kind == "key_explosion":  # a plugin adds a query string to every cache key
            ramp = rng.uniform(12, 72) * 60
            progress = np.clip((elapsed[start:] - elapsed[start]) / ramp, 0, 1)
            factor = 1 + (rng.uniform(3, 8) - 1) * progress
            hit_share[start:] = 1 - np.clip((1 - hit_share[start:]) * factor, 0, 0.9)
        elif kind == "purge_loop":
            stop_minute = elapsed[start] + rng.uniform(2, 12) * 60
            every = rng.uniform(3, 15)
            row = start
            while row < rows and elapsed[row] < stop_minute:
                _purge(hit_share, elapsed, row, rng.uniform(0.5, 0.9), rng.uniform(5, 20))
                row = until(elapsed, row, every * rng.uniform(0.8, 1.2))
        else:  # a CDN serving stale while the origin is down; a bot on one cached page
            stop = until(elapsed, start, rng.uniform(30, 240))
            hit_share[start:stop] = 1 - rng.uniform(0, 0.004)
    requests = rng.poisson(volume * traffic * rng.lognormal(0, 0.1, rows))
    crawled = rng.poisson(warmer)
    hits = (rng.binomial(requests, np.clip(hit_share, 0, 1))
            + rng.binomial(crawled, np.minimum(warmer_hit_share, hit_share)))
    ratio = _ratio_of_counts(hits, requests + crawled, 1 - steady_miss)
    values = np.round(100 * ratio, 2) if cdn else np.round(ratio, 4)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- shared host load / CPU


def _backup_rows(stamps: pd.DatetimeIndex, hour: float, moved: tuple[int, float] | None
                 ) -> np.ndarray:
    """Rows where the nightly backup starts; ``moved``: (row, hour): from the night of that
    row on, it starts at the other hour."""
    rows = common.daily_rows(stamps, hour)
    if moved is None:
        return rows
    since, other_hour = moved
    later = common.daily_rows(stamps, other_hour)
    return np.r_[rows[rows < since], later[later > since]]


def _add_backups(busy: np.ndarray, stamps: pd.DatetimeIndex, rows: np.ndarray,
                 rng: np.random.Generator, cores_used: float) -> None:
    """A backup compresses and reads the disk (iowait counts in the load): a bump of about
    ``cores_used`` for 30-90 minutes, two to three times longer on Sundays (a full one)."""
    elapsed = elapsed_minutes(stamps)
    minutes = rng.uniform(30, 90)
    sunday = np.asarray(stamps.day_of_week) == 6
    full = rng.uniform(2, 3)
    for row in rows:
        length = minutes * (full if sunday[row] else 1) * rng.uniform(0.8, 1.2)
        stop = until(elapsed, row, length)
        busy[row:stop] += cores_used * rng.lognormal(0, 0.15, stop - row)


def _neighbour_steal(rng: np.random.Generator, elapsed: np.ndarray) -> np.ndarray:
    """Share of the CPU taken by other tenants of the hypervisor: short bursts, a few a day."""
    rows = len(elapsed)
    steal = rng.uniform(0, 0.02) * rng.random(rows)
    days = elapsed[-1] / common.MINUTES_PER_DAY
    for row in rng.integers(0, rows, rng.poisson(rng.uniform(1, 4) * days)):
        stop = until(elapsed, int(row), rng.uniform(5, 40))
        steal[row:stop] += rng.uniform(0.05, 0.25) * rng.uniform(0.5, 1.5, stop - row)
    return steal


def host_load_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    as_load = name.startswith("load")
    minutes = int(rng.choice([1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    cores = int(rng.choice([2, 4, 8, 16, 32]))
    web = cores * rng.uniform(0.08, 0.45) * common.traffic(stamps, rng)
    web *= rng.lognormal(0, rng.uniform(0.05, 0.2), rows)
    top_of_hour = np.r_[True, np.diff(np.asarray(stamps.hour)) != 0]  # WP-cron of every site
    web[top_of_hour] += cores * rng.uniform(0.05, 0.3) * rng.random(int(top_of_hour.sum()))
    backup_hour = rng.uniform(0, 5)
    nightly = common.daily_rows(stamps, backup_hour)
    steal = _neighbour_steal(rng, elapsed)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("runaway_process", "noisy_neighbour", "backup_missing",
                                 "backup_moved", "host_idle"), once="backup_moved")
    # a crontab edited in another time zone, say: seen first as a night without backup
    snap_onsets(("backup_moved",), "runaway_process", nightly, starts, kinds, rows)
    moved = next(((start, (backup_hour + rng.uniform(4, 10)) % 24)
                  for start, kind in zip(starts, kinds, strict=True) if kind == "backup_moved"),
                 None)
    backups = _backup_rows(stamps, backup_hour, moved)
    snap_onsets(("backup_missing",), "runaway_process", backups, starts, kinds, rows)
    backups = np.setdiff1d(backups, [start for start, kind in zip(starts, kinds, strict=True)
                                     if kind == "backup_missing"])
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "host_idle":  # PHP-FPM down, or the sites moved to another host
            stop = until(elapsed, start, rng.uniform(1, 12) * 60)
            web[start:stop] = cores * rng.uniform(0.003, 0.02) * rng.lognormal(0, 0.3,
                                                                               stop - start)
        elif kind == "runaway_process":  # a PHP loop spinning until someone kills it
            stop = until(elapsed, start, rng.uniform(2, 24) * 60)
            web[start:stop] += int(rng.integers(1, min(cores, 4) + 1))
        elif kind == "noisy_neighbour":
            stop = until(elapsed, start, rng.uniform(3, 24) * 60)
            steal[start:stop] += rng.uniform(0.15, 0.45) * rng.gamma(2, 0.5, stop - start)
    backup_cores = rng.uniform(0.5, 1.5) + cores * rng.uniform(0.1, 0.3)  # sites in parallel
    _add_backups(web, stamps, backups, rng, backup_cores)
    steal = np.clip(steal, 0, 0.6)
    if as_load:  # runnable tasks wait longer when the hypervisor takes the CPU
        values = np.round(rng.gamma(8, web / (1 - steal) / 8), 2)
    else:  # busy = user + system + steal, never above 100
        busy = np.minimum(web / cores, 1 - steal) + steal
        values = np.round(100 * np.clip(busy * rng.lognormal(0, 0.03, rows), 0, 1), 1)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- egress bandwidth


def _bot_scrapes(rng: np.random.Generator, elapsed: np.ndarray, mean_bytes: float
                 ) -> np.ndarray:
    """Crawlers and scrapers: a few a day, minutes to two hours, heavy-tailed in size."""
    extra = np.zeros(len(elapsed))
    days = elapsed[-1] / common.MINUTES_PER_DAY
    for row in rng.integers(0, len(elapsed), rng.poisson(rng.uniform(0.3, 3) * days)):
        stop = until(elapsed, int(row), rng.uniform(10, 120))
        extra[row:stop] += mean_bytes * 0.2 * (1 + rng.pareto(1.3))
    return extra


def bandwidth_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    mean_bytes = float(np.exp(rng.uniform(np.log(5e6), np.log(2e10)))) * minutes / 5
    growth = 1 + rng.uniform(-0.1, 0.25) * elapsed / elapsed[-1]
    visitors = (mean_bytes * common.traffic(stamps, rng) * growth
                * rng.lognormal(0, rng.uniform(0.05, 0.2), rows))
    link = visitors.max() * rng.uniform(2.5, 6)  # the most bytes a row can carry
    other = _bot_scrapes(rng, elapsed, mean_bytes)
    backs_up = rng.random() < 0.6
    backup_hour, backup_rate = rng.uniform(0, 5), link * rng.uniform(0.2, 0.5)
    nightly = common.daily_rows(stamps, backup_hour) if backs_up else np.array([], dtype=int)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("hotlink", "flood", "traffic_loss", "cdn_bypass",
                                 "backup_runaway"), once="cdn_bypass")
    snap_onsets(("backup_runaway",), "hotlink", nightly, starts, kinds, rows)
    sunday = np.asarray(stamps.day_of_week) == 6
    full = rng.uniform(2, 4)  # a full copy on Sundays, increments on other nights
    backup_hours = {row: rng.uniform(0.3, 1.5) * (full if sunday[row] else 1)
                    for row in nightly}  # a rate-limited rsync
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "hotlink":  # another site embeds our images: its visitors, its day
            stop = until(elapsed, start, rng.uniform(6, 72) * 60)
            their_day = common.traffic(stamps[start:stop], rng)
            other[start:stop] += mean_bytes * rng.uniform(0.5, 2.5) * their_day
        elif kind == "flood":
            stop = until(elapsed, start, rng.uniform(15, 180))
            other[start:stop] += mean_bytes * rng.uniform(5, 30) * rng.lognormal(
                0, 0.3, stop - start)
        elif kind == "traffic_loss":  # DNS or a route gone for half a day
            stop = until(elapsed, start, rng.uniform(6, 16) * 60)
            visitors[start:stop] *= rng.uniform(0.2, 0.45)
        elif kind == "cdn_bypass":  # the origin serves the static files from now on
            visitors[start:] *= rng.uniform(2, 4)
        else:  # a full copy of every site instead of the increment
            backup_hours[start] = rng.uniform(6, 20)
    for row, hours in backup_hours.items():
        stop = until(elapsed, row, hours * 60)
        other[row:stop] += backup_rate * rng.uniform(0.97, 1.0, stop - row)
    saturated = rng.uniform(0.96, 0.995, rows) * link  # a full link still shows some slack
    values = np.round(np.minimum(visitors + other, saturated))
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthCacheHit": cache_hit_series, "synthCronDuration": cron_duration_series,
              "synthHostLoad": host_load_series, "synthBandwidth": bandwidth_series}
STEMS = {"synthCacheHit": ("object_cache_hit_ratio", "cdn_hit_percent"),
         "synthCronDuration": ("job_runs_seconds", "pushed_job_duration_seconds"),
         "synthHostLoad": ("load1", "cpu_busy_percent"),
         "synthBandwidth": ("egress_bytes",)}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R4, GENERATORS, STEMS, FILES_PER_FAMILY, salt=400)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
