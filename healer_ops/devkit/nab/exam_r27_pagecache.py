"""``synthPageCacheFiles`` of the twenty-seventh exam families (``exam_families_r27``): the
pages a WordPress page cache holds on disk (WP Super Cache's or WP Rocket's files, a few per
page: the HTML, its gzip copy, a mobile copy) or nginx's fastcgi_cache keys. A page is cached
at the first view that misses and stays until the cache is purged whole or it expires: the
plugins' garbage collection deletes the files older than the lifespan every 10 or 60 minutes
(a saw-tooth), nginx drops a key not read for its ``inactive`` time. So the count is the pages
viewed since the later of the last full purge and the expiry horizon: the visitors' pages
taken by popularity (the popular ones at once, the long tail slowly), crawlers' taken evenly,
and a preloader's runs through the sitemap after each purge and again as its pages expire."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r27_acme import bucket_start, recovered_by
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY
BURN_IN = 3 * DAY  # simulated before the file starts: it opens on a cache some days old
CACHE_KINDS = ("purge_loop", "url_explosion", "gc_stopped", "preload_stopped")
# (minutes between garbage collections, lifespan): WP Super Cache's, WP Rocket's (a preloader
# only with a lifespan of hours or none)
SETTINGS = ((10, 30.0), (10, 60.0), (10, np.inf), (60, 600.0), (60, 600.0), (60, 600.0),
            (60, 1440.0), (60, np.inf), (60, np.inf))


def coverage(popularity: np.ndarray):
    """f(views): the expected distinct pages among ``views`` page views, each page taken
    with its share of ``popularity`` (shares of all views): sum of 1 - exp(-share * views)."""
    views = np.r_[0, np.geomspace(1e-3, 1e11, 320)]
    table = np.array([-np.expm1(-popularity * x).sum() for x in views])
    return lambda x: np.interp(x, views, table)


class Cache:
    """A site's pages (those in its sitemap and a long tail of archives' pages, tags and
    variants, less visited), its cacheable page views a minute (the visitors' day, a post
    going viral, a campaign), crawlers visiting every page alike, the cache's settings, full
    purges (deploys, plugin updates in office hours, auto-updates at night), the saves that
    purge a post and its archives (re-cached as they are viewed again), and the preloader's
    runs (after each full purge, and some nights)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, fastcgi: bool
                 ) -> None:
        span = len(grid)
        self.span = span
        self.pages = int(np.exp(rng.uniform(np.log(50), np.log(20000))))
        self.tail = int(self.pages * rng.uniform(0.3, 3))
        count = self.pages + self.tail
        popularity = (rng.permutation(count) + 1.0) ** -rng.uniform(0.7, 1.2)
        popularity[self.pages:] *= rng.uniform(0.1, 0.5)
        popularity /= popularity.sum()
        self.in_sitemap = coverage(popularity[:self.pages])
        self.off_sitemap = coverage(popularity[self.pages:])
        level = float(np.exp(rng.uniform(np.log(0.3), np.log(300))))  # cacheable views a min
        surge = decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.2)), span, (0.5, 4),
                         (60, 600))
        load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, DAY))
        self.views = np.r_[0, np.cumsum(rng.poisson(level * load * (1 + surge)))]
        crawl = np.zeros(span)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 2) / DAY):
            crawl[start:start + int(rng.uniform(20, 240))] += rng.uniform(0.2, 5)
        self.crawled = np.r_[0, np.cumsum(rng.poisson(crawl))]
        tracking = np.zeros(span)  # campaign links whose parameters are not ignored
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.5) / DAY):
            tracking[start:start + int(rng.uniform(60, 6 * 60))] += rng.uniform(0.05, 0.5)
        self.unique = tracking
        self.files = 1 if fastcgi else int(rng.choice([1, 2, 2, 3, 4]))
        if fastcgi:  # nginx's cache manager drops a key not read for ``inactive``
            self.gc, self.lifespan = 1, float(rng.choice([10, 60, 600, 1440]))
        else:  # WP Super Cache's collector every 10 minutes, WP Rocket's hourly cleanup
            self.gc, self.lifespan = SETTINGS[int(rng.integers(len(SETTINGS)))]
        self.phase = int(rng.integers(0, self.gc))
        self.purges = np.r_[0, office_hour_rows(rng, grid, rng.uniform(0.1, 1.5))]
        if rng.random() < 0.5:  # nightly auto-updates purging everything
            nights = common.daily_rows(grid, rng.uniform(1, 5))
            self.purges = np.sort(np.r_[self.purges,
                                        nights[rng.random(len(nights)) < rng.uniform(0.05, 0.3)]])
        saves = np.zeros(span)
        saves[office_hour_rows(rng, grid, rng.uniform(0.5, 20))] = rng.uniform(3, 15)
        refill = np.exp(-1 / rng.uniform(3, 60))
        self.saved = lfilter([1.0], [1.0, -refill], saves) * self.files
        self.preload = rng.random() < (0.5 if fastcgi else 0.9) and self.lifespan >= 600
        self.rate = rng.uniform(10, 120)  # pages preloaded a minute
        self.delay = rng.uniform(0.5, 3)  # minutes from a purge to the preloader's start
        # the preloader runs again as its pages expire (a fastcgi warmer daily)
        self.every = DAY if fastcgi else max(self.lifespan, 60)

    def preloads(self, purges: np.ndarray, stopped: list[tuple[int, int]]) -> np.ndarray:
        """The preloader's runs: after each of ``purges`` and then every ``every`` minutes
        until the next, but in the (start, end) of ``stopped`` (none without a preloader)."""
        if not self.preload:
            return np.empty(0)
        purges = np.sort(purges)
        runs = []
        for purge, following in zip(purges, np.r_[purges[1:], self.span], strict=True):
            again = np.arange(purge + self.delay, following, self.every) if np.isfinite(
                self.every) else np.array([purge + self.delay])
            runs.append(again[again < following])
        runs = np.concatenate(runs)
        for start, end in stopped:
            runs = runs[(runs < start) | (runs >= end)]
        return runs

    def _preloaded(self, runs: np.ndarray, last_purge: np.ndarray, horizon: np.ndarray
                   ) -> np.ndarray:
        """The share of the sitemap's pages a minute that the preloader has cached since the
        last purge and that have not expired: the latest run's pages so far, and the rest of
        the run before's where they are younger than the horizon."""
        if not len(runs):
            return np.zeros(self.span)
        minutes = np.arange(self.span)
        length = self.pages / self.rate
        latest = np.searchsorted(runs, minutes, "right") - 1
        run = runs[np.maximum(latest, 0)]
        done = np.clip((minutes - run) / length, 0, 1) * (latest >= 0) * (run >= last_purge)
        fresh = np.clip(done - np.maximum((horizon - run) / length, 0), 0, 1)
        before = runs[np.maximum(latest - 1, 0)]
        kept = (latest >= 1) & (before >= last_purge)
        young = np.clip(1 - np.maximum(done, (horizon - before) / length), 0, 1)
        return np.minimum(fresh + young * kept, 1)

    def entries(self, purges: np.ndarray, stopped: list[tuple[int, int]],
                frozen: list[tuple[int, int]], unique: np.ndarray) -> np.ndarray:
        """Files (or keys) a minute, with full purges at ``purges``, the preloader not
        running in the (start, end) of ``stopped`` nor garbage collection in those of
        ``frozen``, and ``unique`` pages a minute never asked for before (a new entry each)."""
        minutes = np.arange(self.span)
        purges = np.sort(purges)
        last_purge = purges[np.searchsorted(purges, minutes, "right") - 1]
        collected = self.phase + (minutes - self.phase) // self.gc * self.gc
        for start, end in frozen:
            collected[start:end] = collected[start]
        horizon = collected - self.lifespan  # files older than it are gone
        since = np.clip(np.ceil(np.maximum(last_purge, horizon)), 0, self.span).astype(int)
        viewed = self.views[minutes + 1] - self.views[since]
        evenly = -np.expm1(-(self.crawled[minutes + 1] - self.crawled[since])
                           / (self.pages + self.tail))
        cached_in = self.in_sitemap(viewed)
        cached_in += (self.pages - cached_in) * evenly
        cached_off = self.off_sitemap(viewed)
        cached_off += (self.tail - cached_off) * evenly
        preloaded = self._preloaded(self.preloads(purges, stopped), last_purge, horizon)
        pages = self.pages * preloaded + (1 - preloaded) * cached_in + cached_off
        seen = np.r_[0, np.cumsum(unique)]
        pages += seen[minutes + 1] - seen[since]
        files = self.files * pages
        return files - np.minimum(self.saved, 0.5 * files)


def _visible(rng: np.random.Generator, cache: Cache, kind: str, onset: int, end: int,
             usual: float, normal: np.ndarray) -> tuple[str, dict]:
    """The kind as it can be seen and its changes to the cache: a stopped garbage collection
    that the file would not show (the cache already holds nearly every page, or the day's
    ebb hides it) becomes a burst
    of new URLs, a preloader missed where visitors refill the cache as fast a purge loop, and
    a purge loop on a small, busy site (refilled between the purges) a burst of new URLs."""
    if kind == "gc_stopped":
        changed = cache.entries(cache.purges, [], [(onset, end)], cache.unique)
        check = min(end, onset + DAY) - 1
        if changed[check] > 1.15 * normal[check] and changed[onset:check].max() > 1.2 * (
                normal[max(0, onset - 120):onset].mean()):
            return kind, {"frozen": (onset, end)}
        kind = "url_explosion"
    if kind == "preload_stopped":
        changed = cache.entries(cache.purges, [(onset, end)], [], cache.unique)
        check = slice(onset, min(end, onset + 6 * 60))
        if changed[check].mean() < 0.8 * normal[check].mean():
            return kind, {"stopped": (onset, end)}
        kind = "purge_loop"
    if kind == "purge_loop":  # a hook purging everything on each of an import's updates
        looped = onset + np.cumsum(rng.uniform(2, 20, int((end - onset) / 2) + 1))
        looped = np.r_[onset, looped[looped < end]]
        changed = cache.entries(np.r_[cache.purges, looped], [], [], cache.unique)
        check = slice(onset + 10, min(end, onset + 60))
        if changed[check].mean() < 0.6 * normal[check].mean():
            return kind, {"purges": looped}
        kind = "url_explosion"
    # url_explosion: a bot busting the cache with query strings, filters crawled, UTM tags;
    # over by ``end`` once its last pages have expired
    end = max(onset + 30, end - int(min(cache.lifespan, DAY)))
    window = min(cache.lifespan, end - onset, rng.uniform(60, DAY))
    rate = rng.uniform(0.5, 4) * usual / cache.files / window
    unique = np.zeros(cache.span)
    unique[onset:end] = rate
    return kind, {"unique": unique}


def page_cache_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 2, 5, 5, 10]))
    stamps, at, grid = minute_grid(rng, step)
    rows = len(stamps)
    full = pd.date_range(grid[0] - pd.Timedelta(minutes=BURN_IN), periods=len(grid) + BURN_IN,
                         freq="min")
    at = at + BURN_IN
    cache = Cache(rng, full, name.startswith("fastcgi"))
    normal = cache.entries(cache.purges, [], [], cache.unique)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    # a preloader that can stop stops more often than a site without one would suggest
    kinds = common.kinds(rng, starts, CACHE_KINDS + CACHE_KINDS[3:] * cache.preload)
    if not np.isfinite(cache.lifespan):  # nothing expires: nothing for the collector to do
        kinds = ["url_explosion" if k == "gc_stopped" else k for k in kinds]
    runs = cache.preloads(cache.purges, [])
    runs = runs[runs >= BURN_IN]
    snap_onsets(("preload_stopped",), "unsnapped",
                np.unique(np.searchsorted(at, np.floor(runs))), starts, kinds, rows)
    others = CACHE_KINDS[:3] if np.isfinite(cache.lifespan) else CACHE_KINDS[:2]
    kinds = [str(rng.choice(others)) if k == "unsnapped" else k for k in kinds]  # no run near
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [bucket_start(at, row) for row in starts]
    purges, stopped, frozen, unique = cache.purges, [], [], cache.unique.copy()
    for i, (onset, later) in enumerate(zip(onsets, recovered_by(onsets, len(full)),
                                           strict=True)):
        if kinds[i] == "preload_stopped":  # the run that does not start
            onset = int(np.floor(runs[np.searchsorted(runs, onset)]))
        end = min(later, onset + int(rng.uniform(DAY, 4 * DAY) if kinds[i] in (
            "gc_stopped", "preload_stopped") else rng.uniform(60, 2 * DAY)))
        usual = max(float(np.median(normal[max(0, onset - 6 * 60):onset])), 20 * cache.files)
        kinds[i], change = _visible(rng, cache, kinds[i], onset, end, usual, normal)
        if "frozen" in change:
            frozen.append(change["frozen"])
        elif "stopped" in change:
            stopped.append(change["stopped"])
        elif "purges" in change:
            purges = np.r_[purges, change["purges"]]
        else:
            unique += change["unique"]
    files = cache.entries(purges, stopped, frozen, rng.poisson(unique))
    return SyntheticSeries(name, stamps, np.round(np.maximum(files[at], 0)), starts, kinds)
