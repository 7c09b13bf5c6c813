"""``synthRateLimited`` and ``synthCdnAge`` of the eighteenth exam families
(``exam_families_r18``): what sits in front of WordPress. nginx's limit_req lets each key (a
client's address) through at its rate plus a burst and rejects the rest, so its rejections
are the excess of the few keys over their limit (a crawler ignoring 429s, an office or a
carrier's NAT at its peak, a page view's burst of calls, bots at the login zone's stricter
limit), not a share of the visitors. A cache in front of the site (a CDN's edge, Varnish)
keeps a page for its TTL and fetches it again at the first request after it expires, is
purged or is evicted, so the Age a probe reads rises one second a second from each fetch and
falls to 0 at the next: a saw of the TTL on a busy cache, cut short by editors' purges and by
a quiet cache evicting the page, past the TTL only for the request that revalidates it (or
while the origin is down and the cache serves it stale)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- limit_req rejections

RATES = (1, 2, 2, 5, 10)  # rate=Nr/s of the zone in front of PHP, per client address
BURSTS = (5, 10, 20, 50)
LOGIN_RATES = (1, 2, 5, 10)  # rate=N r/m of the zone in front of wp-login.php and xmlrpc.php
# a config change rolled out (by hand or by the config management's run), and a client
RATE_KINDS = ("real_ip_lost", "limit_tightened", "limiter_removed", "scraper_hammering")


def over_by(onsets: list, span: float) -> list:
    """For each onset, when its anomaly is over at the latest: four fifths of the way to the
    next onset (so the next one starts from the normal), or ``span`` for the last."""
    later = [*onsets[1:], span][:len(onsets)]
    return [type(onset)(onset + 0.8 * (next_onset - onset)) if next_onset < span else span
            for onset, next_onset in zip(onsets, later, strict=True)]


def excess(requests: np.ndarray, allowed: float) -> np.ndarray:
    """Rejections a minute of keys sending ``requests`` a minute through a limit that lets
    ``allowed`` a minute through (the rate, and the burst the bucket holds)."""
    return np.maximum(requests - allowed, 0.0)


def _sessions(rng: np.random.Generator, span: int, per_day: float, minutes: tuple[float, float]
              ) -> list[tuple[int, int]]:
    """(start, end) minutes of sessions arriving ``per_day`` a day at any hour, lasting a
    lognormal time of median ``minutes[0]`` (capped at ``minutes[1]``)."""
    starts = np.flatnonzero(rng.random(span) < per_day / DAY)
    lengths = np.minimum(rng.lognormal(np.log(minutes[0]), 0.9, len(starts)), minutes[1])
    return [(int(s), int(min(span, s + max(1, round(length)))))
            for s, length in zip(starts, lengths, strict=True)]


class LimitZones:
    """A site's limit_req zones and what reaches them a minute: page views (each a burst of
    PHP calls), shared addresses (an office in its hours, a carrier's NAT with the visitors),
    crawlers (polite ones slow down at the first 429s), brute-force bots at the login zone."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.hours = hours = hour_of_day(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))  # a newsletter, a post going viral
        self.views = float(np.exp(rng.uniform(np.log(10), np.log(3000)))) * load
        self.calls = rng.uniform(1, 3)  # PHP requests a page view: the page, ajax, REST
        self.rate = 60.0 * float(rng.choice(RATES))  # a minute
        self.burst = float(rng.choice(BURSTS))
        self.allowed = self.rate + self.burst
        self.office = (np.asarray(grid.day_of_week) < 5) * daily_cycle(hours,
                                                                       rng.uniform(10, 15), 2.5)
        self.login = float(rng.choice(LOGIN_RATES)) if rng.random() < 0.8 else 0.0
        self.fail2ban = rng.uniform(5, 40) if rng.random() < 0.5 else np.inf  # minutes to a ban

    def usual(self, rng: np.random.Generator) -> np.ndarray:
        """Rejections a minute of the normal clients."""
        span = self.span
        out = np.zeros(span)
        bursts = rng.poisson(self.views * rng.uniform(1e-4, 3e-3))  # reloads, prefetch, tabs
        out += bursts * rng.integers(1, 15, span)
        for _ in range(int(rng.integers(0, 6))):  # addresses many clients share
            shape = self.office if rng.random() < 0.5 else self.views / self.views.max()
            peak = self.allowed * rng.lognormal(np.log(0.7), 0.4)
            out += excess(rng.poisson(peak * shape / max(shape.max(), 1e-9)), self.allowed)
        for start, end in _sessions(rng, span, rng.uniform(2, 30), (20, 4 * 60)):  # crawlers
            ratio = rng.lognormal(np.log(0.7), 0.8)
            if ratio <= 1:
                continue
            if rng.random() < 0.6:  # polite: slows down below the limit at the first 429s
                end = min(end, start + int(rng.integers(1, 6)))
            out[start:end] += rng.poisson((ratio - 1) * self.rate, end - start)
        if self.login:
            for start, end in _sessions(rng, span, rng.uniform(10, 150), (10, 6 * 60)):
                if np.isfinite(self.fail2ban):  # banned after its first minutes
                    end = min(end, start + int(np.ceil(self.fail2ban)))
                tries = rng.uniform(5, 100)  # a bot's attempts a minute
                out[start:end] += rng.poisson(max(tries - self.login, 0), end - start)
        return out

    def proxied(self, rng: np.random.Generator, minutes: slice) -> np.ndarray:
        """Rejections a minute if every request's key were a proxy's address: a load
        balancer's or a reverse proxy's one to three, or a CDN's edges nearest the visitors
        (split unevenly over them)."""
        edges = int(rng.integers(1, 3) if rng.random() < 0.7 else rng.integers(4, 16))
        weights = rng.dirichlet(np.full(edges, 2.0))
        through = rng.poisson(self.views[minutes, None] * self.calls * weights)
        return excess(through, self.allowed).sum(axis=1)

    def tightened(self, rng: np.random.Generator, minutes: slice) -> np.ndarray:
        """Rejections a minute with the zone applied to static files and its burst cut: every
        first view's burst of assets over the new burst is rejected."""
        assets = int(rng.integers(10, 60))
        burst = float(rng.choice([0, 1, 5]))
        first_views = rng.uniform(0.3, 0.7)
        return rng.poisson(self.views[minutes] * first_views * max(
            assets - burst - self.rate / 30, 1))


def _rate_anomalies(rng: np.random.Generator, zones: LimitZones, rejected: np.ndarray,
                    step: int, onsets: list[int], kinds: list[str]) -> np.ndarray:
    """``rejected`` with the anomalies; a kind that would not show where it starts becomes
    the next of its chain that would."""
    span = zones.span
    busy = np.convolve(rejected > 0, np.ones(step), "full")[:span] > 0  # a bucket with any
    for i, (onset, later) in enumerate(zip(onsets, over_by(onsets, span), strict=True)):
        before, day = slice(max(0, onset - 12 * 60), onset), slice(max(0, onset - DAY), onset)
        usual = max(float(rejected[before].mean()), 0.1)
        # the site broken for many visitors: reverted within hours (by morning at night)
        awake = 8 <= zones.hours[onset] < 20
        end = min(later, onset + int(rng.uniform(15, 4 * 60 if awake else 12 * 60)))
        extra = np.zeros(end - onset)
        for kind in dict.fromkeys((kinds[i], *RATE_KINDS)):
            if kind == "real_ip_lost":  # set_real_ip_from lost: the proxies' addresses limited
                extra = zones.proxied(rng, slice(onset, end))
            elif kind == "limit_tightened":
                extra = zones.tightened(rng, slice(onset, end))
            if kind in ("real_ip_lost", "limit_tightened"):
                shows = extra[:360].mean() >= 2 * usual + 2  # enough requests to trip it
            else:  # limiter_removed needs something usually rejected to miss
                shows = kind == "scraper_hammering" or busy[day][::step].mean() >= 0.3
            if shows:
                kinds[i] = kind
                break
        if kinds[i] in ("real_ip_lost", "limit_tightened"):
            rejected[onset:end] += extra
        elif kinds[i] == "limiter_removed":  # the zone's include lost in a config refactor
            rejected[onset:min(later, onset + int(rng.uniform(12 * 60, 4 * DAY)))] = 0
        else:  # scraper_hammering: one client far over the limit, ignoring the 429s
            end = min(later, onset + int(rng.uniform(60, 12 * 60)))
            peak = np.percentile(rejected[before], 95) if onset else usual
            level = max((rng.uniform(2, 12) - 1) * zones.rate, rng.uniform(2, 5) * peak)
            pauses = rng.random(end - onset) < rng.uniform(0, 0.1)  # its workers restarting
            rejected[onset:end] += rng.poisson(level * ~pauses)
    return rejected


def rate_limited_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    zones = LimitZones(rng, grid)
    rejected = zones.usual(rng)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, RATE_KINDS)
    rejected = _rate_anomalies(rng, zones, rejected, step, [int(at[s]) for s in starts], kinds)
    counted = np.r_[0, np.cumsum(rejected)]
    values = counted[at + 1] - counted[np.maximum(at + 1 - step, 0)]
    return SyntheticSeries(name, stamps, np.round(values), starts, kinds)


# ---------------------------------------------------------------- a cached page's Age

TTLS = (300, 600, 1800, 3600, 3600, 7200, 14400, 86400, 86400, 604800, 2592000,
        2592000)  # seconds: Varnish's hours, a CDN's edge TTL of days (APO: a month)
GRACES = (3600, 6 * 3600, 86400, 3 * 86400)  # stale-if-error, Varnish's grace
AGE_KINDS = ("origin_unreachable", "purges_failing", "purge_storm", "cache_bypassed")


class EdgeCache:
    """One cache the probe reaches (a CDN's POP, a Varnish): the page's requests a second
    there (each minute of ``load``), its TTL, stale-while-revalidate (``swr`` seconds past the
    TTL: the first request reads the stale page and refetches it behind), stale-if-error
    (``grace``: the page served stale while the origin is down), and in some caches the page
    evicted when cold (after an exponential time, shorter when the cache is quiet)."""

    def __init__(self, rng: np.random.Generator, load: np.ndarray, ttl: float, swr: float,
                 grace: float) -> None:
        self.per_second = float(np.exp(rng.uniform(np.log(0.002), np.log(5)))) * load
        self.load = load
        self.ttl, self.swr, self.grace = ttl, swr, grace
        self.evict = np.inf if rng.random() < 0.5 else rng.uniform(2, 48) * 3600

    def _minute(self, t: float) -> int:
        return int(min(max(t // 60, 0), len(self.load) - 1))

    def _fetch(self, rng: np.random.Generator, t: float, purges: np.ndarray
               ) -> tuple[float, float, int]:
        """(fetched, evicted, the next purge's index) of the page fetched at ``t``."""
        evicted = t + rng.exponential(self.evict * self.load[self._minute(t)]) if np.isfinite(
            self.evict) else np.inf
        return t, evicted, int(np.searchsorted(purges, t, side="right"))

    def ages(self, rng: np.random.Generator, probes: np.ndarray, purges: np.ndarray,
             outages: list[tuple[float, float]]) -> np.ndarray:
        """The Age the probes at ``probes`` (seconds, sorted) read; NaN for an error (the
        origin down and nothing it may serve). ``purges``: seconds, sorted; ``outages``:
        [start, end) seconds the origin does not answer."""
        ttl = self.ttl
        out = np.full(len(probes), np.nan)
        fetched, evicted, p = self._fetch(rng, -rng.uniform(0, ttl), purges)
        for k, q in enumerate(probes):
            while True:
                purge = purges[p] if p < len(purges) else np.inf
                end = min(fetched + ttl, purge, evicted)
                if end > q:  # still cached
                    out[k] = q - fetched
                    break
                expired = fetched + ttl <= min(purge, evicted)
                start = end  # the first request from here fetches it, once the origin answers
                for first, last in outages:
                    if first <= start < last:
                        start = last
                request = start + rng.exponential(1 / max(
                    self.per_second[self._minute(start)], 1e-6))
                if request <= q:  # a visitor's request fetched it
                    fetched, evicted, p = self._fetch(rng, request, purges)
                    continue
                age = q - fetched
                if q < start:  # the origin down: served stale within the grace, else an error
                    if expired and age <= ttl + self.grace:
                        out[k] = age
                    break
                # the probe's request fetches it: stale while it revalidates, else fresh
                out[k] = age if expired and age < ttl + self.swr else 0.0
                fetched, evicted, p = self._fetch(rng, q, purges)
                break
        return out


def _usual_purges(rng: np.random.Generator, grid: pd.DatetimeIndex, load: np.ndarray
                  ) -> np.ndarray:
    """Seconds of the page's purges: editors publishing and updating (office hours),
    scheduled posts at their hours, deploys (everything purged), a shop's stock changes with
    its orders in some files, a page cache's lifespan in others."""
    minutes = [office_hour_rows(rng, grid, rng.uniform(0.3, 10)),
               office_hour_rows(rng, grid, rng.uniform(0, 0.5))]
    if rng.random() < 0.4:
        for hour in rng.choice([6, 7, 8, 12, 17, 18], int(rng.integers(1, 4)), replace=False):
            days = common.daily_rows(grid, float(hour))
            minutes.append(days[rng.random(len(days)) < rng.uniform(0.4, 1)])
    if rng.random() < 0.3:  # stock changes of the products on the page
        minutes.append(np.flatnonzero(rng.random(len(grid)) < rng.uniform(1, 20) / DAY * load))
    if rng.random() < 0.3:  # WP Rocket's cache lifespan
        every = 60 * int(rng.choice([10, 12, 24]))
        minutes.append(np.arange(int(rng.integers(0, every)), len(grid), every))
    at = np.concatenate(minutes).astype(float)
    return np.sort(60 * at + rng.uniform(0, 60, len(at)))


def _age_anomalies(rng: np.random.Generator, onsets: list[float], kinds: list[str],
                   workday: list[bool], ttl: float, grace: float, purges: np.ndarray,
                   days: float
                   ) -> tuple[np.ndarray, list[tuple[float, float]], list[tuple[float, float]]]:
    """(purges, the origin's outages, the stretches not cached) with the anomalies, and each
    kind turned into one that shows where it would not (purges failing show from the first
    purge missed: onsets in a workday's office hours)."""
    outages, bypassed = [], []
    for i, (onset, later) in enumerate(zip(onsets, over_by(onsets, np.inf), strict=True)):
        end = onset + 60 * rng.uniform(20, 10 * 60)  # the origin's outage
        every = rng.uniform(30, 300)  # the storm's purges
        shows = {"origin_unreachable": ttl <= 0.7 * (end - onset),  # else refetched after it
                 "purges_failing": ttl >= 6 * 3600 and len(purges) >= days and workday[i]
                 and "purges_failing" not in kinds[:i],  # a token expires once a file
                 "purge_storm": ttl >= 6 * every, "cache_bypassed": True}
        kinds[i] = next(kind for kind in (kinds[i], *AGE_KINDS) if shows[kind])
        if kinds[i] == "origin_unreachable":  # fixed within the hour once the stale page
            end = min(end, later, onset + ttl + grace + 60 * rng.uniform(5, 60))  # has expired
            outages.append((onset, end))
            purges = purges[(purges < onset) | (purges >= end)]  # no one publishes
        elif kinds[i] == "cache_bypassed":  # a Set-Cookie on the page after a deploy
            end = min(later, onset + 60 * rng.uniform(60, 3 * DAY))
            bypassed.append((onset, end))
            purges = np.sort(np.r_[purges, onset, end])
        elif kinds[i] == "purges_failing":  # the purge API's token expired
            end = min(later, onset + 60 * rng.uniform(12 * 60, 4 * DAY))
            purges = purges[(purges < onset) | (purges >= end)]
        else:  # purge_storm: a plugin purging the page at every cron run or stock sync
            end = min(later, onset + 60 * rng.uniform(60, 2 * DAY))
            storm = onset + np.cumsum(every * rng.uniform(0.5, 1.5, int((end - onset) / every)))
            purges = np.sort(np.r_[purges, storm[storm < end]])
    return purges, outages, bypassed


def cdn_age_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 2, 2, 5, 5, 10]))
    stamps, _, grid = minute_grid(rng, step)
    seconds = np.asarray((stamps - grid[0]).total_seconds())
    load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, len(grid), DAY))
    ttl = float(rng.choice(TTLS))
    swr = float(rng.choice([0, 0, 30, 60, ttl]))
    grace = float(rng.choice(GRACES))
    caches = [EdgeCache(rng, load, ttl, swr, grace) for _ in range(int(rng.choice(
        [1, 1, 2, 3, 4])))]
    purges = _usual_purges(rng, grid, load)
    starts = common.spaced_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, AGE_KINDS)
    # purges failing show from the first purge missed: the probe's last row before an
    # editor's purge (on a workday)
    hours = hour_of_day(stamps)
    office = (np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18)
    before_purge = np.unique(np.searchsorted(seconds, purges) - 1)
    before_purge = before_purge[(before_purge >= 0) & office[np.minimum(
        before_purge + 1, len(stamps) - 1)]]
    snap_onsets(("purges_failing",), "purge_storm", before_purge, starts, kinds, len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    purges, outages, bypassed = _age_anomalies(
        rng, [float(seconds[s]) for s in starts], kinds, [bool(office[s]) for s in starts],
        ttl, grace, purges, len(grid) / DAY)
    if rng.random() < 0.5:  # the probe's regions in rotation, else one picked at random
        which = (np.arange(len(stamps)) + int(rng.integers(len(caches)))) % len(caches)
    else:
        which = rng.integers(0, len(caches), len(stamps))
    ages = np.full(len(stamps), np.nan)
    for c, cache in enumerate(caches):
        ages[which == c] = cache.ages(rng, seconds[which == c], purges, outages)
    for first, last in bypassed:
        ages[(seconds >= first) & (seconds < last)] = 0  # not cached: no Age
    stamps, values, starts = common.keep_rows(stamps, np.round(ages), np.isfinite(ages), starts)
    return SyntheticSeries(name, stamps, values, starts, kinds)
