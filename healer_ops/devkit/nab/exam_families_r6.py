"""Sixth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a small bounded integer that
saturates at a ceiling, sawtooths whose drops come from a schedule (a queue runner, a
cleanup cron) and whose anomalies are a missing drop or a changed period, a staircase of
files with nightly saws, and a smooth seasonal count with a twice-daily purge.

- ``synthFpmWorkers``: PHP-FPM active workers of one pool (or the pool's busy percent) every
  1-10 minutes, an integer between 1 (the status request itself) and max_children. Normal:
  traffic-driven with Poisson scatter, short hourly wp-cron bumps, brief pinning at the
  ceiling in peaks on small pools, a pool resized for good (plan upgrade). Anomalies: pinned
  at max (a slow database or API: hours at the ceiling), leaking workers (stuck requests pile
  up one by one until a restart), the pool shrunk by a config regression (peaks clipped from
  now on), FPM down (zero for minutes to hours).
- ``synthMailQueue``: Postfix/Exim queue size (all messages, or the deferred queue) every
  1-10 minutes. Normal: a sawtooth, arrivals following visitors and emptied by the queue
  runner every 5-60 minutes, a wandering floor of soft bounces, in some sites a weekly
  newsletter (thousands queued at once, drained at the relay's rate limit). Anomalies: relay
  stuck (no drains for hours: the queue grows with the day's mail), spam outbreak (an abused
  form: tens of times the inflow, taller saws and bounces), deferred growth (a blacklisting:
  the floor climbs for days), runner slowed (a longer period from now on: taller saws).
- ``synthCartSessions``: WooCommerce carts every 5-15 minutes: active carts (smooth daily and
  weekly seasonality) or rows of the sessions table (growing through the day and dropped by
  the twice-daily expired-session cleanup). Normal: sales days, an email campaign (a jump
  decaying over hours), weekends. Anomalies: checkout broken (carts pile up while nobody
  pays), a session wipe (to near zero, rebuilding), an add-to-cart bot (a flat lift for hours
  to days), the cleanup cron stopped (rows only grow) or the store down (no carts).
- ``synthInodes``: inodes used on a hosting volume (a count, or percent of the table) every
  2-15 minutes. Normal: temp and session files made through the day and deleted nightly (a
  daily saw), a disk page cache filling and emptied at each purge, uploads in small daytime
  steps, files deleted by hand. Anomalies: a file flood (a plugin writing a file per
  request), the cleanup broken (each day's files stay), a mass deletion, backup staging
  copies left behind (a step per night).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r6_pileups import inode_series, mail_queue_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R6 = ("synthFpmWorkers", "synthMailQueue", "synthCartSessions", "synthInodes")
FILES_PER_FAMILY = {"synthFpmWorkers": 9, "synthMailQueue": 9, "synthCartSessions": 8,
                    "synthInodes": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthFpmWorkers": frozenset({"pinned_at_max", "worker_leak", "pool_shrunk", "fpm_down"}),
    "synthMailQueue": frozenset({"relay_stuck", "spam_outbreak", "deferred_growth",
                                 "runner_slowed"}),
    "synthCartSessions": frozenset({"checkout_broken", "session_wipe", "cart_bot",
                                    "cleanup_stopped", "store_down"}),
    "synthInodes": frozenset({"file_flood", "cleanup_broken", "mass_deletion", "backup_leftover"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most


# ---------------------------------------------------------------- PHP-FPM workers


def _worker_demand(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                   ceiling: float) -> np.ndarray:
    """Busy workers the traffic asks for (requests a second times seconds each): visitors,
    a slow wander, and wp-cron's hourly run holding a few workers for minutes."""
    rows = len(stamps)
    demand = ceiling * rng.uniform(0.08, 0.45) * common.traffic(stamps, rng)
    demand *= np.exp(0.25 * common.wander(rng, rows, 400))
    cron = (elapsed + rng.uniform(0, 60)) % 60 < rng.uniform(2, 8)
    return demand + cron * rng.uniform(1, 4) * (rng.random() < 0.6)


def _ceiling(rng: np.random.Generator, stamps: pd.DatetimeIndex, max_children: int
             ) -> np.ndarray:
    """max_children at each row; in some pools raised or lowered once for good (a plan
    change, normal)."""
    ceiling = np.full(len(stamps), float(max_children))
    if rng.random() < 0.3:
        resized = office_hour_rows(rng, stamps, 0.2)
        if len(resized):
            row = int(rng.choice(resized))
            ceiling[row:] = max(4, round(max_children * rng.choice([0.75, 1.5, 2.0])))
    return ceiling


def fpm_workers_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    as_percent = name.startswith("fpm_busy_percent")
    minutes = int(rng.choice([1, 1, 2, 5, 10]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    max_children = int(rng.choice([5, 8, 10, 16, 20, 32, 50, 80, 120]))
    ceiling = _ceiling(rng, stamps, max_children)
    demand = _worker_demand(rng, stamps, elapsed, max_children)
    stuck = np.zeros(rows)
    down = np.zeros(rows, dtype=bool)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("pinned_at_max", "worker_leak", "pool_shrunk",
                                       "fpm_down"), once="pool_shrunk")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "pinned_at_max":  # every request waits on a slow database or API
            span = common.span_rows(elapsed, start, rng.uniform(0.5, 8) * 60)
            demand[span] += ceiling[span] * rng.uniform(1.5, 4)
        elif kind == "worker_leak":  # requests that never return, one every few minutes
            span = common.span_rows(elapsed, start, rng.uniform(3, 30) * 60)
            every = rng.uniform(3, 40)
            stuck[span] += np.floor((elapsed[span] - elapsed[start]) / every) + 1
        elif kind == "pool_shrunk":  # a config template with the distribution's default
            ceiling[start:] = np.maximum(2, np.round(ceiling[start:] * rng.uniform(0.25, 0.5)))
        else:  # fpm_down: the master crashed; the exporter reports no active process
            down[common.span_rows(elapsed, start, rng.uniform(10, 180))] = True
    busy = rng.poisson(demand) + stuck + 1  # the status page is served by a worker too
    active = np.minimum(busy, ceiling)
    active[down] = 0
    values = np.round(100 * active / ceiling, 1) if as_percent else active
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- WooCommerce carts


def _shoppers(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray
              ) -> np.ndarray:
    """Shoppers with a cart, mean 1: evening peaks, busier weekends in some shops, sales days
    and campaign emails (a jump that decays over hours)."""
    rows = len(stamps)
    daily = common.daily_cycle(hour_of_day(stamps), rng.uniform(12, 22), rng.uniform(3, 6))
    floor = rng.uniform(0.05, 0.3)
    weekend = np.where(np.asarray(stamps.day_of_week) >= 5, rng.uniform(0.7, 1.5), 1.0)
    shape = (floor + (1 - floor) * daily) * weekend * np.exp(0.15 * common.wander(rng, rows, 900))
    days = elapsed[-1] / common.MINUTES_PER_DAY
    for row in office_hour_rows(rng, stamps, rng.uniform(0.05, 0.4)):  # campaign emails
        since = np.maximum(elapsed - elapsed[row], 0)
        shape += (elapsed >= elapsed[row]) * rng.uniform(0.5, 3) * np.exp(-since / rng.uniform(
            60, 300))
    for _ in range(rng.poisson(days / 20)):  # a sale: one day busier
        sale = common.span_rows(elapsed, int(rng.integers(rows)), common.MINUTES_PER_DAY)
        shape[sale] *= rng.uniform(1.5, 3)
    return shape / shape.mean()


def _session_rows(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                  new_per_minute: np.ndarray) -> np.ndarray:
    """Rows of the sessions table: every new session adds one, the cleanup twice a day drops
    those older than two days (about what was made two days before)."""
    steps = np.diff(elapsed, prepend=elapsed[0])
    made = np.cumsum(new_per_minute * steps)
    cleanups = np.r_[common.daily_rows(stamps, rng.uniform(0, 12)),
                     common.daily_rows(stamps, 12 + rng.uniform(0, 12))]
    cleanups.sort()
    last = np.searchsorted(cleanups, np.arange(len(elapsed)), side="right") - 1
    cleaned_at = np.where(last >= 0, elapsed[cleanups[np.maximum(last, 0)]], elapsed[0])
    # the table did not start empty: before the first row, sessions came as in the first days
    expiry = cleaned_at - 2 * common.MINUTES_PER_DAY
    early_rate = new_per_minute[elapsed < 2 * common.MINUTES_PER_DAY].mean()
    made_then = np.where(expiry >= 0, np.interp(expiry, elapsed, made), expiry * early_rate)
    return made - made_then


def _table_values(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                  new: np.ndarray, cleanup_stops: int, wipes: list[int]) -> np.ndarray:
    """Rows of the sessions table; from ``cleanup_stops`` on nothing is deleted, after a
    wipe only the sessions made since are left."""
    values = _session_rows(rng, stamps, elapsed, new)
    made = np.cumsum(new * np.diff(elapsed, prepend=elapsed[0]))
    if cleanup_stops < len(values):
        values[cleanup_stops:] = values[cleanup_stops] + made[cleanup_stops:] - made[
            cleanup_stops]
    for start in wipes:
        values[start:] = np.minimum(values[start:], made[start:] - made[start - 1])
    return np.round(values)


def cart_sessions_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    table_rows = name.startswith("session_rows")
    minutes = int(rng.choice([5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.01, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    level = float(np.exp(rng.uniform(np.log(3), np.log(3000))))  # carts open at a time
    shoppers = _shoppers(rng, stamps, elapsed)
    bots, factor = np.zeros(rows), np.ones(rows)
    cleanup_stops, down, wipes = rows, np.zeros(rows, dtype=bool), []
    fourth = "cleanup_stopped" if table_rows else "store_down"
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("checkout_broken", "session_wipe", "cart_bot", fourth),
                         once="cleanup_stopped")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "checkout_broken":  # a payment gateway error: carts stay open, retried
            span = common.span_rows(elapsed, start, rng.uniform(2, 24) * 60)
            ramp = (elapsed[span] - elapsed[start]) / rng.uniform(30, 180)
            factor[span] *= 1 + np.minimum(ramp, 1) * rng.uniform(0.6, 2.5)
        elif kind == "session_wipe" and table_rows:  # truncated by a cleanup plugin
            wipes.append(start)
        elif kind == "session_wipe":  # the object cache flushed: carts rebuilt as shoppers return
            span = common.span_rows(elapsed, start, rng.uniform(3, 24) * 60)
            since = elapsed[span] - elapsed[start]
            factor[span] *= 1 - np.exp(-since / rng.uniform(20, 240)) * rng.uniform(0.85, 1)
        elif kind == "cart_bot":  # a scraper adding to cart, day and night alike
            span = common.span_rows(elapsed, start, rng.uniform(0.2, 3) * common.MINUTES_PER_DAY)
            bots[span] += level * rng.uniform(0.5, 2)
        elif kind == "store_down":
            down[common.span_rows(elapsed, start, rng.uniform(0.3, 4) * 60)] = True
        else:  # cleanup_stopped: WP-Cron disabled and no system cron set up
            cleanup_stops = start
    open_carts = level * shoppers * factor
    if table_rows:  # a session per 30-90 minutes a cart is open; a bot without cookies: many
        new = open_carts / rng.uniform(30, 90) + bots * rng.uniform(0.05, 0.5)
        values = _table_values(rng, stamps, elapsed, new, cleanup_stops, wipes)
    else:
        values = rng.poisson(open_carts + bots).astype(float)
    values[down] = 0
    return SyntheticSeries(name, stamps, np.maximum(values, 0), starts, kinds)


GENERATORS = {"synthFpmWorkers": fpm_workers_series, "synthMailQueue": mail_queue_series,
              "synthCartSessions": cart_sessions_series, "synthInodes": inode_series}
STEMS = {"synthFpmWorkers": ("fpm_active_workers", "fpm_busy_percent"),
         "synthMailQueue": ("mailq_messages", "deferred_messages"),
         "synthCartSessions": ("active_carts", "session_rows"),
         "synthInodes": ("inodes_used", "inode_percent")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R6, GENERATORS, STEMS, FILES_PER_FAMILY, salt=600)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
