"""Eighth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: rows that are events (one per
call, so their density carries the load) with values capped at a client timeout, a
throughput clipped at a worker's capacity (flat tops while a backlog drains), a staircase of
wasted memory that a cache restarts itself out of, and a lookup time whose slow rows recur
when a record's TTL runs out rather than with the clock.

- ``synthGatewayCalls``: milliseconds of a shop's calls to a payment gateway or a carrier's
  rate API: one row per call (irregular times, sparse at night), or the 95th percentile or
  mean of each 1-15 minute bucket with calls (a bucket without calls has no row). Normal: a
  mixture of slow endpoints (a card charge, a quote) and quick ones (a token, a lookup), the
  gateway's own busy hours in another time zone, a route change moving the round trip for
  good, a weekly maintenance window some gateways slow down in, email campaigns crowding the
  rows, a rare call hitting the client's timeout (5 to 70 s). Anomalies: the gateway
  degraded (calls several times slower, many at the timeout, for hours), the gateway down
  (every call at the timeout), fast failures (revoked API keys or a broken CA bundle: every
  call refused within a round trip or two), a dead first nameserver (every call waits the
  resolver's 1, 2 or 5 s timeout first, for hours to days).
- ``synthImageJobs``: images optimized (a SaaS optimizer's API) or media jobs done (thumbnail
  and WebP conversion on the server) per 1-15 minutes. Normal: jobs queued by editors'
  uploads in office hours (an image or a gallery at once, each image with its thumbnail
  sizes), customers' photos in some shops, nightly or weekly product imports, a bulk
  optimization of the library started by hand (at the runner's capacity for hours to
  days), runners driven by a system cron (batches of a fixed size) or by WP-cron on page
  views (lumpy, thin at night). Anomalies: the queue stalled (a job crashing the runner:
  nothing done for hours, then a catch-up at capacity), the monthly credits exhausted
  (nothing for days until someone buys more; API files only), the capacity dropped (most
  runs time out from now on: long flat tops at a lower level), a reprocessing loop (the same
  images queued again and again: at capacity day and night).
- ``synthOpcache``: PHP OPcache's used memory (bytes) or cached scripts per 1-10 minutes
  (``exam_r8_caches``). Normal: the site's scripts compiled within minutes of a reset and the
  admin and cron code over days; each deploy or plugin update leaves its old scripts as
  wasted memory (a staircase) until the cache is full and restarts itself; where timestamps
  are not validated, deploys reset it instead; nightly or weekly PHP-FPM reloads. Anomalies:
  restarts from churn (a plugin rewriting PHP cache files: memory climbs to the ceiling and
  restarts every few minutes to hours), OPcache disabled (a PHP upgrade lost its ini:
  nothing cached for hours to days), the cache full (a big plugin outgrows it: pinned at the
  memory or key limit from now on), a reset loop (opcache_reset() called every few minutes).
- ``synthDnsLookup``: milliseconds (or seconds) to resolve the site's own hostname, through
  the server's local caching resolver or straight from a public one, every 1-5 minutes
  (``exam_r8_caches``). Normal: cache hits of a fraction of a millisecond, a miss whenever
  the TTL runs out (its period set by the TTL and the upstream's copy, not the clock),
  misses that go out to the authoritative servers, the TTL lowered for days before a
  migration, nightly resolver restarts, anycast route changes, a rare lost packet (one
  lookup at the stub's retry timeout). Anomalies: authoritative servers slow (a DDoS on the
  DNS provider: misses take seconds), upstream timeouts (a dead first nameserver, or packet
  loss to a public resolver: lookups wait the retry timeout), the local cache bypassed
  (every lookup a miss, for hours to days), lookups failing (the probe records 0).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r8_caches import dns_series, opcache_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    office_hour_rows,
)

EXAM_FAMILIES_R8 = ("synthGatewayCalls", "synthImageJobs", "synthOpcache", "synthDnsLookup")
FILES_PER_FAMILY = {"synthGatewayCalls": 9, "synthImageJobs": 8, "synthOpcache": 9,
                    "synthDnsLookup": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthGatewayCalls": frozenset({"gateway_slow", "gateway_down", "fast_failures",
                                    "resolver_timeout"}),
    "synthImageJobs": frozenset({"queue_stalled", "quota_exhausted", "capacity_drop",
                                 "reprocess_loop"}),
    "synthOpcache": frozenset({"churn_restarts", "opcache_disabled", "cache_full", "reset_loop"}),
    "synthDnsLookup": frozenset({"authoritative_slow", "upstream_timeouts", "cache_bypassed",
                                 "lookups_failing"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY


def slow_wander(rng: np.random.Generator, minutes: int, every: int = 30) -> np.ndarray:
    """``common.wander`` on a grid of ``every`` minutes (changing over about two days),
    interpolated to each minute: cheap for files of months of minutes."""
    coarse = common.wander(rng, minutes // every + 2, 96)
    return np.interp(np.arange(minutes), np.arange(len(coarse)) * every, coarse)


# ---------------------------------------------------------------- external API calls


@dataclass
class Gateway:
    """An external API as the shop's PHP sees it: a round trip (each call opens its own TLS
    connection: about three of them), the median milliseconds of its slow endpoint (a card
    charge, a rate quote) and of its quick ones (a token, a lookup), the share of slow calls,
    their scatter, the gateway's busy hour (UTC) and how much slower it is then, the client's
    timeout."""

    rtt: float
    slow_ms: float
    quick_ms: float
    slow_share: float
    sigma: float
    busy_hour: float
    busy_lift: float
    timeout: float


def _gateway(rng: np.random.Generator, shipping: bool) -> Gateway:
    if shipping:  # a carrier's rate API: a quote for every cart and checkout view
        return Gateway(rng.uniform(5, 80), rng.uniform(300, 1500), rng.uniform(80, 300),
                       rng.uniform(0.6, 0.95), rng.uniform(0.25, 0.5), rng.uniform(12, 22),
                       rng.uniform(0, 0.5), float(rng.choice([5000, 10000, 15000])))
    return Gateway(rng.uniform(10, 150), rng.uniform(400, 1800), rng.uniform(100, 400),
                   rng.uniform(0.5, 0.9), rng.uniform(0.3, 0.6), rng.uniform(12, 22),
                   rng.uniform(0, 0.6),
                   float(rng.choice([5000, 10000, 15000, 30000, 45000, 70000])))


def _call_times(rng: np.random.Generator, start: pd.Timestamp, span: int,
                per_minute: float) -> np.ndarray:
    """Minutes after ``start`` of each call, sorted: the shop's visitors (a day peak, quieter
    weekends), a level wandering over days, email campaigns (a surge decaying over hours)."""
    grid = start + pd.to_timedelta(np.arange(span), unit="min")
    rate = per_minute * common.traffic(grid, rng) * np.exp(0.3 * slow_wander(rng, span))
    minutes = np.arange(span)
    for row in office_hour_rows(rng, grid, 0.1):
        since = minutes - row
        rate *= 1 + (since >= 0) * rng.uniform(1, 4) * np.exp(
            -np.maximum(since, 0) / rng.uniform(60, 300))
    counts = rng.poisson(rate)
    return np.sort(np.repeat(minutes, counts) + rng.random(int(counts.sum())))


def _call_rows(rng: np.random.Generator, times: np.ndarray, minutes: int, rows: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept calls' times, the row of each, each row's start in minutes) for buckets of
    ``minutes`` (0: a row per call). A bucket without calls, or in one of the collector's
    outages, has no row; calls after the ``rows``-th row are dropped."""
    if not minutes:  # whole seconds, two calls in one second a second apart
        seconds = np.round(times[:rows] * 60) - np.arange(min(rows, len(times)))
        times = (np.maximum.accumulate(seconds) + np.arange(len(seconds))) / 60
        return times, np.arange(len(times)), times
    buckets = np.floor(times / minutes).astype(int)
    keep = np.ones(len(times), dtype=bool)
    for _ in range(int(rng.integers(0, 3))):
        begin = rng.uniform(0.1, 0.9) * times[-1]
        keep &= (times < begin) | (times > begin + rng.uniform(60, 360))
    used = np.unique(buckets[keep])[:rows]
    keep &= buckets <= used[-1]
    return times[keep], np.searchsorted(used, buckets[keep]), used * float(minutes)


def _normal_ms(rng: np.random.Generator, gateway: Gateway, times: np.ndarray,
               start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """(milliseconds of each call, its round trip): the endpoint mixture, the gateway's busy
    hours and slow drift, a route change in some files, a weekly maintenance window in
    others, a rare call at the timeout."""
    calls = len(times)
    clock = times + start.hour * 60 + start.minute + start.day_of_week * DAY
    hours = (clock / 60) % 24
    rtt = np.full(calls, gateway.rtt)
    if rng.random() < 0.4:  # the provider moves the API to another region or route
        rtt[times > rng.uniform(0, times[-1])] *= rng.uniform(0.5, 1.8)
    median = np.where(rng.random(calls) < gateway.slow_share, gateway.slow_ms, gateway.quick_ms)
    busy = 1 + gateway.busy_lift * common.daily_cycle(hours, gateway.busy_hour, 3)
    drift = np.exp(0.15 * np.interp(times, np.arange(int(times[-1]) + 2),
                                    slow_wander(rng, int(times[-1]) + 2)))
    ms = 3 * rtt * rng.lognormal(0, 0.1, calls) + median * busy * drift * rng.lognormal(
        0, gateway.sigma, calls)
    if rng.random() < 0.3:  # announced maintenance: a night of the week, an hour or two
        opens = rng.integers(0, 7) * DAY + rng.uniform(0, 6) * 60
        ms[(clock % (7 * DAY) - opens) % (7 * DAY) < rng.uniform(30, 120)] *= rng.uniform(1.5, 3)
    ms[rng.random(calls) < rng.uniform(1 / 5000, 1 / 1000)] = np.inf
    return ms, rtt


def _call_anomalies(rng: np.random.Generator, gateway: Gateway, times: np.ndarray,
                    ms: np.ndarray, rtt: np.ndarray, onsets: list[float], kinds: list[str]
                    ) -> None:
    for onset, kind in zip(onsets, kinds, strict=True):
        since = times - onset
        if kind == "gateway_slow":  # the gateway degraded: slower, many calls timing out
            hit = (since >= 0) & (since < rng.uniform(30, 6 * 60))
            ramp = np.clip(since[hit] / rng.uniform(5, 20), 0, 1)
            ms[hit] *= 1 + (rng.uniform(3, 10) - 1) * ramp
            ms[hit & (rng.random(len(ms)) < rng.uniform(0.05, 0.5))] = np.inf
        elif kind == "gateway_down":
            ms[(since >= 0) & (since < rng.uniform(15, 240))] = np.inf
        elif kind == "fast_failures":  # keys revoked (a 401 at once) or a broken CA bundle
            hit = (since >= 0) & (since < rng.uniform(30, 1.5 * DAY))
            ms[hit] = rtt[hit] * rng.uniform(1, 2.5) + rng.uniform(5, 40, int(hit.sum()))
        else:  # resolver_timeout: resolv.conf's first nameserver dead, no cache in PHP
            delay = float(rng.choice([d for d in (1000, 2000, 5000) if d < gateway.timeout - 2000]))
            ms[(since >= 0) & (since < rng.uniform(2 * 60, 3 * DAY))] += delay


def _per_row(rows: np.ndarray, ms: np.ndarray, count: int, percentile: bool) -> np.ndarray:
    """Each row's mean, or its 95th percentile by nearest rank."""
    calls = np.bincount(rows, minlength=count)
    if not percentile:
        return np.bincount(rows, ms, minlength=count) / calls
    order = np.lexsort((ms, rows))
    first = np.r_[0, np.cumsum(calls)[:-1]]
    return ms[order][first + np.ceil(0.95 * calls).astype(int) - 1]


def gateway_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    shipping, per_call = name.startswith("shipping"), name.startswith("gateway_call")
    gateway = _gateway(rng, shipping)
    minutes = 0 if per_call else int(rng.choice([1, 2, 5]) if shipping else
                                     rng.choice([5, 10, 15]))
    if per_call:
        per_minute, rows = rng.uniform(0.1, 0.5), int(rng.integers(2000, 12000))
        span = int(1.6 * rows / per_minute)
    else:
        per_minute = rng.uniform(1, 8) if shipping else rng.uniform(0.3, 2)
        rows = int(rng.integers(*common.ROWS_BY_STEP[minutes]))
        span = int(2.5 * rows * minutes)
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
    times = _call_times(rng, start, span, per_minute)
    times, row_of_call, row_minutes = _call_rows(rng, times, minutes, rows)
    rows = len(row_minutes)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("gateway_slow", "gateway_down", "fast_failures",
                                       "resolver_timeout"))
    ms, rtt = _normal_ms(rng, gateway, times, start)
    _call_anomalies(rng, gateway, times, ms, rtt, [row_minutes[s] for s in starts], kinds)
    timed_out = ms >= gateway.timeout
    ms[timed_out] = gateway.timeout + rng.uniform(0, 40, int(timed_out.sum()))
    values = _per_row(row_of_call, ms, rows, percentile=not shipping)
    values = np.round(values, 1) if shipping else np.round(values)
    seconds = np.round((row_minutes + minutes) * 60).astype(np.int64)
    stamps = pd.DatetimeIndex(start + pd.to_timedelta(seconds, unit="s")).as_unit("ns")
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- image optimizer jobs


def _uploads(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Jobs queued each minute: editors' uploads in office hours (an image or a gallery,
    each image with its thumbnail sizes), customers' photos with the visitors in some shops,
    a nightly or weekly product import in others."""
    span = len(grid)
    per_image = int(rng.choice([1, 1, 4, 6, 9, 12]))  # originals only, or every size too
    jobs = np.zeros(span)
    for minute in office_hour_rows(rng, grid, rng.uniform(2, 40)):
        images = int(min(rng.geometric(rng.uniform(0.05, 0.6)), 80))
        at = minute + rng.integers(0, max(1, int(images * rng.uniform(0.1, 0.5))), images)
        np.add.at(jobs, at[at < span], per_image)
    if rng.random() < 0.4:
        jobs += per_image * rng.poisson(rng.uniform(0.005, 0.05) * common.traffic(grid, rng))
    if rng.random() < 0.3:
        nights = common.daily_rows(grid, rng.uniform(0, 5))
        if rng.random() < 0.5:
            nights = nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]
        for minute in nights:
            images = int(rng.uniform(50, 600))
            at = minute + rng.integers(0, int(rng.uniform(10, 40)), images)
            np.add.at(jobs, at[at < span], per_image)
    return jobs


def _work_done(jobs: np.ndarray, runs: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """Jobs finished each minute: each run takes up to its batch from the backlog."""
    queued = np.cumsum(jobs)
    done, finished = np.zeros(len(jobs)), 0.0
    for minute in np.flatnonzero(runs):
        done[minute] = min(queued[minute] - finished, batch[minute])
        finished += done[minute]
    return done


def _job_anomalies(rng: np.random.Generator, grid: pd.DatetimeIndex, jobs: np.ndarray,
                   runs: np.ndarray, batch: np.ndarray, onsets: list[int], kinds: list[str],
                   capacity: float) -> None:
    office = office_hour_rows(rng, grid, 1)
    for onset, kind in zip(onsets, kinds, strict=True):
        if kind == "queue_stalled":  # one image crashes every run until someone removes it
            batch[onset:onset + int(rng.uniform(2 * 60, 2 * DAY))] = 0
        elif kind == "quota_exhausted":  # the credits bought again in someone's office hours
            later = office[office > onset + rng.uniform(1, 6) * DAY]
            batch[onset:int(later[0]) if len(later) else len(batch)] = 0
        elif kind == "capacity_drop":  # the API slowed: most runs time out, from now on
            runs[onset:] &= rng.random(len(runs) - onset) < rng.uniform(0.1, 0.35)
        else:  # reprocess_loop: optimized images queued again (a metadata write loop)
            end = onset + int(rng.uniform(3 * 60, 3 * DAY))
            jobs[onset:end] += np.ceil(capacity * rng.uniform(1.05, 1.5))


def image_jobs_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    api = name.startswith("images_optimized")
    minutes = int(rng.choice([1, 2, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows = len(stamps)
    start = stamps[0].floor("min") - pd.Timedelta(minutes=minutes)
    at = np.floor((stamps - start).total_seconds() / 60).astype(int)  # each row's minute
    grid = start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")
    jobs, runs = _uploads(rng, grid), common.runner_minutes(rng, grid, (0.3, 20))
    capacity = max(jobs.mean() * rng.uniform(10, 80), 1.0)  # jobs a minute at full tilt
    batch = np.full(len(grid), max(1.0, np.round(capacity / max(runs.mean(), 1e-3))))
    bulk = office_hour_rows(rng, grid, 0.1)
    if rng.random() < 0.25 and len(bulk):  # the whole library optimized, started by hand
        jobs[int(rng.choice(bulk))] += np.round(capacity * rng.uniform(6, 72) * 60)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    choices = ("queue_stalled", "capacity_drop", "reprocess_loop") + (
        ("quota_exhausted",) if api else ())
    kinds = common.kinds(rng, starts, choices, once="capacity_drop")
    onsets = [int(at[s]) - minutes + 1 for s in starts]  # the first minute the row counts
    _job_anomalies(rng, grid, jobs, runs, batch, onsets, kinds, capacity)
    finished = np.r_[0.0, np.cumsum(_work_done(jobs, runs, batch))]
    values = finished[at + 1] - finished[at + 1 - minutes]
    return SyntheticSeries(name, stamps, np.round(values), starts, kinds)


GENERATORS = {"synthGatewayCalls": gateway_series, "synthImageJobs": image_jobs_series,
              "synthOpcache": opcache_series, "synthDnsLookup": dns_series}
STEMS = {"synthGatewayCalls": ("gateway_call_ms", "gateway_p95_ms", "shipping_api_mean_ms"),
         "synthImageJobs": ("images_optimized", "media_jobs_done"),
         "synthOpcache": ("opcache_used_memory", "opcache_cached_scripts"),
         "synthDnsLookup": ("dns_resolve_ms", "dns_upstream_ms", "dns_resolve_seconds")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R8, GENERATORS, STEMS, FILES_PER_FAMILY, salt=880)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
