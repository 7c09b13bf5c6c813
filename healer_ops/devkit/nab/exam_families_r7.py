"""Seventh exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a countdown that falls by one a
day and is reset by a timer (anomalies: a reset that does not come, another value served),
a memory that fills towards a ceiling and is flushed now and then, crawler counts that fall
and recover over days rather than step, and counts under-dispersed because they come from
timers in open browser tabs, during the working hours of a handful of people.

- ``synthCertExpiry``: days until a site's TLS certificate expires, as an uptime checker
  sees it every 1-15 minutes (fractional days, whole days, or the least over a site's
  hostnames or a server's sites, 2 to 60 certificates). Normal: falling by one a day;
  renewed by the ACME client's twice-daily timer or daily cron 30 (or 20) days before the
  expiry of a 90-day certificate, or with a third to a half left of a 160-hour one;
  commercial certificates of 200 or 365 days renewed by hand in office hours (a plain ramp
  in most files); a renewal served only when nginx is reloaded hours later; a CDN's edges
  serving the old and the new certificate in turn for hours after a renewal; early reissues
  when a domain is added. Anomalies: renewal failed (every challenge blocked: the countdown
  passes the usual renewal point for days, in some files to a negative value), a wrong
  certificate (the server's snakeoil, the panel's, or an expired default: far up or down for
  hours), a node from an old image serving an older certificate on some rows, an old
  certificate restored by a backup or config run (a step down: for hours if it has expired,
  for days if not).
- ``synthObjectCache``: a Redis object cache's used memory (bytes) or keys evicted per 1-10
  minutes. Normal: keys with a TTL following visitors and expiring, keys without one filling
  towards the site's working set over hours to days, capped at maxmemory (in many files
  flat at the ceiling, with evictions following traffic), flushed to nothing by deploys and
  plugin updates in office hours, by a nightly flush cron in some sites, by a weekly restart
  of a Redis without persistence in others; maxmemory raised by a plan upgrade. Anomalies:
  a key explosion (a plugin caching a key per URL: the memory rushes to the ceiling,
  evictions surge), a flush loop (flushed every few minutes for hours: the memory never
  refills), the cache disconnected (WordPress no longer writes: the memory decays as keys
  expire, no evictions), maxmemory lowered by a config change, maxmemory lost in a restart
  (the memory climbs past the old ceiling, evictions stop).
- ``synthCrawlers``: requests from Googlebot, or from every known crawler, per 1-15 minutes.
  Normal: no office rhythm, a crawl level that changes from day to day, bursts after posts
  are published, a recrawl after a redesign (a bump decaying over days), SEO and AI crawlers
  in sessions of hours at a flat rate, a short maintenance mode Google slows down for.
  Anomalies: a crawler storm (a scraper, ten to sixty times the usual), a crawl trap (an
  infinite calendar: Googlebot's rate growing over days), robots blocked (the "discourage
  search engines" setting copied from staging: within hours the crawlers stop, and come back
  over days once fixed), server errors (crawlers back off within the hour and take days to
  return).
- ``synthHeartbeat``: WordPress heartbeat requests (or every admin-ajax.php request, the
  visitors' frontend calls too) per 1-15 minutes. Normal: each open admin tab beats every
  15, 60 or 120 seconds, so counts are regular; editors' working hours in their own time
  zone, few on weekends, days off, holidays, tabs left open in the evening, a new editor
  from some day on. Anomalies: a heartbeat storm (a tab beating every second or few, day and
  night), an ajax flood (a frontend script polling for every visitor), admin-ajax blocked by
  a WAF rule (nothing for hours), the heartbeat switched off by a plugin update (for good).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r7_schedules import cert_expiry_series, heartbeat_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R7 = ("synthCertExpiry", "synthObjectCache", "synthCrawlers", "synthHeartbeat")
FILES_PER_FAMILY = {"synthCertExpiry": 9, "synthObjectCache": 9, "synthCrawlers": 8,
                    "synthHeartbeat": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCertExpiry": frozenset({"renewal_failed", "wrong_cert", "old_cert_node",
                                  "cert_reverted"}),
    "synthObjectCache": frozenset({"key_explosion", "flush_loop", "cache_disconnected",
                                   "maxmemory_lowered", "maxmemory_lost"}),
    "synthCrawlers": frozenset({"crawler_storm", "crawl_trap", "robots_blocked", "server_errors"}),
    "synthHeartbeat": frozenset({"heartbeat_storm", "ajax_flood", "admin_blocked",
                                 "heartbeat_disabled"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY
MB = 2.0 ** 20


# ---------------------------------------------------------------- Redis object cache


@dataclass
class CacheSetup:
    """Bytes a minute of keys with a TTL at mean traffic, their TTL in minutes, the working
    set of keys without a TTL and the minutes it takes to fill, Redis's own overhead."""

    ttl_writes: float
    ttl: float
    working_set: float
    fill: float
    overhead: float


def _normal_flushes(rng: np.random.Generator, stamps: pd.DatetimeIndex) -> np.ndarray:
    """Deploys and plugin updates flush the cache; so do a nightly cron in some sites and a
    weekly restart of a Redis without persistence in others."""
    flushed = np.zeros(len(stamps), dtype=bool)
    flushed[office_hour_rows(rng, stamps, rng.uniform(0.05, 0.6))] = True
    if rng.random() < 0.2:
        flushed[common.daily_rows(stamps, rng.uniform(0, 5))] = True
    if rng.random() < 0.25:
        nights = common.daily_rows(stamps, rng.uniform(2, 6))
        flushed[nights[np.asarray(stamps.day_of_week)[nights] == 6]] = True
    return flushed


def _cache_memory(setup: CacheSetup, writes: np.ndarray, steps: np.ndarray,
                  flushed: np.ndarray, ceiling: np.ndarray, junk_writes: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(used bytes, evicted bytes) at each row: TTL keys written with traffic and expiring,
    keys without a TTL filling towards the working set, junk keys that never stop coming
    while a plugin misbehaves; past maxmemory, the excess is evicted from all alike."""
    ttl_keys, kept, junk = setup.ttl_writes * setup.ttl, setup.working_set, 0.0
    room = (ceiling[0] - setup.overhead) / (ttl_keys + kept)
    if room < 1:  # a full cache at the start, not one evicting its excess at once
        ttl_keys, kept = ttl_keys * room, kept * room
    used, evicted = np.zeros(len(steps)), np.zeros(len(steps))
    for row, step in enumerate(steps):
        if flushed[row]:
            ttl_keys = kept = junk = 0.0
        expiring = np.exp(-step / setup.ttl)
        ttl_keys = ttl_keys * expiring + writes[row] * setup.ttl_writes * step
        kept += writes[row] * setup.working_set / setup.fill * step * max(
            1 - kept / setup.working_set, 0)
        junk += junk_writes[row] * step
        total = ttl_keys + kept + junk + setup.overhead
        over = max(total - ceiling[row], 0.0)
        if over:
            keep = 1 - over / (ttl_keys + kept + junk)
            ttl_keys, kept, junk = ttl_keys * keep, kept * keep, junk * keep
        used[row], evicted[row] = total - over, over
    return used, evicted


def _cache_setup(rng: np.random.Generator, maxmemory: float, fullness: float) -> CacheSetup:
    ttl = rng.uniform(30, 12 * 60)
    ttl_share = rng.uniform(0.3, 0.8)
    return CacheSetup(fullness * maxmemory * ttl_share / ttl, ttl,
                      fullness * maxmemory * (1 - ttl_share), rng.uniform(6 * 60, 5 * DAY),
                      rng.uniform(1, 4) * MB)


def _cache_kinds(evictions: bool, at_ceiling: bool) -> tuple[str, ...]:
    """The anomalies a file can show: a key explosion is invisible in the memory of a cache
    already at its ceiling, a lost maxmemory in one that never reaches it."""
    if evictions:
        return ("key_explosion", "flush_loop", "cache_disconnected", "maxmemory_lowered",
                "maxmemory_lost")
    if at_ceiling:
        return ("flush_loop", "cache_disconnected", "maxmemory_lowered", "maxmemory_lost")
    return ("key_explosion", "flush_loop", "cache_disconnected", "maxmemory_lowered")


def object_cache_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    evictions = name.startswith("redis_evicted")
    minutes = int(rng.choice([1, 1, 2, 5, 10]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    steps = np.diff(elapsed, prepend=elapsed[0] - minutes)
    maxmemory = float(rng.choice([64, 128, 256, 512, 1024, 2048])) * MB
    at_ceiling = evictions or rng.random() < 0.4
    fullness = rng.uniform(1.05, 4) if at_ceiling else rng.uniform(0.2, 0.8)
    setup = _cache_setup(rng, maxmemory, fullness)
    writes = common.traffic(stamps, rng) * np.exp(0.2 * common.wander(rng, rows, 500))
    flushed = _normal_flushes(rng, stamps)
    ceiling = np.full(rows, maxmemory)
    upgrades = office_hour_rows(rng, stamps, 0.05)
    if rng.random() < 0.25 and len(upgrades):  # a plan upgrade doubles maxmemory
        ceiling[int(rng.choice(upgrades)):] *= 2
    junk = np.zeros(rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, _cache_kinds(evictions, at_ceiling),
                         once="maxmemory_lowered")
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "key_explosion":  # a key per URL and query string, without a TTL
            span = common.span_rows(elapsed, start, rng.uniform(1, 12) * 60)
            junk[span] += maxmemory * rng.uniform(0.5, 3) / (elapsed[span.stop - 1]
                                                             - elapsed[start] + minutes)
        elif kind == "flush_loop":  # a plugin flushing on every save or cron event
            span = common.span_rows(elapsed, start, rng.uniform(2 * 60, 2 * DAY))
            every = rng.uniform(5, 30)
            loop = np.r_[True, np.diff(np.floor((elapsed[span] - elapsed[start]) / every)) > 0]
            flushed[span] |= loop
        elif kind == "cache_disconnected":  # the drop-in gone: WordPress writes nothing
            writes[common.span_rows(elapsed, start, rng.uniform(2 * 60, 3 * DAY))] = 0
        elif kind == "maxmemory_lowered":  # a config template's default
            ceiling[start:] = min(maxmemory, fullness * maxmemory) * rng.uniform(0.3, 0.7)
        else:  # maxmemory_lost: restarted with a config missing the limit
            flushed[start] = True
            ceiling[start:] = np.inf
    used, evicted = _cache_memory(setup, writes, steps, flushed, ceiling, junk)
    if evictions:
        values = rng.poisson(evicted / rng.uniform(500, 20000)).astype(float)
    else:
        values = np.round(used * (1 + rng.normal(0, 0.002, rows)))
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- crawlers


def _dip(elapsed: np.ndarray, begin: float, low: float, fall: float, hold: float,
         recover: float) -> np.ndarray:
    """A factor: 1 until ``begin``, down to ``low`` over ``fall`` minutes, held until ``hold``
    minutes after ``begin``, then back towards 1 with a time constant of ``recover``."""
    since = elapsed - begin
    hold = max(hold, fall)
    falling = 1 - (1 - low) * np.clip(since / fall, 0, 1)
    rising = 1 - (1 - low) * np.exp(-np.maximum(since - hold, 0) / recover)
    return np.where(since < 0, 1.0, np.where(since < hold, falling, rising))


def _crawl_level(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray
                 ) -> np.ndarray:
    """Mean 1: a crawl budget that moves from day to day, a weak daily cycle."""
    days = int(elapsed[-1] // DAY) + 2
    budget = np.zeros(days)
    for day in range(1, days):
        budget[day] = 0.7 * budget[day - 1] + rng.normal(0, 0.2)
    level = np.exp(np.interp(elapsed, (np.arange(days) + 0.5) * DAY, budget))
    cycle = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * (hour_of_day(stamps)
                                                         - rng.uniform(0, 24)) / 24)
    return level * cycle


def _googlebot(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
               per_minute: float) -> np.ndarray:
    """Googlebot's requests a minute: the budget, a burst after each post published, in some
    sites a recrawl after a redesign and a short maintenance mode it slowed down for."""
    rate = per_minute * _crawl_level(rng, stamps, elapsed)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.2, 3)):
        begin = elapsed[row] + rng.uniform(1, 30)
        length = rng.uniform(5, 60)
        burst = (elapsed >= begin) & (elapsed < begin + length)
        rate += burst * rng.uniform(5, 60) * (1 + per_minute) / length
    redesigns = office_hour_rows(rng, stamps, 0.05)
    if rng.random() < 0.15 and len(redesigns):
        since = elapsed - elapsed[int(rng.choice(redesigns))]
        rate *= 1 + (since >= 0) * rng.uniform(0.5, 2) * np.exp(
            -np.maximum(since, 0) / (rng.uniform(1, 4) * DAY))
    nights = common.daily_rows(stamps, rng.uniform(1, 5))
    if rng.random() < 0.3 and len(nights):
        rate *= _dip(elapsed, elapsed[int(rng.choice(nights))], rng.uniform(0.6, 0.9), 30,
                     rng.uniform(30, 120), rng.uniform(0.3, 1) * DAY)
    return rate


def _other_crawlers(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                    per_minute: float) -> tuple[np.ndarray, np.ndarray]:
    """(Bing and the like: a steadier budget of their own; SEO and AI crawlers: sessions of
    hours at a flat rate, days apart) in requests a minute."""
    steady = per_minute * rng.uniform(0.1, 0.8) * _crawl_level(rng, stamps, elapsed)
    sessions = np.zeros(len(elapsed))
    for _ in range(int(rng.integers(1, 5))):
        every = rng.uniform(1, 7) * DAY
        begin = rng.exponential(every)
        while begin < elapsed[-1]:
            length = rng.uniform(30, 600)
            sessions += ((elapsed >= begin) & (elapsed < begin + length)) * rng.uniform(1, 20)
            begin += length + rng.exponential(every)
    return steady, sessions


def crawler_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    everyone = name.startswith("crawler_requests")
    minutes = int(rng.choice([1, 2, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    per_minute = float(np.exp(rng.uniform(np.log(0.2), np.log(30))))
    parts = [_googlebot(rng, stamps, elapsed, per_minute)]
    if everyone:
        parts += list(_other_crawlers(rng, stamps, elapsed, per_minute))
    scrapers = np.zeros(rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("crawler_storm", "crawl_trap", "robots_blocked",
                                       "server_errors"))
    for start, kind in zip(starts, kinds, strict=True):
        since, begin = elapsed - elapsed[start], elapsed[start]
        if kind == "crawler_storm":  # a scraper ignoring robots.txt (a Googlebot agent, too)
            span = common.span_rows(elapsed, start, rng.uniform(60, 2 * DAY))
            scrapers[span] += max(sum(part.mean() for part in parts), 1) * rng.uniform(10, 60)
        elif kind == "crawl_trap":  # an endless calendar or faceted search found
            length, ramp = rng.uniform(1, 6) * DAY, rng.uniform(0.5, 3) * DAY
            growth = rng.uniform(1.5, 6) * np.clip(since / ramp, 0, 1) * (since < length)
            parts = [part * (1 + (since >= 0) * growth) for part in parts]
        elif kind == "robots_blocked":  # each crawler rereads robots.txt in its own time
            hold, recover = rng.uniform(1, 6) * DAY, rng.uniform(0.5, 3) * DAY
            parts = [part * _dip(elapsed, begin + rng.uniform(10, 8 * 60),
                                 rng.uniform(0.005, 0.05), rng.uniform(30, 180), hold, recover)
                     for part in parts]
        else:  # server_errors: 5xx for hours, crawlers back off and return slowly
            hold, recover = rng.uniform(1, 12) * 60, rng.uniform(1, 4) * DAY
            parts = [part * _dip(elapsed, begin + rng.uniform(0, 30), rng.uniform(0.1, 0.5),
                                 rng.uniform(30, 120), hold, recover) for part in parts]
    rate = sum(parts) + scrapers
    spread = rng.uniform(3, 20)  # crawlers fetch in batches: more scatter than Poisson
    # a bucket after a hole is one bucket
    values = rng.poisson(rate * minutes * rng.gamma(spread, 1 / spread, rows))
    return SyntheticSeries(name, stamps, values.astype(float), starts, kinds)


GENERATORS = {"synthCertExpiry": cert_expiry_series, "synthObjectCache": object_cache_series,
              "synthCrawlers": crawler_series, "synthHeartbeat": heartbeat_series}
STEMS = {"synthCertExpiry": ("cert_days_left", "cert_expiry_days", "cert_min_days_left"),
         "synthObjectCache": ("redis_used_memory", "redis_evicted_keys"),
         "synthCrawlers": ("googlebot_requests", "crawler_requests"),
         "synthHeartbeat": ("heartbeat_requests", "admin_ajax_requests")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R7, GENERATORS, STEMS, FILES_PER_FAMILY, salt=770)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
