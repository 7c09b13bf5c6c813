"""Eighteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: the excess of a few clients over
a per-client limit (not a share of the traffic: nothing at all until one key crosses its
rate), the age of a cached page (a saw rising exactly one second a second, reset by expiry,
purges and evictions, interleaved when the probe rotates over caches), a ratio of two sums
over a mix of request kinds (queries per request: cheap heartbeats and ajax calls dilute it,
rare heavy cron runs spike it when few requests share a bucket) and one row per event whose
value is a sum of a basket at price points (an order's total: shipping below a threshold,
customers topping up to it, renewals at fixed totals).

- ``synthRateLimited``: requests nginx's limit_req rejected (429 or 503) per 1-15 minute
  bucket, from the error log's "limiting requests" lines or the access log's statuses
  (``exam_r18_edge``). Normal: page views' rare bursts over the zone's burst (reloads,
  prefetching, many tabs opened), offices and carriers' NATs sharing an address over the limit
  at their peaks, crawlers over the rate (polite ones slowing down after the first 429s,
  others for their whole crawl), brute-force bots at the login zone's stricter limit (cut
  short by fail2ban in some files), many zero buckets on quiet sites. Anomalies: the real IP
  lost (set_real_ip_from dropped in a CDN or load balancer change: every visitor keyed by a
  proxy's address, so rejections follow the visitors, heavy at the peaks, until it is
  reverted: a quarter of an hour to hours, by morning at night), the limit tightened (the
  zone applied to static files with its burst cut: every first view's assets over the burst
  rejected, as long), a scraper hammering (one client far over the rate ignoring the 429s
  for an hour to half a day, day or night), the limiter removed (its include lost in a config
  refactor: nothing rejected for half a day to days).
- ``synthCdnAge``: the Age header (seconds) of the home page as an uptime probe reads it every
  1-10 minutes through a CDN or Varnish, from one cache or 2-4 regions in rotation
  (``exam_r18_edge``). Normal: the age rising with the clock from each fetch, reset when the
  TTL (5 minutes to 30 days) runs out and a request comes (at once on a busy cache, at the
  probe's own request on a quiet one), by editors' purges in office hours, scheduled posts,
  deploys, stock changes and a page cache's lifespan, by a cold page evicted on quiet caches;
  stale-while-revalidate showing one probe just past the TTL. Anomalies: the origin
  unreachable (the page served stale past its TTL, rising until the origin is back, within
  the hour once the grace runs out and the probe gets errors: no rows), the cache bypassed (a
  Set-Cookie after a deploy: Age 0 on every probe for an hour to days), purges failing (the
  purge API's token expired, from the first purge missed on a workday: the page ages towards
  its long TTL for half a day to days), a purge storm (a plugin purging the page every minute
  or few: the age never past minutes, for an hour to two days).
- ``synthQueriesPerRequest``: database queries per PHP request (an APM's database calls per
  transaction, or a query logger's mean) per 1-15 minute bucket with requests. Normal: front
  pages that miss the page cache, carts and checkouts, admin pages of editors in office hours
  (heavy), the heartbeat of their open tabs and the front end's ajax calls (cheap), bots on
  uncached URLs, WP-cron's runs (a heavy one now and then: at night a bucket's mean is a few
  requests'), a nightly import in some files, the object cache flushed at deploys and updates
  (a spike decaying as it warms), updates changing a kind's queries for good. Anomalies: the
  object cache down (Redis unreachable, WordPress falling back to the database: several times
  the queries for an hour to days), a query loop added (an update querying once per listed
  item on a page kind: higher from now on), a faceted crawl (a bot crawling a shop's filters or
  deep search pages, each a heavy uncached query, for hours, day or night), an ajax polling
  loop (a script calling admin-ajax every few seconds from every open tab: floods of cheap
  requests, the mean falling, for hours to days).
- ``synthOrderTotals``: the total of each WooCommerce order (gross, with shipping and tax), a
  row at the second each order is placed (irregular: seconds apart at a sale's peak, hours
  at night). Normal: baskets of one to a few products at the shop's price points (a few sell
  most), a flat shipping fee below a free-shipping threshold and customers adding an item to
  reach it (a pile just above it), coupons, gift cards at round amounts, a B2B order of many
  items now and then, sales of days (everything a share off, more orders), newsletters,
  subscription renewals in a nightly batch at a few fixed totals in some shops. Anomalies: a
  price error (a product's price missing a digit after an edit or an import: its orders at
  the wrong price, deal hunters flooding in for the half hour to hours until it is fixed), a
  coupon leak (a large-discount code on a deal forum: many orders at shipping only or a
  fraction of their worth, for hours), card testing (bots ordering the cheapest product with
  stolen cards, one order after another for half an hour to hours), shipping not charged (a
  shipping zone broken by an update: every order without its fee, and no one topping up, for
  hours to days).

An anomaly that would not show where it starts (too small a site to trip a limit through a
proxy, a TTL short enough to hide failed purges, no object cache to lose, no shipping fee)
becomes one of its family's kinds that would; every anomaly is over before the next starts.
Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r18_edge import cdn_age_series, over_by, rate_limited_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    first_week_minute,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R18 = ("synthRateLimited", "synthCdnAge", "synthQueriesPerRequest",
                     "synthOrderTotals")
FILES_PER_FAMILY = {"synthRateLimited": 9, "synthCdnAge": 9, "synthQueriesPerRequest": 9,
                    "synthOrderTotals": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthRateLimited": frozenset({"real_ip_lost", "limit_tightened", "scraper_hammering",
                                   "limiter_removed"}),
    "synthCdnAge": frozenset({"origin_unreachable", "cache_bypassed", "purges_failing",
                              "purge_storm"}),
    "synthQueriesPerRequest": frozenset({"object_cache_down", "query_loop_added",
                                         "faceted_crawl", "ajax_polling_loop"}),
    "synthOrderTotals": frozenset({"price_error", "coupon_leak", "card_testing",
                                   "shipping_not_charged"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
# An order a row: a shop's quiet hours are gaps of many of its median steps in every file.
FAMILIES_WITHOUT_HOLES = ("synthOrderTotals",)
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- queries per PHP request

QUERY_KINDS = ("query_loop_added", "object_cache_down", "ajax_polling_loop", "faceted_crawl")
KINDS = ("page", "shop", "ajax", "admin", "heartbeat", "bots", "cron", "import", "crawl",
         "poll")


class PhpRequests:
    """A site's PHP requests a minute by kind, and the queries a request of each kind makes
    with the object cache warm and cold (``scale`` and ``extra`` change them over time)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))
        self.views = float(np.exp(rng.uniform(np.log(2), np.log(1500)))) * load
        page_hit = rng.uniform(0.5, 0.95) if rng.random() < 0.8 else 0.0
        self.cached = bool(rng.random() < 0.7)  # a persistent object cache
        editors = int(rng.integers(0, 12))
        office = editors * (np.asarray(grid.day_of_week) < 5) * daily_cycle(
            hours, rng.uniform(10, 15), 2.5)
        tabs = office * rng.uniform(1, 3) + editors * rng.uniform(0, 0.3)  # some left open
        cron = common.runner_minutes(rng, grid, (0.2, 20)).astype(float)
        nightly = np.zeros(span)
        if rng.random() < 0.5:  # a nightly import or sitemap job: long requests
            for start in common.daily_rows(grid, rng.uniform(0, 6)):
                nightly[start:start + int(rng.uniform(10, 60))] = 1
        zero = np.zeros(span)
        bots = float(np.exp(rng.uniform(np.log(0.2), np.log(30))))
        self.rates = np.array([
            self.views * (1 - page_hit), self.views * rng.uniform(0.02, 0.1) * (
                rng.random() < 0.5), self.views * rng.uniform(0, 1.5),
            office * rng.uniform(0.3, 1.5), tabs * 60 / rng.choice([15, 60, 120]),
            bots * np.exp(0.4 * common.wander(rng, span, 3 * DAY)), cron, nightly, zero, zero])
        self.cold = np.array([rng.uniform(30, 150), rng.uniform(120, 320), rng.uniform(4, 25),
                              rng.uniform(150, 500), rng.uniform(3, 12), rng.uniform(20, 80),
                              rng.lognormal(np.log(30), 0.5), rng.uniform(300, 3000), 1, 1])
        self.warm = self.cold * np.r_[rng.uniform(0.1, 0.35), rng.uniform(0.3, 0.6),
                                      rng.uniform(0.3, 0.7, 2), rng.uniform(0.3, 0.7),
                                      rng.uniform(0.3, 0.6), rng.uniform(0.2, 0.6), 0.9, 1, 1]
        self.spread = np.r_[rng.uniform(0.3, 1, 6), rng.uniform(1, 2), 0.5, 0.3, 0.3]
        self.scale = np.ones((len(KINDS), span))
        self.extra = np.zeros((len(KINDS), span))
        self.warmth = self._updates(rng, grid)

    def _updates(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
        """Deploys and plugin updates (office hours, auto-updates some nights): most flush the
        object cache (warm again over minutes), some change a kind's queries for good."""
        updates = list(office_hour_rows(rng, grid, rng.uniform(0.2, 2)))
        if rng.random() < 0.6:
            nights = common.daily_rows(grid, rng.uniform(0, 6))
            updates += list(nights[rng.random(len(nights)) < rng.uniform(0.05, 0.3)])
        since = np.full(self.span, 1e9)
        for update in sorted(int(u) for u in updates):
            if rng.random() < 0.7:
                since[update:] = np.arange(self.span - update)
            if rng.random() < 0.5:
                self.scale[int(rng.integers(0, 6)), update:] *= rng.lognormal(0, 0.15)
        return 1 - np.exp(-since / rng.uniform(3, 40))

    def per_request(self, down: np.ndarray) -> np.ndarray:
        """Mean queries of a request of each kind a minute (kinds x minutes); ``down``: the
        minutes the object cache is unreachable."""
        warmth = self.warmth * ~down if self.cached else np.zeros(self.span)
        return (self.warm[:, None] + (self.cold - self.warm)[:, None] * (1 - warmth)
                ) * self.scale + self.extra

    def drawn(self, rng: np.random.Generator, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(queries, requests) a minute: every request makes one query at least (the
        autoloaded options, a session's lookup)."""
        requests = rng.poisson(self.rates)
        cv2 = (self.spread ** 2)[:, None]
        queries = rng.gamma(np.maximum(requests / cv2, 1e-9), self.per_request(down) * cv2)
        return np.maximum(queries, requests).sum(axis=0), requests.sum(axis=0)


def _query_anomalies(rng: np.random.Generator, php: PhpRequests, onsets: list[int],
                     kinds: list[str]) -> np.ndarray:
    """The minutes the object cache is down; the other anomalies change ``php``."""
    span = php.span
    down = np.zeros(span, bool)
    crawl, poll = KINDS.index("crawl"), KINDS.index("poll")
    for i, (onset, later) in enumerate(zip(onsets, over_by(onsets, span), strict=True)):
        before = slice(max(0, onset - 6 * 60), onset)
        rates = php.rates[:, before]
        requests = rates.sum(axis=0)
        usual = float((rates * php.per_request(down)[:, before]).sum() / max(requests.sum(),
                                                                             1e-9))
        # a loop on the front pages, the shop's pages or the admin's lists, by their queries
        weights = (rates[[0, 1, 3]] * php.cold[[0, 1, 3], None]).sum(axis=1) + 1e-9
        looped = int(rng.choice([0, 1, 3], p=weights / weights.sum()))
        share = rates[looped].sum() / max(requests.sum(), 1e-9)
        added = max(php.cold[looped] * rng.uniform(0.3, 2), 0.2 * usual / max(share, 1e-9))
        polled = rng.uniform(2, 6)
        shows = {"object_cache_down": php.cached,  # else nothing cached to lose
                 # else too few requests of that kind to move the mean
                 "query_loop_added": added <= 6 * php.cold[looped] and "query_loop_added"
                 not in kinds[:i],
                 "ajax_polling_loop": polled <= 0.4 * usual,  # else as cheap as the usual
                 "faceted_crawl": True}
        kinds[i] = next(kind for kind in (kinds[i], *QUERY_KINDS) if shows[kind])
        if kinds[i] == "object_cache_down":
            down[onset:min(later, onset + int(rng.uniform(60, 3 * DAY)))] = True
        elif kinds[i] == "query_loop_added":  # a query per listed item, from now on
            php.extra[looped, onset:] += added
        elif kinds[i] == "faceted_crawl":  # filters' combinations, each uncached and heavy
            end = min(later, onset + int(rng.uniform(2 * 60, DAY)))
            php.rates[crawl, onset:end] = max(float(np.median(requests)), 0.5) * rng.uniform(
                0.5, 3)
            php.scale[crawl, onset:end] = usual * rng.uniform(2.5, 8)
        else:  # ajax_polling_loop: every open tab calling every few seconds
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            php.rates[poll, onset:end] = php.views[onset:end] * rng.uniform(
                0.5, 3) * rng.uniform(2, 20)
            php.scale[poll, onset:end] = polled
    return down


def queries_per_request_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    php = PhpRequests(rng, grid)
    starts = common.spaced_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, QUERY_KINDS, once="query_loop_added")
    down = _query_anomalies(rng, php, [int(at[s]) for s in starts], kinds)
    queries, requests = php.drawn(rng, down)
    summed_q, summed_n = np.r_[0, np.cumsum(queries)], np.r_[0, np.cumsum(requests)]
    in_bucket = summed_n[at + 1] - summed_n[at + 1 - step]
    mean = (summed_q[at + 1] - summed_q[at + 1 - step]) / np.maximum(in_bucket, 1)
    stamps, values, starts = common.keep_rows(stamps, np.round(mean, 2), in_bucket > 0, starts)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- order totals


@dataclass
class Orders:
    """Orders: each one's time (seconds), the item a customer added to reach free shipping
    (0: none), the share off its items, a total set outright (NaN: computed), whether it is
    charged shipping below the threshold; and their lines' order, product, unit price,
    quantity."""

    times: np.ndarray
    top_up: np.ndarray
    discount: np.ndarray
    fixed: np.ndarray
    shipped: np.ndarray
    line_order: np.ndarray
    line_product: np.ndarray
    line_price: np.ndarray
    line_qty: np.ndarray

    def __add__(self, other: Orders) -> Orders:
        fields = {name: np.r_[getattr(self, name), getattr(other, name)]
                  for name in self.__dataclass_fields__}
        fields["line_order"] = np.r_[self.line_order, other.line_order + len(self.times)]
        return Orders(**fields)


class Shop:
    """A WooCommerce shop: its products at price points (a few sell most), lines and
    quantities an order, a flat shipping fee below a free-shipping threshold (customers short
    of it add an item), tax added at checkout (or included in the prices), coupons, gift
    cards at round amounts, B2B orders of many items."""

    def __init__(self, rng: np.random.Generator) -> None:
        count = int(rng.integers(20, 400))
        raw = float(np.exp(rng.uniform(np.log(6), np.log(90)))) * rng.lognormal(0, 0.8, count)
        cents = float(rng.choice([0.99, 0.95, 0.9, 0.0]))
        self.prices = np.maximum(np.floor(raw) + cents, 1.0 if cents == 0 else cents)
        weights = 1 / np.arange(1, count + 1) ** rng.uniform(0.6, 1.3)
        self.popularity = rng.permutation(weights / weights.sum())
        self.fee = float(rng.choice([0, 3.9, 4.95, 5.9, 6.9, 7.95]))
        self.free_from = float(rng.choice([np.inf, 29, 39, 49, 50, 75, 100]))
        self.tax = float(rng.choice([0, 0, 0.07, 0.0825, 0.2]))
        self.lines = rng.uniform(0.2, 1.2)
        self.topping = rng.uniform(0.2, 0.6)
        self.coupons = rng.uniform(0, 0.15)
        self.coupon_off = float(rng.choice([0.1, 0.15, 0.2]))
        self.bulk = rng.uniform(0, 0.01)
        self.gifts = rng.uniform(0.01, 0.05) if rng.random() < 0.3 else 0.0

    def basket(self, rng: np.random.Generator, times: np.ndarray, discount: np.ndarray,
               product: int | None = None) -> Orders:
        """Orders placed at ``times`` with ``discount`` off their items: the shop's usual
        baskets, or ``product`` alone (a few of it) when given."""
        n = len(times)
        lines = np.ones(n, int) if product is not None else 1 + rng.poisson(self.lines, n)
        order = np.repeat(np.arange(n), lines)
        if product is None:
            products = rng.choice(len(self.prices), len(order), p=self.popularity)
            qty = rng.choice([1, 2, 3], len(order), p=[0.87, 0.1, 0.03])
            first = np.r_[0, np.cumsum(lines)[:-1]]
            bulk = rng.random(n) < self.bulk
            qty[first[bulk]] = rng.integers(10, 50, bulk.sum())
        else:
            products = np.full(len(order), product)
            qty = rng.integers(1, 6, len(order))
        prices = self.prices[products]
        items = np.bincount(order, prices * qty, minlength=n)
        short = self.free_from - items
        top_up = np.zeros(n)
        wants = (short > 0) & (short < 0.3 * self.free_from) & (rng.random(n) < self.topping)
        for i in np.flatnonzero(wants & (product is None)):
            enough = np.flatnonzero(self.prices >= short[i])
            if len(enough):
                weights = self.popularity[enough]
                top_up[i] = self.prices[rng.choice(enough, p=weights / weights.sum())]
        coupon = rng.random(n) < self.coupons
        discount = 1 - (1 - discount) * (1 - self.coupon_off * coupon)
        fixed = np.full(n, np.nan)
        gift = rng.random(n) < (self.gifts if product is None else 0)
        fixed[gift] = rng.choice([25, 50, 100, 150], gift.sum())
        return Orders(times, top_up, discount, fixed, ~gift, order, products, prices, qty)

    def items(self, orders: Orders) -> np.ndarray:
        """Each order's items before discounts, shipping and tax."""
        return np.bincount(orders.line_order, orders.line_price * orders.line_qty,
                           minlength=len(orders.times)) + orders.top_up

    def totals(self, orders: Orders) -> np.ndarray:
        items = self.items(orders)
        fee = np.where(orders.shipped & (items < self.free_from), self.fee, 0.0)
        total = np.round((items * (1 - orders.discount) + fee) * (1 + self.tax), 2)
        return np.where(np.isnan(orders.fixed), total, orders.fixed)


def renewals(rng: np.random.Generator, times: np.ndarray, totals: np.ndarray) -> Orders:
    """Orders of subscriptions renewed at ``times``, each at one of the plans' ``totals``."""
    n = len(times)
    none = np.zeros(0)
    return Orders(times, np.zeros(n), np.zeros(n), rng.choice(totals, n), np.zeros(n, bool),
                  none.astype(int), none.astype(int), none, none.astype(int))


def _placed(rng: np.random.Generator, rows: int) -> tuple[pd.Timestamp, np.ndarray, np.ndarray,
                                                           np.ndarray]:
    """(the file's start, seconds of ``rows`` orders placed, each one's sale discount, orders
    a minute expected): the shop's day and week, newsletters, sales of days."""
    per_day = float(np.exp(rng.uniform(np.log(60), np.log(240))))
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
    days = rows / per_day * 1.3 + 2
    while True:
        grid = pd.date_range(start, periods=int(days * DAY), freq="min")
        span = len(grid)
        rate = per_day / DAY * common.traffic(grid, rng) * np.exp(
            0.3 * common.wander(rng, span, 3 * DAY))
        rate *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.3)), span,
                             (0.5, 4), (60, 600))  # newsletters
        sale = np.zeros(span)
        for day in rng.choice(span // DAY, int(rng.choice([0, 0, 1, 2])), replace=False):
            first = day * DAY + int(rng.choice([0, 9 * 60]))
            last = min(span, first + int(rng.uniform(1, 4) * DAY))
            sale[first:last] = rng.uniform(0.1, 0.4)
            rate[first:last] *= 1 + rng.uniform(0.5, 2) * np.exp(-np.arange(last - first)
                                                                  / rng.uniform(360, 2 * DAY))
        counts = rng.poisson(rate)
        if counts.sum() >= rows:
            minute = np.repeat(np.arange(span), counts)[:rows]
            return grid[0], 60 * (minute + rng.random(rows)), sale[minute], rate
        days *= 1.5


def _extra_times(rng: np.random.Generator, onset: float, end: float, peak: float,
                 ramp: float, most: int) -> np.ndarray:
    """Seconds of orders from ``onset`` to ``end`` at ``peak`` a minute, reached over ``ramp``
    minutes, at most ``most`` of them."""
    minutes = max(int((end - onset) / 60), 1)
    counts = rng.poisson(peak * np.minimum((np.arange(minutes) + 1) / ramp, 1))
    times = onset + 60 * (np.repeat(np.arange(minutes), counts) + rng.random(counts.sum()))
    times = times[times > onset]
    if len(times) > most:
        times = np.sort(rng.choice(times, most, replace=False))
    return times


def _missing_digit(price: float) -> float:
    """The price with its first digit lost (24.99 as 4.99, 129.00 as 29.00, 8.99 as 0.99)."""
    whole = int(price)
    return round(whole % 10 ** (len(str(whole)) - 1) + price - whole, 2) or round(price / 10, 2)


def _order_anomalies(rng: np.random.Generator, shop: Shop, orders: Orders, rate: np.ndarray,
                     onsets: list[float], kinds: list[str], most: int) -> Orders:
    """The normal ``orders`` changed by the anomalies, with the orders they add."""
    extra = []
    charged = orders.shipped & (shop.items(orders) < shop.free_from)
    for i, (onset, later) in enumerate(zip(onsets, over_by(onsets, np.inf), strict=True)):
        usual = float(rate[int(onset // 60)])  # orders a minute at the onset
        if kinds[i] == "shipping_not_charged" and (shop.fee == 0 or charged.mean() < 0.3):
            kinds[i] = "price_error"  # too few orders paying a fee to lose
        if kinds[i] == "price_error":  # a digit lost: its orders at the wrong price
            end = min(later, onset + 60 * rng.uniform(30, 8 * 60))
            product = int(rng.choice(len(shop.prices), p=shop.popularity))
            wrong = _missing_digit(float(shop.prices[product]))
            inside = (orders.times[orders.line_order] >= onset) & (
                orders.times[orders.line_order] < end) & (orders.line_product == product)
            orders.line_price[inside] = wrong
            times = _extra_times(rng, onset, end, max(usual, 0.05) * rng.uniform(2, 10),
                                 rng.uniform(10, 60), most)
            extra.append(shop.basket(rng, times, np.zeros(len(times)), product))
            extra[-1].line_price[:] = wrong
        elif kinds[i] == "coupon_leak":  # shipping only, or a large share off
            end = min(later, onset + 60 * rng.uniform(60, 12 * 60))
            off = float(rng.choice([1.0, 1.0, 0.5, 0.7, 0.9]))
            times = _extra_times(rng, onset, end, max(usual, 0.05) * rng.uniform(1, 5),
                                 rng.uniform(10, 60), most)
            extra.append(shop.basket(rng, times, np.full(len(times), off)))
            inside = (orders.times >= onset) & (orders.times < end)
            orders.discount[inside & (rng.random(len(inside)) < rng.uniform(0.3, 0.8))] = off
        elif kinds[i] == "card_testing":  # the cheapest product, one order after another
            end = min(later, onset + 60 * rng.uniform(30, 6 * 60))
            times = _extra_times(rng, onset, end, rng.uniform(0.2, 2), 1, most)
            cheapest = int(np.argsort(shop.prices)[int(rng.integers(0, 3))])
            extra.append(shop.basket(rng, times, np.zeros(len(times)), cheapest))
            extra[-1].line_qty[:] = 1
            extra[-1].shipped[:] = rng.random() < 0.5  # a virtual product ships nothing
        else:  # shipping_not_charged: a zone broken, no fee and no one topping up
            end = min(later, onset + 60 * rng.uniform(6 * 60, 3 * DAY))
            inside = (orders.times >= onset) & (orders.times < end)
            orders.shipped[inside] = False
            orders.top_up[inside] = 0
    for added in extra:
        orders = orders + added
    return orders


def order_totals_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    shop = Shop(rng)
    start, times, sale, rate = _placed(rng, int(rng.integers(2500, 9000)))
    orders = shop.basket(rng, times, sale)
    if rng.random() < 0.3:  # subscriptions renewed in a nightly batch
        plans = np.round(rng.choice([9.99, 14.9, 19.0, 24.99, 29.9, 49.0], int(
            rng.integers(1, 4)), replace=False) * (1 + shop.tax), 2)
        batch = 60 * rng.uniform(0, 6 * 60)
        days = np.arange(int(times[-1] // (DAY * 60)) + 1) * DAY * 60.0 + batch
        count = rng.poisson(len(times) / len(days) * rng.uniform(0.02, 0.08), len(days))
        renewed = np.repeat(days, count) + rng.uniform(0, 20 * 60, count.sum())
        orders = orders + renewals(rng, renewed[renewed < times[-1]], plans)
    normal = len(orders.times)
    # the anomalies add at most 60% to the rows: onsets past 24% of the normal rows stay past
    # 15% of them all, and onsets twice NAB's room apart keep their windows apart
    head = math.ceil(0.11 * normal)
    starts = [head + s for s in common.spaced_starts(rng, normal - head, anomaly_count(
        rng, common.ANOMALY_COUNTS))]
    kinds = common.kinds(rng, starts, ("price_error", "coupon_leak", "card_testing",
                                       "shipping_not_charged"))
    onsets = [float(t) for t in np.sort(orders.times)[starts]]
    orders = _order_anomalies(rng, shop, orders, rate, onsets, kinds, int(0.15 * normal))
    totals = shop.totals(orders)
    order = np.argsort(orders.times, kind="stable")
    seconds, totals = orders.times[order], totals[order]
    rows = [int(np.searchsorted(seconds, onset)) for onset in onsets]
    whole = np.floor(seconds).astype(np.int64)
    ranks = np.arange(len(whole))
    whole = np.maximum.accumulate(whole - ranks) + ranks  # one order a second at most
    stamps = pd.DatetimeIndex(start + pd.to_timedelta(whole, unit="s")).as_unit("ns")
    return SyntheticSeries(name, stamps, totals, rows, kinds)


GENERATORS = {"synthRateLimited": rate_limited_series, "synthCdnAge": cdn_age_series,
              "synthQueriesPerRequest": queries_per_request_series,
              "synthOrderTotals": order_totals_series}
STEMS = {"synthRateLimited": ("nginx_limit_req_rejected", "http_429_responses"),
         "synthCdnAge": ("cdn_age_header_seconds", "varnish_object_age_seconds"),
         "synthQueriesPerRequest": ("db_queries_per_request", "apm_db_calls_per_transaction"),
         "synthOrderTotals": ("woocommerce_order_total", "shop_order_total_gross")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R18, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1800)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
