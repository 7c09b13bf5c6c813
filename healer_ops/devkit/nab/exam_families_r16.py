"""Sixteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a queue that people empty (it
climbs with what arrives and drops to near nothing whenever a moderator gets to it, at
irregular hours of their working day), a raw counter of failures that only ever climbs (but
to zero when the server restarts) or its increase per scrape, a staircase of whole units
(sold down, topped up by deliveries, held and given back by pending orders), and a log of one
webhook's deliveries, a row each at whatever second it was sent (the rows as irregular as
the orders, a duration each, never over the sender's timeout).

- ``synthCommentQueue``: comments awaiting moderation on a site (or summed over the sites of
  a multisite network), checked every 2-15 minutes. Normal: visitors' comments held for
  moderation (all of them, or first-time commenters' and those with links) following the
  visitors and the days after a new post, the little spam Akismet lets through (bots day and
  night, at a level that changes from day to day, waves of it), a moderator clearing the
  queue (or a page or two of it) a few times a working day and an evening now and then, less
  at weekends, not at all on a day off. Anomalies: Akismet unreachable (its key expired or
  outbound HTTP blocked: every spam comment held for moderation, for an hour to two days,
  until the recheck moves them to spam), a pingback flood (hundreds to thousands held within
  minutes to an hour and a half, until the moderator's next session), the moderator away (no
  sessions for days: the queue climbs past anything usual), the comment form broken (a
  cached stale nonce or an anti-spam plugin rejecting every submission: nothing arrives for
  hours to days).
- ``synthAbortedConnects``: MySQL's Aborted_connects, as the raw counter (mysqld_exporter's
  mysql_global_status_aborted_connects) or its increase per scrape, every 1-10 minutes.
  Normal: a load balancer's TCP health checks that connect and hang up (on some servers: a
  steady count a minute), PHP's connections timing out at the busiest minutes, people
  mistyping a password in office hours, a monitoring job with a wrong password at its
  cadence on some servers, a network blip now and then, mysqld restarted for an update at
  night now and then (the counter back to 0). Anomalies: stale credentials (a password
  rotated but a cron job or a second web node left with the old one: failures at its cadence
  or with its visitors, for hours to days), the port exposed (a firewall change letting the
  internet's scanners at 3306: bursts of hundreds of attempts a minute, for hours to days),
  max_connections reached (a pile-up at a busy hour: a share of PHP's connections refused
  for ten minutes to an hour and a half), the health checks stopped (the load balancer's
  TCP checks removed by a config change: the steady count gone for hours to days).
- ``synthStockLevel``: units in stock of a WooCommerce shop's products (summed), or of one
  product, every 1-15 minutes (``exam_r16_shop``). Normal: web sales following the visitors
  (campaigns), pending orders holding their units for the hold-stock minutes and giving them
  back when abandoned, an ERP's syncs every 15-60 minutes taking off what the tills sold in
  opening hours, products sold out until the supplier's next delivery (one to three
  weekday mornings a week) tops them up to their order-up-to level. Anomalies: pending orders
  holding the stock (a scalper's or a card tester's orders of many units on the
  best-stocked products: the stock gone for as long as they come and the hold after), a
  stale sync snapshot (the ERP's export frozen: every sync sets the same figures again, for
  hours to days), an import overwriting the stock (a CSV's wrong column read as the stock:
  zeros, prices or sales counts, for an hour to two days), a receipt posted twice (a delivery
  booked in twice: the stock up by twice the delivery until the next one is ordered short).
- ``synthWebhookLatency``: one webhook's deliveries (WooCommerce's order.created, one an
  order, or product.updated from an ERP's runs and the staff's edits), a row per delivery
  stamped at the second it was sent, its duration in milliseconds or seconds
  (``exam_r16_shop``). Normal: the receiver's time (slower at its busy hours, a slow one now
  and then) and the connection's, a cold start whenever a serverless receiver sat idle (at
  night, on quiet shops, most of the time), the sender's timeout capping the slowest, a
  receiver's deploy refusing connections for a minute (a fast failure), rows as irregular
  as the orders (no night on some shops). Anomalies: a timeout wall (the receiver hanging:
  every delivery takes the whole timeout, for twenty minutes to six hours), an IPv6
  blackhole (a new AAAA record not routable from the host: each delivery waits a fixed
  second or more before falling back, for hours to days), a cold start every call (the
  receiver's minimum instances removed), a backlog flushed (the Action Scheduler's queue
  stalled for one to twelve hours: no deliveries, then all of them back to back and slower).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r16_shop import (
    ends,
    later_onsets,
    stock_level_series,
    webhook_latency_series,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R16 = ("synthCommentQueue", "synthAbortedConnects", "synthStockLevel",
                     "synthWebhookLatency")
FILES_PER_FAMILY = {"synthCommentQueue": 9, "synthAbortedConnects": 9, "synthStockLevel": 9,
                    "synthWebhookLatency": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCommentQueue": frozenset({"akismet_unreachable", "pingback_flood", "moderator_away",
                                    "comment_form_broken"}),
    "synthAbortedConnects": frozenset({"stale_credentials", "port_exposed",
                                       "max_connections_reached", "health_checks_stopped"}),
    "synthStockLevel": frozenset({"pending_orders_hold", "stale_sync_snapshot",
                                  "import_overwrote_stock", "receipt_posted_twice"}),
    "synthWebhookLatency": frozenset({"timeout_wall", "ipv6_blackhole", "cold_start_every_call",
                                      "backlog_flush"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- comments awaiting moderation

HELD, LEAKED, UNCHECKED, PINGBACKS = range(4)  # what waits in the queue


def spread(total: int, minutes: int) -> np.ndarray:
    """``total`` whole removals spread evenly over ``minutes`` minutes."""
    return np.diff(np.floor(np.linspace(0, total, max(minutes, 1) + 1))).astype(int)


def moderated(arrivals: np.ndarray, events: list[tuple[int, float, int, tuple[int, ...]]]
              ) -> np.ndarray:
    """Comments in the queue each minute: ``arrivals`` (kinds x minutes) less what each event
    (minute, share, minutes, kinds) takes out: at its minute, ``share`` of those kinds in the
    queue, spread over ``minutes`` (a moderator paging through bulk actions, Akismet's recheck
    moving the comments it held to spam)."""
    kinds, span = arrivals.shape
    total = np.cumsum(arrivals, axis=1)
    removals = np.zeros((kinds, span), int)
    scheduled = np.zeros(kinds, int)
    for minute, share, minutes, which in sorted(events):
        if not 0 <= minute < span:
            continue
        for k in which:
            amount = int(round(share * (total[k, minute] - scheduled[k])))
            part = spread(amount, minutes)[:span - minute]
            removals[k, minute:minute + len(part)] += part
            scheduled[k] += amount
    return (total - np.cumsum(removals, axis=1)).sum(axis=0)


def moderator_sessions(rng: np.random.Generator, grid: pd.DatetimeIndex
                       ) -> list[tuple[int, float, int]]:
    """A moderator's sessions, (minute, share of the queue cleared, minutes it takes): a few a
    working day in their hours (an evening look now and then), fewer at weekends, none on a
    day off; mostly the whole queue, sometimes a page or two."""
    span = len(grid)
    midnight = grid[0].normalize()
    first = int((grid[0] - midnight).total_seconds() // 60)
    more, weekend = rng.uniform(0, 2.5), rng.uniform(0.1, 1)  # sessions a day
    opens = rng.uniform(7, 11)
    closes = opens + rng.uniform(6, 10)
    sessions = []
    for day in range(span // DAY + 2):
        if rng.random() < 0.08:  # a day off
            continue
        if (midnight + pd.Timedelta(days=day)).dayofweek >= 5:
            count = rng.poisson(weekend)
        else:
            count = 1 + rng.poisson(more)
        for _ in range(count):
            hour = rng.uniform(opens, closes) if rng.random() < 0.85 else rng.uniform(19, 23.5)
            minute = day * DAY + int(60 * hour) - first
            if 0 <= minute < span:
                share = 1.0 if rng.random() < 0.75 else rng.uniform(0.3, 0.9)
                sessions.append((minute, share, int(rng.integers(1, 12))))
    return sorted(sessions)


class Commenters:
    """What reaches one site's moderation queue a minute: visitors' comments held (all, or
    first-time commenters' and those with links; more in the days after a new post), the spam
    Akismet lets through (bots at a level that changes from day to day, in waves) and the spam
    it catches (held instead while it is unreachable); and the site's moderator."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, 3 * DAY))
        posts = decaying(rng, office_hour_rows(rng, grid, rng.uniform(0.1, 1.5)), span,
                         (0.3, 4), (3 * 60, 2 * DAY))
        held = 1.0 if rng.random() < 0.3 else rng.uniform(0.1, 0.5)
        self.comments = float(np.exp(rng.uniform(np.log(0.003), np.log(0.3)))) * held * load * (
            1 + posts)
        days = np.repeat(rng.normal(0, 0.5, span // DAY + 2), DAY)[:span]
        spam = float(np.exp(rng.uniform(np.log(0.02), np.log(5)))) * np.exp(
            days + 0.3 * common.wander(rng, span, DAY))
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY):
            spam[start:start + int(rng.uniform(60, 12 * 60))] *= rng.uniform(2, 8)  # a wave
        leak = rng.uniform(0.002, 0.03)
        self.leaked, self.caught = spam * leak, spam * (1 - leak)
        self.sessions = moderator_sessions(rng, grid)

    def inflow(self, first: int, last: int) -> float:
        """Comments expected into the queue from minute ``first`` to ``last``."""
        return float((self.comments[first:last] + self.leaked[first:last]).sum())


def _comment_anomalies(rng: np.random.Generator, sites: list[Commenters], main: int,
                       arrivals: list[np.ndarray], onsets: list[int], kinds: list[str],
                       away_from: list[int]) -> None:
    """Add the anomalies to each site's ``arrivals`` and moderator sessions (``main``: the
    site with the most comments, whose moderator may be away)."""
    span = arrivals[0].shape[1]
    for i, (onset, later) in enumerate(zip(onsets, later_onsets(onsets), strict=True)):
        if kinds[i] == "moderator_away":  # no sessions from the first one missed
            end = int(ends(onset, later, rng.uniform(4 * DAY, 10 * DAY), span))
            shown = moderated(arrivals[main][:, :onset], sites[main].sessions)
            peak = shown[max(0, onset - 7 * DAY):].max()  # the week before, as it was
            if end - onset >= DAY and sites[main].inflow(away_from[i], end) >= max(
                    1.5 * peak, 15):
                sites[main].sessions = [s for s in sites[main].sessions
                                        if not away_from[i] <= s[0] < end]
                continue
            kinds[i] = "pingback_flood"  # not more than a usual week's would pile up
        if kinds[i] == "comment_form_broken":  # every submission rejected
            end = int(ends(onset, later, rng.uniform(3 * 60, 3 * DAY), span))
            if sum(site.inflow(onset, end) for site in sites) >= 10:
                for site in arrivals:
                    site[[HELD, LEAKED], onset:end] = 0
                continue
            kinds[i] = "akismet_unreachable"  # nothing would have arrived anyway
        if kinds[i] == "akismet_unreachable":  # every spam comment held, rechecked after
            end = int(ends(onset, later, rng.uniform(60, 2 * DAY), span))
            if sum(site.caught[onset:end].sum() for site in sites) >= 20:
                for site, queue in zip(sites, arrivals, strict=True):
                    queue[UNCHECKED, onset:end] = rng.poisson(site.caught[onset:end])
                    site.sessions.append((end + int(rng.uniform(5, 25)), 1.0,
                                          int(rng.integers(1, 4)), (UNCHECKED,)))
                continue
            kinds[i] = "pingback_flood"  # too little spam to notice
        # pingback_flood: hundreds to thousands held within minutes to an hour and a half
        site = int(rng.integers(len(sites)))
        usual = sites[site].inflow(max(0, onset - DAY), onset)
        count = max(np.exp(rng.uniform(np.log(100), np.log(3000))), usual * rng.uniform(1, 3))
        minutes = int(rng.uniform(5, 90))
        arrivals[site][PINGBACKS, onset:onset + minutes] += rng.poisson(
            count / minutes, len(arrivals[site][PINGBACKS, onset:onset + minutes]))


def comment_queue_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([2, 5, 5, 10, 15])))
    span = len(grid)
    network = name.startswith("network")
    sites = [Commenters(rng, grid) for _ in range(int(rng.integers(2, 6)) if network else 1)]
    arrivals = [np.zeros((4, span), int) for _ in sites]
    for site, queue in zip(sites, arrivals, strict=True):
        queue[HELD] = rng.poisson(site.comments)
        queue[LEAKED] = rng.poisson(site.leaked)
    main = int(np.argmax([site.inflow(0, span) for site in sites]))
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("akismet_unreachable", "pingback_flood",
                                       "moderator_away", "comment_form_broken"))
    # the moderator is missed at the row after the first session they skip
    missed = np.searchsorted(at, [minute for minute, _, _ in sites[main].sessions])
    snap_onsets(("moderator_away",), "pingback_flood", np.unique(missed[missed < rows]),
                starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    away_from = [int(at[s - 1]) + 1 for s in starts]
    for site in sites:
        site.sessions = [(*session, (HELD, LEAKED, UNCHECKED, PINGBACKS))
                         for session in site.sessions]
    _comment_anomalies(rng, sites, main, arrivals, [int(at[s]) for s in starts], kinds,
                       away_from)
    queue = sum(moderated(a, site.sessions) for site, a in zip(sites, arrivals, strict=True))
    return SyntheticSeries(name, stamps, queue[at].astype(float), starts, kinds)


# ---------------------------------------------------------------- MySQL's aborted connects


def _usual_aborts(rng: np.random.Generator, grid: pd.DatetimeIndex, load: np.ndarray,
                  connections: np.ndarray) -> np.ndarray:
    """Failed connections a minute but the health checks': PHP's timing out at the busiest
    minutes, people mistyping a password in office hours, a monitoring job with a wrong
    password at its cadence (some servers), network blips."""
    span = len(grid)
    rate = connections * rng.uniform(1e-6, 1e-4) * load ** 2
    for typo in office_hour_rows(rng, grid, rng.uniform(0.1, 3)):
        rate[typo:typo + int(rng.integers(1, 6))] += rng.uniform(0.5, 3)
    if rng.random() < 0.3:
        period = int(rng.choice([5, 10, 15, 60]))
        rate[int(rng.integers(period))::period] += int(rng.integers(1, 4))
    for blip in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY):
        rate[blip:blip + int(rng.integers(1, 4))] += connections[blip] * rng.uniform(0.02, 0.3)
    return rate


def _abort_anomalies(rng: np.random.Generator, connections: np.ndarray, checks: np.ndarray,
                     usual: np.ndarray, onsets: list[int], kinds: list[str]) -> np.ndarray:
    """Failed connections a minute of the anomalies; ``checks`` is zeroed where they stop."""
    span = len(usual)
    extra = np.zeros(span)
    for i, (onset, later) in enumerate(zip(onsets, later_onsets(onsets), strict=True)):
        around = float(np.median((usual + checks)[max(0, onset - 6 * 60):onset + 1]))
        if kinds[i] == "health_checks_stopped":  # removed by a load balancer's config change
            if checks[onset] >= max(0.6 * around, 0.5):
                checks[onset:int(ends(onset, later, rng.uniform(2 * 60, 3 * DAY), span))] = 0
                continue
            kinds[i] = "stale_credentials"  # no checks to lose
        if kinds[i] == "max_connections_reached":  # a pile-up: a share of connections refused
            end = int(ends(onset, later, rng.uniform(10, 90), span))
            rise = np.minimum((np.arange(end - onset) + 1) / rng.uniform(2, 10), 1)
            refused = connections[onset:end] * rng.uniform(0.2, 0.8) * rise
            if refused.mean() >= 2 * around + 2:
                extra[onset:end] += refused
                continue
            kinds[i] = "port_exposed"  # too few connections to be missed
        if kinds[i] == "stale_credentials":  # a cron job, or a web node, with the old password
            end = int(ends(onset, later, rng.uniform(3 * 60, 3 * DAY), span))
            period = int(rng.choice([1, 1, 2, 5]))
            tries = int(rng.integers(1, 4))
            if tries / period >= 0.5 * around:
                extra[onset:end:period] += tries
            else:  # a second web node's visitors, a share of the connections
                extra[onset:end] += connections[onset:end] * rng.uniform(0.1, 0.5)
        elif kinds[i] == "port_exposed":  # the internet's scanners, in bursts
            end = int(ends(onset, later, rng.uniform(6 * 60, 4 * DAY), span))
            scans = np.r_[onset + int(rng.uniform(0, 20)),
                          np.flatnonzero(rng.random(end - onset) < rng.uniform(1, 20) / 60
                                         ) + onset]
            for scan in scans[scans < end]:
                minutes = int(np.exp(rng.uniform(0, np.log(60))))
                extra[scan:min(scan + minutes, end)] += np.exp(rng.uniform(np.log(max(
                    3.0, 2 * around)), np.log(max(300.0, 20 * around))))
    return extra


def aborted_connects_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5, 10]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
    connections = float(np.exp(rng.uniform(np.log(20), np.log(5000)))) * load  # a minute
    usual = _usual_aborts(rng, grid, load, connections)
    checks = np.full(span, rng.uniform(0.5, 12) * int(rng.integers(1, 4))
                     if rng.random() < 0.5 else 0.0)  # TCP checks that connect and hang up
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("stale_credentials", "port_exposed",
                                       "max_connections_reached", "health_checks_stopped"))
    busy = np.flatnonzero(load[at] >= np.quantile(load, 0.75))  # pile-ups come at peaks
    snap_onsets(("max_connections_reached",), "stale_credentials", busy, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    extra = _abort_anomalies(rng, connections, checks, usual, [int(at[s]) for s in starts],
                             kinds)
    shape = rng.uniform(3, 20)
    aborted = rng.poisson((usual + extra) * rng.gamma(shape, 1 / shape, span) + checks)
    nights = common.daily_rows(grid, rng.uniform(2, 6))  # mysqld restarted for an update
    restarts = nights[rng.random(len(nights)) < 0.05]
    for restart in restarts:
        aborted[restart:restart + int(rng.integers(1, 4))] = 0  # down, then counting from 0
    counted = np.cumsum(aborted)
    counter = counted.copy()
    for restart in restarts:
        counter[restart:] = counted[restart:] - counted[restart - 1]
    if name.startswith("mysql_global_status"):  # the counter since mysqld last started
        since = float(rng.uniform(0.2, 90)) * DAY * float(aborted.mean())
        before = np.ones(span, bool) if not len(restarts) else np.arange(span) < restarts[0]
        values = counter[at] + np.round(since) * before[at]
    else:  # its increase over each scrape
        written = np.r_[0, np.cumsum(aborted)]
        values = written[at + 1] - written[at + 1 - step]
    return SyntheticSeries(name, stamps, values.astype(float), starts, kinds)


GENERATORS = {"synthCommentQueue": comment_queue_series,
              "synthAbortedConnects": aborted_connects_series,
              "synthStockLevel": stock_level_series,
              "synthWebhookLatency": webhook_latency_series}
STEMS = {"synthCommentQueue": ("comments_pending_moderation", "network_comments_awaiting"),
         "synthAbortedConnects": ("mysql_global_status_aborted_connects",
                                  "mysql_aborted_connects_increase"),
         "synthStockLevel": ("wc_stock_quantity_total", "product_stock_units"),
         "synthWebhookLatency": ("wc_webhook_delivery_ms", "webhook_response_seconds")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R16, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1600)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
