"""Twenty-seventh exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a sparse count whose bursts are
the certificates issued 60 days before, sent when a timer fires (so the rhythm is the
client's schedule and the size an echo of the past, not the visitors), a gauge of a cache that
fills by popularity (the popular pages at once, the long tail over days) and is emptied whole
by purges or cut back by its collector at fixed minutes, a count of requests made mostly by
machines polling on their own clocks (a comb on the hour's multiples, aggregators' trains, a
burst when a post is pushed, little of the visitors' day), and a share of the requests whose
level is set by who asks (browsers on HTTP/3, bots and scripts never), lowered in office hours
where company firewalls block UDP, and as noisy as the requests are few.

- ``synthAcmeOrders``: ACME new-order requests a hosting platform's certificate client sends
  (certbot's or the platform's own, from its logs) per 1-15 minute bucket
  (``exam_r27_acme``). Normal: each certificate renewed when 30 of its 90 days are left, at
  the next run of a twice-daily timer with a random delay, a daily or hourly cron job (a
  burst as long as the run's list, orders one after another) or at its moment by a
  controller; cohorts of past migrations coming due together; a run skipped while the last
  one still orders; a few domains gone elsewhere failing at every run; renewals failing now
  and then and retried at the next run; new sites in office hours, the ones whose DNS does
  not point here yet retried with a doubling delay for hours. Anomalies: the timer stopped
  (an OS upgrade disabling it: the runs' bursts gone for days, then the backlog renewed at
  once when someone runs it by hand), a retry storm (hostnames failing validation retried
  every few minutes day and night), a mass reissue (a CA's revocation or a move to new
  servers: every certificate ordered again, at the client's pace), forced renewals
  (--force-renewal left in the cron line, renew_before past the lifetime: every certificate
  at every run, or a controller renewing in a loop).
- ``synthPageCacheFiles``: files in a WordPress page cache's directory (WP Super Cache, WP
  Rocket: the HTML, its gzip and mobile copies), or keys in nginx's fastcgi_cache, every 1-10
  minutes (``exam_r27_pagecache``). Normal: pages cached at their first view (the popular at
  once, the long tail slowly), crawlers taking pages evenly, garbage collection every 10 or 60
  minutes deleting what is older than the lifespan (a saw-tooth; nginx drops keys unread for
  its inactive time), full purges at deploys and plugin updates and nightly auto-updates, a
  preloader on many sites running through the sitemap after each purge and again as its pages
  expire (a warmer daily for nginx), saves purging a post and its archives, campaign links
  whose parameters make pages of their own. Anomalies:
  a purge loop (a hook purging everything at every update of an import: the cache near empty
  for hours), a URL explosion (a bot busting the cache with query strings, filters crawled:
  a new entry per request), garbage collection stopped (its cron event lost: expired files
  piling up, the long tail creeping in for days), the preloader stopped (a sitemap moved or its
  requests blocked: after a purge the cache refills only as visitors come, expired pages are
  not cached again, the warmer's rise does not come).
- ``synthFeedFetches``: requests for a site's feeds (RSS, Atom, a podcast's) per 1-5 minutes.
  Normal: aggregators polling every 15 minutes to 12 hours on their own clocks (trains),
  self-hosted readers and other sites' cron jobs on the hour and its halves and quarters (a
  comb), readers' apps opened through the day, a push when a post is published (WebSub:
  subscribers fetching within minutes), crawlers and widgets at a steady trickle. Anomalies:
  a runaway poller (a broken reader or a monitor fetching every few seconds for hours to
  days), a redirect loop (a changed site URL sending the feed to itself: every fetch
  followed by 5 or 20 redirects), clients blocked (a new bot rule challenging data centres'
  addresses: the aggregators and servers' readers gone, the apps left, for half a day to
  days), a scraper swarm (many addresses fetching every minute for minutes to hours).
- ``synthHttp3Share``: the share of a site's requests served over HTTP/3 (QUIC), in percent
  or as a ratio, per 2-15 minute bucket. Normal: browsers that learnt the Alt-Svc header use
  it (a first view of a visit over TCP), bots, uptime checks and scripts never; company
  networks blocking UDP in office hours on business sites, phones on carriers throttling it in
  the evening, crawls of hours lowering the share, browsers marking QUIC broken for minutes
  after a network blip, the share as noisy as the bucket's requests are few (nights).
  Anomalies: UDP blocked (a firewall rule or security group change: the share near zero
  within minutes, until reverted), the Alt-Svc header lost (a config reload, a plugin
  rewriting headers: first visits at once and then the returning browsers as their cached
  entries expire over a day or more), QUIC partly broken (a kernel or library update, a
  path with a smaller MTU: a share of handshakes failing, browsers falling back), an HTTP/1
  flood (a credential-stuffing or scraping flood of scripts diluting the share).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r27_acme import (
    ACME_KINDS,
    acme_orders_series,
    bucket_start,
    recovered_by,
)
from healer_ops.devkit.nab.exam_r27_pagecache import CACHE_KINDS, page_cache_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R27 = ("synthAcmeOrders", "synthPageCacheFiles", "synthFeedFetches",
                     "synthHttp3Share")
FILES_PER_FAMILY = {"synthAcmeOrders": 9, "synthPageCacheFiles": 9, "synthFeedFetches": 9,
                    "synthHttp3Share": 8}
FEED_KINDS = ("runaway_poller", "redirect_loop", "clients_blocked", "scraper_swarm")
HTTP3_KINDS = ("udp_blocked", "alt_svc_lost", "quic_partly_broken", "http1_flood")
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthAcmeOrders": frozenset(ACME_KINDS),
    "synthPageCacheFiles": frozenset(CACHE_KINDS),
    "synthFeedFetches": frozenset(FEED_KINDS),
    "synthHttp3Share": frozenset(HTTP3_KINDS),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- feed fetches

POLL_PERIODS = (15, 30, 30, 60, 60, 60, 120, 180, 360, 720)  # minutes, an aggregator's
CRON_PERIODS = (15, 30, 60, 60)  # minutes, a reader's crontab line
REDIRECTS = (5, 20)  # followed before giving up: SimplePie's five, a browser's twenty


def poller(rng: np.random.Generator, span: int, period: float, feeds: int) -> np.ndarray:
    """Requests a minute of a client fetching ``feeds`` feeds every ``period`` minutes from
    a phase of its own, each poll late by a little (its scheduler's jitter)."""
    times = rng.uniform(0, period) + np.arange(-1, span / period + 1) * period
    times = np.repeat(times + rng.normal(0, 0.02 * period, len(times)), feeds)
    times = times[(times >= 0) & (times < span)]
    return np.bincount(times.astype(int), minlength=span).astype(float)


class FeedClients:
    """Requests a minute from who fetches a feed: aggregators (trains), servers' cron jobs on
    the hour's multiples (a comb), readers' apps through the visitors' day, WebSub
    subscribers after each post, crawlers and widgets. All but the apps come from data
    centres."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.aggregators = sum(poller(rng, span, float(rng.choice(POLL_PERIODS)),
                                      1 + int(rng.poisson(0.5)))
                               for _ in range(int(rng.integers(2, 12))))
        clock = np.asarray(grid.hour * 60 + grid.minute)
        lag = rng.choice([0, 1, 2], span, p=[0.6, 0.3, 0.1])  # cron's start, the fetch's time
        self.cron = np.zeros(span)
        readers = float(np.exp(rng.uniform(np.log(1), np.log(300))))
        for period, share in zip(CRON_PERIODS, rng.dirichlet(np.ones(len(CRON_PERIODS))),
                                 strict=True):
            hits = (clock - lag) % period == 0
            self.cron += hits * rng.poisson(readers * share, span)
        days = np.repeat(rng.normal(0, 0.1, span // DAY + 2), DAY)[:span]
        app_level = float(np.exp(rng.uniform(np.log(0.01), np.log(10))))
        self.apps = rng.poisson(app_level * common.traffic(grid, rng) * np.exp(days + 0.2 * (
            common.wander(rng, span, DAY)))).astype(float)
        self.bots = rng.poisson(rng.uniform(0.01, 0.1) * (app_level + readers / 30)
                                * np.exp(0.4 * common.wander(rng, span, DAY)), span
                                ).astype(float)
        self.pushed = np.zeros(span)
        if rng.random() < 0.6:  # WebSub: subscribers fetch as soon as the hub pings them
            posts = office_hour_rows(rng, grid, rng.uniform(0.3, 5))
            subscribers = float(np.exp(rng.uniform(np.log(2), np.log(200))))
            burst = decaying(rng, posts, span, (subscribers * 0.5, subscribers * 1.5),
                             (1, 8))
            self.pushed = rng.poisson(burst / 3).astype(float)

    def datacentre(self) -> np.ndarray:
        return self.aggregators + self.cron + self.bots + self.pushed

    def total(self) -> np.ndarray:
        return self.datacentre() + self.apps


def _feed_anomalies(rng: np.random.Generator, clients: FeedClients, onsets: list[int],
                    kinds: list[str]) -> np.ndarray:
    span = clients.span
    requests = clients.total()
    for i, (onset, later) in enumerate(zip(onsets, recovered_by(onsets, span), strict=True)):
        usual = max(float(requests[max(0, onset - DAY):onset].mean()), 0.2)
        if kinds[i] == "clients_blocked":
            end = min(later, onset + int(rng.uniform(DAY / 2, 5 * DAY)))
            kept = rng.uniform(0, 0.5)  # the data centres' requests still let through
            lost = (1 - kept) * clients.datacentre()[onset:end].sum()
            if lost < 0.25 * requests[onset:end].sum():  # too few from data centres to miss
                kinds[i] = str(rng.choice(FEED_KINDS[:2] + FEED_KINDS[3:]))
            else:
                requests[onset:end] -= rng.binomial(
                    clients.datacentre()[onset:end].astype(int), 1 - kept)
        if kinds[i] == "runaway_poller":  # every few seconds, whatever the hour
            end = min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            per_minute = max(60 / rng.uniform(2, 60), rng.uniform(0.4, 2) * usual)
            sent = np.floor(per_minute * np.arange(end - onset + 1) + rng.random())
            requests[onset:end] += np.diff(sent)
        elif kinds[i] == "redirect_loop":  # each fetch followed round the loop
            end = min(later, onset + int(max(rng.uniform(20, 6 * 60), min(8 / usual, 6 * 60))))
            fetches = requests[onset:end].astype(int)
            short = rng.binomial(fetches, rng.uniform(0.2, 0.8))
            requests[onset:end] = short * (1 + REDIRECTS[0]) + (fetches - short) * (
                1 + REDIRECTS[1])
        elif kinds[i] == "scraper_swarm":
            end = min(later, onset + int(rng.uniform(10, 3 * 60)))
            ramp = np.minimum((np.arange(end - onset) + 1) / rng.uniform(1, 10), 1)
            requests[onset:end] += rng.poisson(usual * rng.uniform(3, 20) * ramp)
    return requests


def feed_fetches_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5]))
    stamps, at, grid = minute_grid(rng, step)
    clients = FeedClients(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, FEED_KINDS)
    requests = _feed_anomalies(rng, clients, [bucket_start(at, row) for row in starts], kinds)
    sent = np.r_[0, np.cumsum(requests)]
    return SyntheticSeries(name, stamps, sent[at + 1] - sent[at + 1 - step], starts, kinds)


# ---------------------------------------------------------------- HTTP/3 share


class Requests:
    """Requests a minute and the share of the browsers' that can go over HTTP/3: visitors
    (the day, campaigns), bots and scripts (a level of their own, crawls of hours), uptime
    checks every minute; company firewalls blocking UDP in office hours on business sites,
    carriers throttling it on phones in the evening, blips of QUIC marked broken."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        weekday = np.asarray(grid.day_of_week) < 5
        self.level = float(np.exp(rng.uniform(np.log(5), np.log(2000))))
        surge = decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.2)), span,
                         (0.5, 3), (60, 600))
        shape = rng.uniform(5, 40)
        self.browsers = self.level * common.traffic(grid, rng) * (1 + surge) * np.exp(
            0.2 * common.wander(rng, span, DAY)) * rng.gamma(shape, 1 / shape, span)
        bots = self.level * rng.uniform(0.05, 0.6) * np.exp(0.4 * common.wander(rng, span, DAY))
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 2) / DAY):
            bots[start:start + int(rng.uniform(20, 240))] += self.level * rng.uniform(0.1, 1)
        self.bots = bots
        self.checks = float(rng.integers(1, 4))  # uptime checks a minute, from their regions
        capable = rng.uniform(0.4, 0.9) * (1 - rng.uniform(0.15, 0.6))  # not a visit's first
        office = weekday * daily_cycle(hours, 13, 3) * (rng.uniform(0.1, 0.5)
                                                        if rng.random() < 0.4 else 0)
        evening = rng.uniform(0, 0.1) * daily_cycle(hours, 21, 2.5)
        self.share = capable * (1 - office) * (1 - evening)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 2) / DAY):
            self.share[start:start + int(rng.uniform(2, 15))] *= rng.uniform(0.5, 0.9)

    def expected(self) -> np.ndarray:
        """The share a minute as the rates give it (before any anomaly)."""
        return self.browsers * self.share / (self.browsers + self.bots + self.checks)

    def counts(self, rng: np.random.Generator, share: np.ndarray, flood: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """(requests over HTTP/3, all requests) a minute."""
        browsers = rng.poisson(self.browsers)
        quic = rng.binomial(browsers, np.clip(share, 0, 1))
        others = rng.poisson(self.bots + flood) + self.checks
        return quic.astype(float), (browsers + others).astype(float)


def _http3_anomalies(rng: np.random.Generator, requests: Requests, onsets: list[int],
                     kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    span = requests.span
    share, flood = requests.share.copy(), np.zeros(span)
    expected = requests.expected()
    for i, (onset, later) in enumerate(zip(onsets, recovered_by(onsets, span), strict=True)):
        if kinds[i] == "http1_flood" and expected[max(0, onset - 60):onset].mean() < 0.4 * (
                np.median(expected)):
            kinds[i] = "alt_svc_lost"  # too little of HTTP/3 in the small hours to dilute
        kind = kinds[i]
        if kind == "udp_blocked":  # QUIC's packets dropped: browsers race TCP and fall back
            end = min(later, onset + int(rng.uniform(30, 2 * DAY)))
            share[onset:end] *= rng.uniform(0, 0.03)
        elif kind == "alt_svc_lost":  # first visits at once, the rest as their entries expire
            end = min(later, onset + int(rng.uniform(DAY / 2, 4 * DAY)))
            since = np.arange(end - onset)
            remembered = rng.uniform(0.4, 0.8) * np.exp(-since / (rng.choice([1, 1, 3]) * DAY
                                                                  / 2))
            share[onset:end] *= remembered
        elif kind == "quic_partly_broken":  # a share of handshakes failing
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            share[onset:end] *= rng.uniform(0.4, 0.8)
        else:  # http1_flood: scripts at many times the visitors' requests
            end = min(later, onset + int(rng.uniform(20, 4 * 60)))
            ramp = np.minimum((np.arange(end - onset) + 1) / rng.uniform(1, 15), 1)
            flood[onset:end] = requests.level * rng.uniform(1, 15) * ramp
    return share, flood


def http3_share_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    requests = Requests(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, HTTP3_KINDS)
    quic, total = requests.counts(rng, *_http3_anomalies(
        rng, requests, [bucket_start(at, row) for row in starts], kinds))
    over_quic, served = np.r_[0, np.cumsum(quic)], np.r_[0, np.cumsum(total)]
    share = (over_quic[at + 1] - over_quic[at + 1 - step]) / (served[at + 1]
                                                               - served[at + 1 - step])
    values = np.round(share, 4) if name.startswith("quic_requests_ratio") else np.round(
        100 * share, int(rng.choice([1, 2])))
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthAcmeOrders": acme_orders_series, "synthPageCacheFiles": page_cache_series,
              "synthFeedFetches": feed_fetches_series, "synthHttp3Share": http3_share_series}
STEMS = {"synthAcmeOrders": ("acme_new_orders", "certbot_orders"),
         "synthPageCacheFiles": ("page_cache_files", "fastcgi_cache_entries"),
         "synthFeedFetches": ("feed_requests", "rss_fetches"),
         "synthHttp3Share": ("http3_request_share_percent", "quic_requests_ratio")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R27, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2700)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
