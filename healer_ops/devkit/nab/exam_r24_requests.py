"""``synthNotFoundRatio`` and ``synthRestApi`` of the twenty-fourth exam families
(``exam_families_r24``): two readings of a WordPress site's access log. The share of requests
answered 404 mixes sources that miss at very different rates (visitors rarely, search engines'
crawlers on old URLs more often, scanners probing for backups and old plugins nearly always), so
it rises at night when the visitors sleep and spikes whenever a scanner passes; a window with
too few requests has no ratio. The REST API's requests come from visitors' pages (the Store
API's carts, search as you type), the editors' block editor in office hours, monitors and apps
polling at a steady rate and an integration syncing orders in batches on its own schedule."""

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
    first_week_minute,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY
NOT_FOUND_KINDS = ("permalinks_broken", "assets_missing", "url_structure_changed", "soft_404s")
REST_KINDS = ("api_scraping", "polling_bug", "api_blocked", "integration_stalled")


def gamma_poisson(rng: np.random.Generator, rate: np.ndarray, shape: float) -> np.ndarray:
    """Counts a minute: Poisson with a lumpy (gamma) rate, as visitors and bots come."""
    return rng.poisson(np.maximum(rate, 0) * rng.gamma(shape, 1 / shape, len(rate)))


def bursts(rng: np.random.Generator, span: int, per_day: tuple[float, float],
           minutes: tuple[float, float], rate: tuple[float, float]) -> np.ndarray:
    """Requests a minute of bursts (crawls, scans): ``per_day`` of them, lasting a log-uniform
    ``minutes``, at a log-uniform ``rate``."""
    out = np.zeros(span)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(*per_day) / DAY):
        length = int(np.exp(rng.uniform(*np.log(minutes))))
        out[start:start + length] += np.exp(rng.uniform(*np.log(rate)))
    return out


# ---------------------------------------------------------------- share of requests answered 404


class Sources:
    """Requests a minute to a site by source, and the share of each answered 404: visitors
    (broken links, a missing icon; more for minutes after a deploy while cached pages name old
    assets), crawlers (old URLs), bots and scanners probing paths that never existed. Of the
    visitors' and crawlers' 404s, ``static`` are answered by the web server itself (missing
    files), the rest by WordPress."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, per_minute: float
                 ) -> None:
        span = len(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        surge = decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY),
                         span, (0.5, 3), (60, 600))  # a newsletter, a post shared widely
        self.visitors = per_minute * load * (1 + surge)
        self.visitor_share = np.full(span, np.exp(rng.uniform(np.log(0.002), np.log(0.04))))
        for deploy in office_hour_rows(rng, grid, rng.uniform(0.1, 2)):
            since = np.arange(min(span - deploy, 30))
            self.visitor_share[deploy:deploy + len(since)] += rng.uniform(0.01, 0.15) * np.exp(
                -since / rng.uniform(2, 8))
        self.crawlers = per_minute * np.exp(rng.uniform(np.log(0.03), np.log(0.4))) * (
            1 + bursts(rng, span, (0.2, 2), (20, 240), (0.5, 4)))
        self.crawler_share = np.full(span, np.exp(rng.uniform(np.log(0.02), np.log(0.2))))
        self.static = rng.uniform(0.2, 0.7)
        self.shown_by_wordpress = np.ones(span)  # 0 where WordPress answers its 404s with 200
        self.bots = rng.uniform(0.02, 0.6) + bursts(rng, span, (0.3, 6), (2, 90), (2, 200))
        self.bot_share = np.clip(rng.uniform(0.3, 0.9) + 0.3 * (self.bots > 2), 0, 0.99)
        self.shape = rng.uniform(3, 30)

    def cut(self, end: int) -> None:
        """Keep the first ``end`` minutes."""
        for name in ("visitors", "visitor_share", "crawlers", "crawler_share",
                     "shown_by_wordpress", "bots", "bot_share"):
            setattr(self, name, getattr(self, name)[:end])

    def requests(self, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """Requests a minute of the visitors, the crawlers, the bots."""
        return (gamma_poisson(rng, self.visitors, self.shape),
                gamma_poisson(rng, self.crawlers, self.shape),
                gamma_poisson(rng, self.bots, 2.0))

    def not_found(self, rng: np.random.Generator, requests: tuple[np.ndarray, ...]
                  ) -> np.ndarray:
        shown = self.static + (1 - self.static) * self.shown_by_wordpress
        visitors, crawlers, bots = requests
        return (rng.binomial(visitors, np.clip(self.visitor_share * shown, 0, 1))
                + rng.binomial(crawlers, np.clip(self.crawler_share * shown, 0, 1))
                + rng.binomial(bots, self.bot_share))


def _log_windows(rng: np.random.Generator, window: int, rows: int, least: int
                 ) -> tuple[pd.DatetimeIndex, Sources, tuple[np.ndarray, ...], np.ndarray]:
    """(every minute, the sources, their requests a minute, the windows with a row), over as
    many days as ``rows`` windows with ``least`` requests take."""
    per_window = least * float(np.exp(rng.uniform(np.log(0.6), np.log(80))))
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, window))
    days = rows * window / DAY * 1.3
    while True:
        grid = pd.date_range(start, periods=int(days * DAY) // window * window, freq="min")
        sources = Sources(rng, grid, per_window / window)
        requests = sources.requests(rng)
        if rng.random() < 0.3:  # the log shipper down for hours: nothing counted
            lost = int(rng.integers(0, len(grid)))
            for counts in requests:
                counts[lost:lost + int(rng.uniform(60, 8 * 60))] = 0
        in_window = sum(requests).reshape(-1, window).sum(axis=1)
        shown = np.flatnonzero(in_window >= least)
        if len(shown) >= rows:
            end = (shown[rows - 1] + 1) * window
            sources.cut(end)
            return grid[:end], sources, tuple(c[:end] for c in requests), shown[:rows]
        days *= 1.5


def _seen_kind(kind: str, sources: Sources, onset: int, missing: float) -> str:
    """``kind``, or one the share would show: soft 404s where WordPress answers too few of the
    usual 404s (between scanners' bursts), and missing assets (``missing`` more of the visitors'
    requests answered 404) where that is under half the usual 404s, become other kinds."""
    day = slice(onset, onset + DAY)
    pages = (sources.visitor_share[day] * sources.visitors[day]
             + sources.crawler_share[day] * sources.crawlers[day])
    bots = sources.bot_share[day] * sources.bots[day]
    if kind == "soft_404s" and np.median(pages) * (1 - sources.static) < 0.2 * np.median(
            pages + bots):
        kind = "assets_missing"
    if kind == "assets_missing" and missing * np.median(sources.visitors[day]) < 0.5 * np.median(
            pages + bots):
        kind = "permalinks_broken"
    return kind


def _not_found_anomalies(rng: np.random.Generator, sources: Sources, onsets: list[int],
                         kinds: list[str]) -> None:
    """Change the sources' shares for the anomalies (in place)."""
    span = len(sources.visitors)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        missing = rng.uniform(0.03, 0.25)
        kinds[i] = _seen_kind(kinds[i], sources, onset, missing)
        if kinds[i] == "permalinks_broken":  # rewrite rules lost: every pretty URL is a 404
            inside = slice(onset, min(later, onset + int(np.exp(rng.uniform(np.log(10),
                                                                             np.log(8 * 60))))))
            sources.visitor_share[inside] = rng.uniform(0.3, 0.9)
            sources.crawler_share[inside] = rng.uniform(0.5, 0.95)
        elif kinds[i] == "assets_missing":  # uploads not copied by a migration or a deploy
            inside = slice(onset, min(later, onset + int(rng.uniform(2 * 60, 3 * DAY))))
            sources.visitor_share[inside] += missing
            sources.crawler_share[inside] += rng.uniform(0, 0.1)
        elif kinds[i] == "url_structure_changed":  # a relaunch without redirects
            since = np.arange(later - onset)
            sources.visitor_share[onset:later] += rng.uniform(0.03, 0.2) * np.exp(
                -since / rng.uniform(DAY, 5 * DAY))
            sources.crawler_share[onset:later] += rng.uniform(0.2, 0.5) * np.exp(
                -since / rng.uniform(3 * DAY, 10 * DAY))
        else:  # soft_404s: a theme's not-found template answers 200, until it is fixed
            sources.shown_by_wordpress[onset:min(later, onset + int(rng.uniform(DAY, 8 * DAY)))
                                       ] = 0.0


def not_found_ratio_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    window = int(rng.choice([1, 2, 5, 5, 10, 15]))
    rows = int(rng.integers(*common.ROWS_BY_STEP[window]))
    least = int(rng.choice([5, 10, 20, 50]))  # requests a window needs for a ratio
    grid, sources, requests, shown = _log_windows(rng, window, rows, least)
    stamps = grid[shown * window].as_unit("ns")
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, NOT_FOUND_KINDS, once="url_structure_changed")
    hours = hour_of_day(stamps)
    office = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18))
    snap_onsets(("url_structure_changed",), "assets_missing", office, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    _not_found_anomalies(rng, sources, [int(shown[s] * window) for s in starts], kinds)
    not_found = sources.not_found(rng, requests).reshape(-1, window).sum(axis=1)[shown]
    total = sum(requests).reshape(-1, window).sum(axis=1)[shown]
    if name.startswith("not_found_percent"):
        values = np.round(100 * not_found / total, 2)
    else:
        values = np.round(not_found / total, 4)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- REST API requests


class RestClients:
    """Requests a minute to /wp-json/ answered 2xx, by client: visitors' pages (following the
    visitors), the editors' block editor (weekday office hours, in sessions), monitors and
    apps polling at a steady rate, an integration syncing in batches every few minutes (and a
    full sync at night), crawlers following the API's links."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.2) / DAY),
                             span, (0.5, 3), (60, 600))  # a campaign, a post shared widely
        self.visitors = np.exp(rng.uniform(np.log(0.3), np.log(1500))) * load
        weekday = np.asarray(grid.day_of_week) < 5
        office = weekday * daily_cycle(hours, rng.uniform(10.5, 15), rng.uniform(2, 3.5))
        sessions = np.repeat(rng.gamma(1.0, 1.0, span // 15 + 1), 15)[:span]
        self.editors = np.exp(rng.uniform(np.log(0.2), np.log(40))) * office * sessions
        self.pollers = np.full(span, rng.uniform(0.2, 15))
        self.crawlers = bursts(rng, span, (0.2, 3), (10, 180), (0.5, 30))
        self.sync = self._sync(rng, grid) if rng.random() < 0.7 else np.zeros(span)
        self.shape = rng.uniform(5, 30)

    def _sync(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
        """An ERP's or a marketplace's sync: a batch of pages every few minutes, its full sync
        at night."""
        sync = np.zeros(self.span)
        period = int(rng.choice([5, 10, 15, 30, 60]))
        batch = np.exp(rng.uniform(np.log(5), np.log(400)))
        spread = int(rng.integers(1, 4))
        for tick in range(int(rng.integers(period)), self.span, period):
            sync[tick:tick + spread] += batch / spread * rng.lognormal(0, 0.3)
        if rng.random() < 0.5:
            for start in common.daily_rows(grid, rng.uniform(1, 5)):
                length = int(rng.uniform(20, 90))
                sync[start:start + length] += batch * rng.uniform(20, 300) / length
        return sync

    def requests(self, rng: np.random.Generator, visitor_scale: np.ndarray, anonymous: np.ndarray,
                 syncing: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """Requests a minute; ``visitor_scale``: the visitors' pages' requests per usual one;
        ``anonymous``: 0 where requests without a login are refused; ``syncing``: 0 where the
        integration's are; ``extra``: a scraper's."""
        open_to_all = (self.visitors * visitor_scale + self.pollers + self.crawlers + extra)
        return (gamma_poisson(rng, open_to_all * anonymous, self.shape)
                + gamma_poisson(rng, self.editors, 1.5)
                + rng.poisson(self.sync * syncing))


def _rest_anomalies(rng: np.random.Generator, clients: RestClients, onsets: list[int],
                    kinds: list[str]) -> tuple[np.ndarray, ...]:
    span = clients.span
    scale, anonymous, syncing, extra = (np.ones(span), np.ones(span), np.ones(span),
                                        np.zeros(span))
    total = clients.visitors + clients.pollers + clients.crawlers + clients.editors + clients.sync
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        day, hour = slice(max(0, onset - DAY), onset), slice(onset, onset + 60)
        logged_in = (clients.editors[hour].sum() + clients.sync[hour].sum()) / total[hour].sum()
        if kinds[i] == "api_blocked" and logged_in > 0.4:
            kinds[i] = "api_scraping"  # much of it logged in then: a block changes little
        hours = slice(onset, onset + 6 * 60)
        if kinds[i] == "integration_stalled" and clients.sync[hours].sum() < 0.2 * total[
                hours].sum():
            kinds[i] = "polling_bug"  # no integration, or too small a part to be missed
        if kinds[i] == "api_scraping":  # paging through posts, products or users
            end = min(later, onset + int(np.exp(rng.uniform(np.log(15), np.log(6 * 60)))))
            rate = min(max(rng.uniform(0.5, 6) * np.median(total[day]), rng.uniform(5, 30)),
                       rng.uniform(300, 1500))  # a scraper's pace: a few to 25 a second
            extra[onset:end] = rate * rng.lognormal(0, 0.2, end - onset)
        elif kinds[i] == "polling_bug":  # a release polling far too often while pages are open
            scale[onset:min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))] = (
                1 + rng.uniform(0.7, 3))
        elif kinds[i] == "api_blocked":  # a security rule refusing requests without a login
            anonymous[onset:min(later, onset + int(rng.uniform(60, 3 * DAY)))] = 0.0
        else:  # integration_stalled: its application password revoked, its job crashed
            syncing[onset:min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))] = 0.0
    return scale, anonymous, syncing, extra


def rest_api_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5, 10]))
    stamps, at, grid = minute_grid(rng, step)
    clients = RestClients(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, REST_KINDS)
    onsets = [int(at[row]) for row in starts]
    counts = clients.requests(rng, *_rest_anomalies(rng, clients, onsets, kinds))
    answered = np.r_[0, np.cumsum(counts)]
    per_minute = (answered[at + 1] - answered[at + 1 - step]) / step
    return SyntheticSeries(name, stamps, np.round(per_minute, 2), starts, kinds)
