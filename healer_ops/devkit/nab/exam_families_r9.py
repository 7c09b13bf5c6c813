"""Ninth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a ratio of two small counts
(quantized, wildly noisy at night, a row only where the denominator is not 0), a count that
grows faster than the load (a latency tail crossing a threshold), an age that climbs one
second per second whenever a queue is not drained, and a ratio whose denominator can be
emptied at a stroke (spikes of hundreds that are routine).

- ``synthCheckoutConversion``: WooCommerce checkout conversion: orders placed over checkout
  sessions, per 5-15 minute bucket with a checkout session (a bucket without one has no
  row, so small shops have holes every night). Normal: the shop's day and week, small
  denominators at night (values like 0, 1/3, 1/2, 1), sales campaigns crowding checkout
  (more sessions, conversion up or down), a checkout redesign moving conversion for good,
  a payment hiccup of a bucket or two, maintenance at night. Anomalies: payments broken
  (a gateway plugin update: no order for an hour to two days, sessions as usual), card
  testing (a bot trying stolen cards: tens to hundreds of checkouts a bucket, almost none
  paid), a leaked 100%-off coupon (conversion near 1 and more sessions until someone
  disables it), a payment method down (one of the methods failing: a part of the orders
  lost for hours to days).
- ``synthSlowQueries``: MySQL slow-log entries per 1-5 minutes. Normal: a count growing
  faster than the traffic (the latency tail crosses long_query_time under contention), the
  nightly backup's burst (a bigger one on the weekly full backup), the shop analytics' cron,
  cold caches after deploys, long_query_time changed by a DBA (a level change for good).
  Anomalies: a missing index (a plugin update: a query slow on every page view, from now
  on), a lock pile-up (a stuck transaction or an ALTER: every write waits, for minutes to
  an hour), table bloat (autoloaded options or sessions growing: the count climbing over
  days until a cleanup), the slow log silent (rotated without FLUSH LOGS, or its disk full:
  0 for hours to days).
- ``synthSearchLag``: seconds since the oldest post change not yet in Elasticsearch
  (ElasticPress sync), every 1-5 minutes (``exam_r9_backends``). Normal: 0 while the queue
  is drained; a short sawtooth after editors' saves and stock changes from orders, up to the
  runner's period (a system cron every 1-5 minutes, or WP-cron, which runs only with page
  views); nightly product imports (a climb of tens of minutes); a nightly or weekly full
  reindex pausing the sync (a climb of one second per second, then a drain). Anomalies: the
  indexer stuck (a failing document or a stale lock: the lag climbs for hours to days),
  bulk requests slow (a degraded cluster: a few percent of the throughput, a lag that grows
  with the day's edits), a queue flood (a plugin queueing every product again and again),
  the reindex overrunning (the nightly pause never ends).
- ``synthRedisFragmentation``: Redis' mem_fragmentation_ratio (RSS over used memory) of the
  object cache, every 1-5 minutes (``exam_r9_backends``). Normal: 1.0-1.3 on a full cache;
  2 to 5 on tiny datasets (the empty server's RSS dominates); a deploy's cache flush
  leaving the RSS behind (spikes to tens or thousands, decaying as memory is returned and
  the cache refills); restarts (weekly upgrades: the ratio falls back as the cache fills);
  the dataset growing in steps. Anomalies: swapping (part of Redis paged out: the ratio
  under 1), fragmentation creep (keys of ever-changing sizes: the ratio climbing over days
  until a restart), OOM-kill restarts (every 15 minutes to 2 hours, for hours), a flush
  loop (a plugin flushing the cache every few minutes: the ratio held high).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r9_backends import redis_series, search_lag_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    first_week_minute,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R9 = ("synthCheckoutConversion", "synthSlowQueries", "synthSearchLag",
                    "synthRedisFragmentation")
FILES_PER_FAMILY = {"synthCheckoutConversion": 9, "synthSlowQueries": 9, "synthSearchLag": 8,
                    "synthRedisFragmentation": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCheckoutConversion": frozenset({"payment_broken", "card_testing", "coupon_leak",
                                          "payment_method_down"}),
    "synthSlowQueries": frozenset({"lock_pileup", "missing_index", "table_bloat",
                                   "slow_log_silent"}),
    "synthSearchLag": frozenset({"indexer_stuck", "bulk_slow", "queue_flood", "reindex_overrun"}),
    "synthRedisFragmentation": frozenset({"swapping", "fragmentation_creep", "oom_restarts",
                                          "flush_loop"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY


def _overdispersed(rng: np.random.Generator, rate: np.ndarray, shape: float) -> np.ndarray:
    """Poisson counts whose rate also varies (a gamma of ``shape``): real counts scatter more."""
    return rng.poisson(rate * rng.gamma(shape, 1 / shape, len(rate))).astype(float)


# ---------------------------------------------------------------- checkout conversion


def _shop_buckets(rng: np.random.Generator, grid: pd.DatetimeIndex, minutes: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(checkout sessions expected per bucket, chance each ends in an order): the shop's day
    and week, sales campaigns, a checkout redesign in some shops, evening buyers deciding
    faster, a payment hiccup now and then."""
    buckets = len(grid)
    sessions = rng.uniform(0.15, 2) * minutes * common.traffic(grid, rng) * np.exp(
        0.25 * common.wander(rng, buckets, 2 * DAY // minutes))
    paid = np.full(buckets, rng.uniform(0.25, 0.7))
    paid *= 1 + rng.uniform(0, 0.15) * common.daily_cycle(hour_of_day(grid), 20, 3)
    paid *= np.where(np.asarray(grid.day_of_week) >= 5, rng.uniform(0.9, 1.1), 1.0)
    for start in office_hour_rows(rng, grid, 0.04):  # a sale: mailing, banner, ads
        since = np.arange(buckets - start)
        surge = np.exp(-since / (rng.uniform(0.5, 3) * DAY / minutes))
        sessions[start:] *= 1 + rng.uniform(0.5, 4) * surge
        paid[start:] *= 1 + (rng.uniform(0.7, 1.25) - 1) * surge
    if rng.random() < 0.4:  # a new checkout page or a new payment method
        paid[int(rng.integers(0, buckets)):] *= rng.uniform(0.85, 1.2)
    for _ in range(int(rng.integers(0, 4))):  # the gateway slow for a bucket or two
        at = int(rng.integers(0, buckets))
        paid[at:at + int(rng.integers(1, 3))] *= 0.3
    return sessions, np.clip(paid, 0, 0.97)


def _maintenance(rng: np.random.Generator, grid: pd.DatetimeIndex, sessions: np.ndarray,
                 minutes: int) -> None:
    """Maintenance mode on a night or two: no checkout at all for an hour or three."""
    nights = common.daily_rows(grid, rng.uniform(1, 4))
    for night in rng.choice(nights, min(len(nights), int(rng.integers(0, 3))), replace=False):
        sessions[night:night + int(rng.uniform(60, 180) / minutes)] = 0


def _checkout_anomalies(rng: np.random.Generator, sessions: np.ndarray, paid: np.ndarray,
                        bots: np.ndarray, onsets: list[int], kinds: list[str], minutes: int
                        ) -> None:
    per_hour = 60 // minutes
    for onset, kind in zip(onsets, kinds, strict=True):
        if kind == "payment_broken":
            paid[onset:onset + int(rng.uniform(1, 48) * per_hour)] = 0
        elif kind == "card_testing":  # attempts on every bucket of the attack, few paid
            end = onset + int(rng.uniform(0.5, 12) * per_hour)
            bots[onset:end] = rng.uniform(2, 20) * minutes
        elif kind == "coupon_leak":  # shared on a deal forum until someone disables it
            end = onset + int(rng.uniform(2, 36) * per_hour)
            sessions[onset:end] *= rng.uniform(1.5, 4)
            paid[onset:end] = rng.uniform(0.85, 0.97)
        else:  # payment_method_down: the customers choosing that method cannot pay
            paid[onset:onset + int(rng.uniform(3, 72) * per_hour)] *= rng.uniform(0.2, 0.6)


def conversion_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([5, 10, 10, 15]))
    wanted = int(rng.integers(*common.ROWS_BY_STEP[minutes]))
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, minutes))
    grid = start + pd.to_timedelta(np.arange(6 * wanted) * minutes, unit="min")
    expected, paid = _shop_buckets(rng, grid, minutes)
    sessions = _overdispersed(rng, expected, rng.uniform(4, 20))
    _maintenance(rng, grid, sessions, minutes)
    buckets = int(np.flatnonzero(sessions > 0)[wanted - 1]) + 1  # the file ends there
    sessions, paid, grid = sessions[:buckets], paid[:buckets], grid[:buckets]
    onsets = common.spaced_starts(rng, buckets, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, onsets, ("payment_broken", "card_testing", "coupon_leak",
                                       "payment_method_down"))
    bots = np.zeros(buckets)
    _checkout_anomalies(rng, sessions, paid, bots, onsets, kinds, minutes)
    orders = rng.binomial(sessions.astype(int), paid)
    attempts = rng.poisson(bots)
    orders += rng.binomial(attempts, rng.uniform(0.005, 0.04))
    sessions += attempts
    kept = np.flatnonzero(sessions > 0)
    rows = [int(np.searchsorted(kept, onset)) for onset in onsets]
    rows = [max(row, int(np.ceil(0.15 * len(kept)))) for row in rows]
    values = np.round(orders[kept] / sessions[kept], 4)
    seconds = rng.integers(0, 60, len(kept))  # the exporter's run within the next minute
    stamps = grid[kept] + pd.Timedelta(minutes=minutes) + pd.to_timedelta(seconds, unit="s")
    return SyntheticSeries(name, pd.DatetimeIndex(stamps).as_unit("ns"), values, rows, kinds)


# ---------------------------------------------------------------- MySQL slow queries


def _slow_rate(rng: np.random.Generator, stamps: pd.DatetimeIndex, load: np.ndarray
               ) -> np.ndarray:
    """Slow-log entries a minute: the latency tail crossing long_query_time grows faster than
    the load; the nightly backup (the weekly full one longer), the analytics cron, cold
    caches after deploys; long_query_time changed in some files."""
    elapsed = elapsed_minutes(stamps)
    rate = np.exp(rng.uniform(np.log(0.01), np.log(3))) * load ** (1 + rng.uniform(0.5, 3))
    backup_hour, full_day = rng.uniform(0, 5), int(rng.integers(0, 7))
    for row in common.daily_rows(stamps, backup_hour):
        longer = rng.uniform(2, 4) if stamps[row].day_of_week == full_day else 1
        hit = (elapsed >= elapsed[row]) & (elapsed < elapsed[row] + rng.uniform(10, 40) * longer)
        rate[hit] += rng.uniform(0.2, 3) * (1 + load[hit])
    if rng.random() < 0.6:  # WooCommerce analytics or a report plugin, once a night
        for row in common.daily_rows(stamps, rng.uniform(0, 24)):
            rate[(elapsed >= elapsed[row]) & (elapsed < elapsed[row] + 10)] += rng.uniform(0.1, 1)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.1, 0.8)):  # deploys: caches cold
        since = elapsed - elapsed[row]
        rate += (since >= 0) * rate.mean() * rng.uniform(1, 6) * np.exp(
            -np.maximum(since, 0) / rng.uniform(5, 30))
    if rng.random() < 0.3:  # the DBA lowers or raises long_query_time
        rate[int(rng.integers(0, len(rate))):] *= float(rng.choice([0.3, 0.5, 2, 3]))
    return rate


def _slow_anomalies(rng: np.random.Generator, elapsed: np.ndarray, load: np.ndarray,
                    rate: np.ndarray, onsets: list[int], kinds: list[str]) -> np.ndarray:
    """The anomalies on the rate; returns the rows whose count reads 0 (the log silent)."""
    silent = np.zeros(len(rate), dtype=bool)
    base = rate.mean()
    for onset, kind in zip(onsets, kinds, strict=True):
        span = common.span_rows(elapsed, onset, rng.uniform(3 * 60, 3 * DAY))
        if kind == "missing_index":  # a plugin update: one more slow query per page view
            rate[onset:] += base * rng.uniform(2, 15) * load[onset:]
        elif kind == "lock_pileup":  # a stuck transaction: writes wait, then all give up
            pile = common.span_rows(elapsed, onset, rng.uniform(5, 60))
            rate[pile] += base * rng.uniform(20, 200) * load[pile]
        elif kind == "table_bloat":  # grows until someone cleans it up
            days = (elapsed[span] - elapsed[onset]) / DAY
            rate[span] *= np.exp(rng.uniform(0.3, 1) * days) + days * rng.uniform(1, 3)
        else:  # slow_log_silent
            silent[span] = True
    return silent


def slow_queries_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 2, 5, 5]))
    stamps = common.stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    elapsed = elapsed_minutes(stamps)
    load = common.traffic(stamps, rng) * np.exp(0.3 * common.wander(rng, len(stamps),
                                                                    2 * DAY // minutes))
    for row in office_hour_rows(rng, stamps, 0.05):  # campaigns
        since = elapsed - elapsed[row]
        load *= 1 + (since >= 0) * rng.uniform(0.5, 2) * np.exp(
            -np.maximum(since, 0) / rng.uniform(120, 720))
    rate = _slow_rate(rng, stamps, load)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("lock_pileup", "missing_index", "table_bloat",
                                       "slow_log_silent"), once="missing_index")
    silent = _slow_anomalies(rng, elapsed, load, rate, starts, kinds)
    step = np.diff(elapsed, prepend=elapsed[0] - minutes)
    counts = _overdispersed(rng, rate * np.minimum(step, 2 * minutes), rng.uniform(2, 10))
    counts[silent] = 0
    return SyntheticSeries(name, stamps, counts, starts, kinds)


GENERATORS = {"synthCheckoutConversion": conversion_series,
              "synthSlowQueries": slow_queries_series,
              "synthSearchLag": search_lag_series,
              "synthRedisFragmentation": redis_series}
STEMS = {"synthCheckoutConversion": ("checkout_conversion", "orders_per_checkout"),
         "synthSlowQueries": ("mysql_slow_queries", "slow_log_entries"),
         "synthSearchLag": ("es_sync_lag_seconds", "search_index_lag"),
         "synthRedisFragmentation": ("redis_fragmentation_ratio", "object_cache_frag")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R9, GENERATORS, STEMS, FILES_PER_FAMILY, salt=990)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
