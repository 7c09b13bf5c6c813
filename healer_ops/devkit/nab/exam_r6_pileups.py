"""``synthMailQueue`` and ``synthInodes`` of the sixth exam families (``exam_families_r6``):
things that pile up and are cleared now and then, so the normal is a sawtooth or a staircase
whose drops come from a schedule (a queue runner, a cleanup cron, a cache purge)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    office_hour_rows,
)

# ---------------------------------------------------------------- mail queue


def _flush_rows(elapsed: np.ndarray, every: np.ndarray) -> np.ndarray:
    """True where a queue run happened since the previous row (``every``: the runner's
    interval in minutes at each row)."""
    runs = np.floor(elapsed / every)
    return np.r_[False, np.diff(runs) != 0]


def _newsletters(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray
                 ) -> np.ndarray:
    """A weekly newsletter in some sites: thousands of messages queued at once, drained at
    the relay's rate limit whatever the runner does."""
    backlog = np.zeros(len(elapsed))
    if rng.random() < 0.4:
        return backlog
    size = float(np.exp(rng.uniform(np.log(200), np.log(20000))))
    per_minute = size / rng.uniform(20, 240)
    weekday, hour = int(rng.integers(0, 5)), rng.uniform(7, 11)
    sends = common.daily_rows(stamps, hour)
    for row in sends[np.asarray(stamps.day_of_week)[sends] == weekday]:
        batch = size * rng.uniform(0.9, 1.1)
        span = common.span_rows(elapsed, int(row), batch / per_minute)
        backlog[span] += batch - per_minute * (elapsed[span] - elapsed[row])
    return backlog


def _mail_inflow(rng: np.random.Generator, stamps: pd.DatetimeIndex) -> np.ndarray:
    """Messages a minute: order mails, password resets, contact forms; follows the visitors."""
    per_day = float(np.exp(rng.uniform(np.log(50), np.log(20000))))
    rate = per_day / common.MINUTES_PER_DAY * common.traffic(stamps, rng)
    return rate * np.exp(0.3 * common.wander(rng, len(stamps), 300))


def mail_queue_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    deferred_only = name.startswith("deferred")  # postqueue's deferred queue alone
    minutes = int(rng.choice([1, 2, 5, 5, 10]))
    stamps = common.stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    inflow = _mail_inflow(rng, stamps)
    steps = np.diff(elapsed, prepend=elapsed[0] - minutes)
    every = np.full(rows, float(rng.choice([5, 10, 15, 30, 60])))
    stuck = np.zeros(rows, dtype=bool)
    # soft bounces retried for days: a wandering floor the runner cannot clear
    floor_share = rng.uniform(0.002, 0.03)
    deferred = floor_share * inflow.mean() * 1440 * np.exp(0.4 * common.wander(rng, rows, 800))
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("relay_stuck", "spam_outbreak", "deferred_growth",
                                       "runner_slowed"), once="runner_slowed")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "relay_stuck":  # the smarthost refuses logins: nothing leaves
            stuck[common.span_rows(elapsed, start, rng.uniform(1, 24) * 60)] = True
        elif kind == "spam_outbreak":  # a contact form abused, or a hacked account
            span = common.span_rows(elapsed, start, rng.uniform(1, 12) * 60)
            inflow[span] += max(inflow.mean(), 0.5) * rng.uniform(10, 100)
            deferred[span] += np.cumsum(inflow[span] * steps[span]) * rng.uniform(0.05, 0.3)
        elif kind == "deferred_growth":  # our IP blacklisted: a big domain defers everything
            span = common.span_rows(elapsed, start, rng.uniform(1, 4) * common.MINUTES_PER_DAY)
            share = rng.uniform(0.2, 0.6)
            deferred[span] += share * np.cumsum(inflow[span] * steps[span])
        else:  # runner_slowed: the queue runner's interval changed in a migration
            every[start:] = every[0] * rng.uniform(4, 12)
    flushed = _flush_rows(elapsed, every) & ~stuck
    arrivals = rng.poisson(inflow * steps)
    queue = np.zeros(rows)
    waiting = 0.0
    for row in range(rows):
        waiting = (0.0 if flushed[row] else waiting) + arrivals[row]
        queue[row] = waiting
    if deferred_only:  # mail whose first attempt failed (greylisting, a slow MX) waits for
        # the next run; while the relay is stuck every message is deferred
        queue = np.where(stuck, queue, np.round(queue * rng.uniform(0.03, 0.25)))
    queue += deferred + _newsletters(rng, stamps, elapsed)
    return SyntheticSeries(name, stamps, np.round(queue), starts, kinds)


# ---------------------------------------------------------------- inode usage


def _daily_temp_files(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                      scale: float) -> np.ndarray:
    """PHP sessions, upload chunks and cache files made during the day and deleted by a
    nightly cleanup: a daily saw."""
    per_minute = scale * rng.uniform(0.002, 0.03) / common.MINUTES_PER_DAY
    made = np.cumsum(per_minute * common.traffic(stamps, rng) * np.diff(elapsed, prepend=0))
    cleanups = common.daily_rows(stamps, rng.uniform(1, 5))
    day = np.searchsorted(cleanups, np.arange(len(elapsed)), side="right")
    at_cleanup = np.r_[0.0, made[cleanups]]
    day_before = np.r_[0.0, at_cleanup][day]
    kept = rng.uniform(0.0, 0.15)  # files younger than the cleanup's age limit survive a night
    return made - at_cleanup[day] + kept * (at_cleanup[day] - day_before)


def _page_cache_files(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                      scale: float) -> np.ndarray:
    """A disk page cache: one file per page and variant visited, filling towards the site's
    size and emptied when a post is published or the cache purged."""
    rows = len(elapsed)
    if rng.random() < 0.4:
        return np.zeros(rows)
    pages = scale * rng.uniform(0.01, 0.2)
    half_fill = rng.uniform(60, 1440)
    purges = np.r_[0, office_hour_rows(rng, stamps, rng.uniform(0.3, 3))]
    since = elapsed - elapsed[purges[np.searchsorted(purges, np.arange(rows), "right") - 1]]
    return pages * (1 - np.exp(-since / half_fill))


def _lasting_growth(rng: np.random.Generator, stamps: pd.DatetimeIndex, scale: float
                    ) -> np.ndarray:
    """Uploads and their thumbnails (a few to a dozen files at once, in the daytime), plugin
    updates, and now and then an old backup or a log archive deleted by hand."""
    rows = len(stamps)
    daytime = (hour_of_day(stamps) > 8) & (hour_of_day(stamps) < 20)
    uploads = (rng.random(rows) < rng.uniform(0.01, 0.2) * daytime) * rng.integers(4, 14, rows)
    growth = np.cumsum(uploads * rng.poisson(rng.uniform(1, 4), rows)).astype(float)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.05, 0.5)):
        growth[row:] += scale * rng.uniform(-0.01, 0.015)
    return growth


def inode_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    as_percent = name.startswith("inode_percent")
    minutes = int(rng.choice([2, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.01, int(rng.integers(0, 4)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    total = float(np.exp(rng.uniform(np.log(2e5), np.log(3e7))))
    base = total * rng.uniform(0.15, 0.7)
    temp = _daily_temp_files(rng, stamps, elapsed, base)
    used = (base + temp + _page_cache_files(rng, stamps, elapsed, base)
            + _lasting_growth(rng, stamps, base))
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("file_flood", "cleanup_broken", "mass_deletion",
                                       "backup_leftover"), once="cleanup_broken")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "file_flood":  # a plugin writing a file per request, until someone notices
            span = common.span_rows(elapsed, start, rng.uniform(1, 24) * 60)
            files = total * rng.uniform(0.03, 0.3)
            ramp = np.clip((elapsed - elapsed[start]) / (elapsed[span.stop - 1] - elapsed[start]
                                                         + 1), 0, 1)
            used += files * np.where(np.arange(rows) >= start, ramp, 0)
        elif kind == "cleanup_broken":  # the cleanup cron gone: each day's files stay
            made = temp + np.r_[0.0, np.cumsum(np.maximum(-np.diff(temp), 0))]
            used[start:] += made[start:] - made[start] - (temp[start:] - temp[start])
        elif kind == "mass_deletion":  # a wrong rsync --delete or a cleanup gone too far
            used[start:] -= (used[start] - base * 0.3) * rng.uniform(0.2, 0.7)
        else:  # backup_leftover: a backup's staging copy never removed, one per night
            copies = common.daily_rows(stamps[start:], rng.uniform(0, 4)) + start
            per_copy = base * rng.uniform(0.02, 0.15)
            for row in np.r_[start, copies[:int(rng.integers(1, 5))]]:
                used[row:] += per_copy
    used = np.minimum(used, total)  # a full inode table: no new file anywhere
    values = np.round(100 * used / total, 2) if as_percent else np.round(used)
    return SyntheticSeries(name, stamps, values, starts, kinds)
