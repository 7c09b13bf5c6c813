"""Twenty-first exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: the electrical draw of a rack
read off one of its two power feeds (the servers' load through their idle floor, fans that
grow with the cube of their speed, a 0.1 A resolution that makes small racks' readings
steps, and a feed that carries its partner's share when the other side fails), a count of
redirects made of shares of different requests (a visit's first request, old addresses,
bots) so that losing or adding one source moves the count by its share only, with no row for
a bucket without one in some files, one row per verified action with a score on a few fixed
levels (people high, bots low, 0 for an expired token: the rows' density is the
site's day), and tickets opened at a hosting company's helpdesk in coarse buckets
(customers' office hours in a few time zones, Mondays, incidents bringing hundreds at once).

- ``synthRackPower``: one power feed of a hosting rack, in amps (tenths) or kW, from the
  PDU's SNMP every 1-5 minutes. Normal: each server draws its idle power plus a part that
  follows its load (the sites' visitors, the nightly backup, a weekly scan in some), half of
  it (a little more or less) from this feed; fans that speed up with the load and the room's
  afternoon warmth; switches' steady draw; servers racked and removed in office hours; a
  server rebooted at night for firmware now and then (off for minutes, fans at full speed at
  its start). Anomalies: the other feed failing (a PSU, an outlet bank or the whole partner
  PDU: this feed carries its share, for hours to days until replaced), a breaker tripping on
  this feed (an outlet bank off, or all of it: its servers on the other feed, for minutes to
  hours until reset), the cooling failing (a CRAC unit down: the inlet warms over tens of
  minutes, the fans ramp up, for hours), a cryptominer on compromised servers (their CPUs
  flat out day and night: the nights no longer quiet, for days until found).
- ``synthRedirects``: 3xx responses of a WordPress site counted from its access log per 1-5
  minute bucket; where the count comes from a log filter without a default value, a bucket
  without a redirect has no row (``exam_r21_visitors``). Normal: visits' first requests by
  http or without www (one or two hops), old addresses of renamed posts (rules added by
  editors now and then), bots probing wp-admin (scanners in bursts), editors logging in,
  crawlers re-reading old URLs for hours, campaigns, the log shipper losing lines for hours
  in some. Anomalies: a redirect loop (the site or a section bouncing to itself after a
  config change: every visitor twenty hops, for minutes to hours until reverted), the
  permalinks changed (every old address redirected: a jump that fades over days as search
  engines update, never to nothing, and the posts' own links redirected too until a
  search-replace), the https redirect lost (a migration dropped the rule: the canonical
  redirects gone, for hours to days), a spam redirect (a hacked .htaccess sending search
  visitors, on phones only in some, to a spam site once a day each: more redirects with the
  search visitors' day, for days until cleaned).
- ``synthCaptchaScores``: reCAPTCHA v3's score of each verified action of a site (a form
  sent, a login, a checkout), one row per action stamped to the second; a site with little
  traffic gets only the levels 0.1, 0.3, 0.7 and 0.9 (``exam_r21_visitors``). Normal: people
  score high, in the visitors' day and week (few or no rows at night on small sites); bots
  score low, day and night at a level that changes from day to day, with spam runs of hours;
  a share of people take longer than a token lives (logged as 0); the staff testing forms;
  the site down for maintenance now and then. Anomalies: a bot wave (a spam campaign: naive
  scripts scoring low, or real browsers behind residential proxies scoring like people: many
  more rows for hours), tokens expiring (a plugin update in office hours fetching the token
  at page load: a large share of people logged as 0, for hours to days), a drift of people's
  scores (a browser's privacy change: a growing segment scored low over a day or days, from
  now on), the form broken (a script conflict after a deploy in office hours: people cannot
  send it, only bots posting straight to it remain, for an hour to a day).
- ``synthSupportTickets``: tickets opened at a WordPress host's helpdesk per 5, 10 or 15
  minute bucket, from its reporting export. Normal: customers in their office hours in a few
  time zones (a Monday peak, quiet weekends, a night floor of email), duplicates sent twice,
  the morning after the invoices go out, the weekly newsletter, small incidents on a server
  (a few to tens of tickets over an hour), the export missing hours in some files.
  Anomalies: a platform incident (a shared outage: a surge of many times the usual within
  minutes, decaying after it is fixed), the contact widget broken (a dashboard deploy,
  Tuesday to Thursday: only the email channel left, for hours to two days), an
  announcement's backlash (a price change or a PHP end of life mailed to every customer on a
  weekday morning: more tickets for days, fading, in office hours), a spam flood (the
  support address scraped: junk tickets at a steady rate day and night, a few an hour at
  least, for hours to days until filtered).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r21_visitors import (
    captcha_scores_series,
    day_grid,
    onsets_fit,
    redirects_series,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R21 = ("synthRackPower", "synthRedirects", "synthCaptchaScores",
                     "synthSupportTickets")
FILES_PER_FAMILY = {"synthRackPower": 9, "synthRedirects": 9, "synthCaptchaScores": 9,
                    "synthSupportTickets": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthRackPower": frozenset({"psu_failover", "feed_tripped", "cooling_failure",
                                 "cryptominer"}),
    "synthRedirects": frozenset({"redirect_loop", "permalink_change", "https_redirect_lost",
                                 "spam_redirect"}),
    "synthCaptchaScores": frozenset({"bot_wave", "token_expired", "human_score_drift",
                                     "form_broken"}),
    "synthSupportTickets": frozenset({"platform_incident", "widget_broken",
                                      "announcement_backlash", "spam_flood"}),
}
# one row per verified action: every file has gaps of over ten rows' median at night
FAMILIES_WITHOUT_HOLES = ("synthCaptchaScores",)
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- rack power

VOLTS = (208.0, 230.0)


class Rack:
    """Watts a minute of a rack's servers and what they are made of: the servers racked (in
    and out in office hours), each one's idle floor and the part that follows its load, fans
    with the cube of their speed (the load and the room's warmth), the switches' steady draw,
    and this feed's share of it all."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        self.idle = rng.uniform(60, 180)  # watts a server, idle
        self.busy = self.idle * rng.uniform(1.6, 3)  # more at full load
        load = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
        self.use = rng.uniform(0.03, 0.2) + rng.uniform(0.05, 0.4) * load
        if rng.random() < 0.6:  # the nightly backup
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.use[start:start + int(rng.uniform(30, 150))] += rng.uniform(0.1, 0.3)
        if rng.random() < 0.3:  # a weekly malware scan
            sundays = common.daily_rows(grid, rng.uniform(1, 4))
            for start in sundays[np.asarray(grid[sundays].day_of_week) == 6]:
                self.use[start:start + int(rng.uniform(2 * 60, 5 * 60))] += rng.uniform(0.1,
                                                                                      0.3)
        shape = rng.uniform(20, 200)
        self.use = np.clip(self.use * rng.gamma(shape, 1 / shape, span), 0.01, 1)
        self.servers = np.full(span, float(rng.integers(4, 26)))
        for change in office_hour_rows(rng, grid, rng.uniform(0.01, 0.1)):
            self.servers[change:] += 1 if rng.random() < 0.6 else -1
        self.servers = np.maximum(self.servers, 2)
        self.fan_watts = rng.uniform(15, 60)  # a server's fans at full speed
        self.fan_idle = rng.uniform(0.2, 0.4)
        self.fan_gain = rng.uniform(0.05, 0.12)  # speed a degree over 25
        self.inlet = (rng.uniform(19, 23) + rng.uniform(0.3, 1.5) * daily_cycle(hours, 15, 4)
                      + 0.3 * common.wander(rng, span, DAY))
        self.switches = rng.uniform(80, 400)
        self.share = rng.uniform(0.42, 0.58)  # of each server's draw from this feed
        self.rebooting = np.zeros(span)  # servers off (+) or booting with fans full (-)
        nights = common.daily_rows(grid, rng.uniform(1, 5))
        for night in nights[rng.random(len(nights)) < rng.uniform(0, 0.1)]:
            off = int(rng.uniform(3, 10))
            self.rebooting[night:night + off] += 1
            self.rebooting[night + off:night + off + 2] -= 1

    def watts(self, use: np.ndarray, inlet: np.ndarray, off: np.ndarray) -> np.ndarray:
        """The rack's watts; ``off``: servers off (negative: booting, their fans full)."""
        speed = np.clip(self.fan_idle + 0.3 * use + self.fan_gain * np.maximum(inlet - 25, 0),
                        0.2, 1)
        leak = 1 + 0.005 * np.maximum(inlet - 25, 0)  # hotter silicon leaks more
        server = (self.idle + (self.busy - self.idle) * use) * leak + self.fan_watts * speed ** 3
        on = self.servers - np.maximum(off, 0)
        boot = np.maximum(-off, 0) * (self.idle + self.fan_watts)
        return on * server + boot


def _power_anomalies(rng: np.random.Generator, rack: Rack, onsets: list[int],
                     kinds: list[str]) -> np.ndarray:
    """This feed's watts with the anomalies."""
    span = rack.span
    use, inlet, share = rack.use.copy(), rack.inlet.copy(), np.full(span, rack.share)
    switches = np.full(span, rack.switches / 2)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "psu_failover":  # the other side's PSU, outlet bank or whole PDU failed
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            failed = float(rng.choice([1 / rack.servers[onset], 1 / 3, 1 / 2, 1],
                                      p=[0.2, 0.25, 0.25, 0.3]))
            share[onset:end] += failed * (1 - rack.share)
            if failed == 1:
                switches[onset:end] *= 2
        elif kind == "feed_tripped":  # an outlet bank's breaker (or all of them) on this feed
            end = min(later, onset + int(rng.uniform(5, 8 * 60)))
            tripped = float(rng.choice([1 / 3, 1 / 2, 1]))
            share[onset:end] *= 1 - tripped
            switches[onset:end] *= 1 - tripped
        elif kind == "cooling_failure":  # a CRAC unit down: the inlet warms, fans ramp up
            end = min(later, onset + int(rng.uniform(2 * 60, 10 * 60)))
            lag = rng.uniform(10, 40)
            since = np.arange(span - onset)
            warming = 1 - np.exp(-since / lag)
            after = np.maximum(since - (end - onset), 0)
            warming = np.where(since < end - onset, warming,
                               warming[end - onset - 1] * np.exp(-after / lag))
            inlet[onset:] += rng.uniform(8, 18) * warming
        else:  # cryptominer: compromised servers' CPUs flat out, day and night
            end = min(later, onset + int(rng.uniform(DAY, 5 * DAY)))
            taken = int(rng.integers(1, max(2, int(rack.servers[onset]) // 2 + 1)))
            miner = rng.uniform(0.9, 1) * rng.gamma(200, 1 / 200, end - onset)
            part = taken / rack.servers[onset:end]
            use[onset:end] = np.minimum(1, (1 - part) * use[onset:end] + part * miner)
    return rack.watts(use, inlet, rack.rebooting) * share + switches


def rack_power_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    rack = Rack(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("psu_failover", "feed_tripped", "cooling_failure",
                                       "cryptominer"))
    watts = _power_anomalies(rng, rack, [int(at[row]) for row in starts], kinds)
    watts = watts[at] * rng.normal(1, 0.004, len(at))  # the PDU's metering, within 1%
    if name.startswith("pdu_feed_amps"):
        values = np.round(watts / float(rng.choice(VOLTS)) / rng.uniform(0.95, 0.99), 1)
    else:
        values = np.round(watts / 1000, int(rng.choice([2, 3])))
    return SyntheticSeries(name, stamps, np.maximum(values, 0), starts, kinds)


# ---------------------------------------------------------------- helpdesk tickets

TICKET_STEPS = (5, 10, 10, 15, 15)


class Helpdesk:
    """Tickets opened a minute at a WordPress host's helpdesk: customers in their office hours
    in a few time zones (Mondays busier, weekends quiet), email at night, the morning after
    the invoices go out, the weekly newsletter, small incidents on a server."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        weekday = np.asarray(grid.day_of_week)
        per_day = float(np.exp(rng.uniform(np.log(60), np.log(2500))))
        zones = rng.dirichlet(np.ones(3) * rng.uniform(0.3, 2))
        offsets = (0, rng.uniform(-9, -5), rng.uniform(5, 9))
        office = np.zeros(span)
        for weight, offset in zip(zones, offsets, strict=True):
            local = (hours + offset) % 24
            day = (weekday + np.floor((hours + offset) / 24).astype(int)) % 7
            working = np.where(day < 5, 1.0, rng.uniform(0.15, 0.35))
            working *= np.where(day == 0, rng.uniform(1.1, 1.4), 1)  # Monday's backlog
            shape = daily_cycle(local, rng.uniform(10, 14), rng.uniform(2.5, 4))
            office += weight * working * (shape + 0.2 * daily_cycle(local, 20, 2))
        self.usual = per_day / DAY * (rng.uniform(0.03, 0.15) + office / office.mean())
        self.usual *= np.exp(0.15 * common.wander(rng, span, 3 * DAY))
        for invoices in common.daily_rows(grid, rng.uniform(5, 7)):  # billing questions
            if grid[invoices].day == 1 or rng.random() < 0.1:
                self.usual[invoices:] *= 1 + decaying(rng, np.array([0]), span - invoices,
                                                      (0.2, 0.8), (4 * 60, 12 * 60))
        newsletter = common.daily_rows(grid, rng.uniform(9, 11))
        for sent in newsletter[weekday[newsletter] == int(rng.integers(0, 5))]:
            self.usual[sent:] *= 1 + decaying(rng, np.array([0]), span - sent, (0.1, 0.4),
                                              (60, 5 * 60))
        small = np.flatnonzero(rng.random(span) < rng.uniform(0.1, 0.6) / DAY)
        self.usual += per_day / DAY * decaying(rng, small, span, (0.5, 3), (20, 60))
        self.twice = rng.uniform(0.03, 0.12)  # sent again: a duplicate ticket
        self.email = rng.uniform(0.1, 0.4)  # of the tickets, by email (not the widget)

    def opened(self, rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
        customers = rng.poisson(np.maximum(rate, 0) * rng.gamma(8, 1 / 8, self.span))
        return customers + rng.binomial(customers, self.twice)


def _ticket_anomalies(rng: np.random.Generator, desk: Helpdesk, onsets: list[int],
                      kinds: list[str]) -> np.ndarray:
    """Tickets a minute, the anomalies' included."""
    span = desk.span
    rate = desk.usual.copy()
    junk = np.zeros(span)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        usual = desk.usual[max(0, onset - DAY):onset].mean()
        if kind == "platform_incident":  # a shared outage: hundreds of sites down at once
            fixed = int(rng.uniform(30, 4 * 60))
            since = np.arange(min(span, later) - onset)
            rise = np.minimum(since / rng.uniform(5, 20), 1)
            fade = np.exp(-np.maximum(since - fixed, 0) / rng.uniform(30, 90))
            peak = desk.usual[max(0, onset - DAY):onset].max()
            rate[onset:onset + len(since)] += peak * rng.uniform(3, 12) * rise * fade
        elif kind == "widget_broken":  # only the email channel left
            end = min(later, onset + int(rng.uniform(3 * 60, 2 * DAY)))
            rate[onset:end] *= desk.email
        elif kind == "announcement_backlash":  # a price change mailed to every customer
            since = np.arange(span - onset)
            fading = np.exp(-since / rng.uniform(DAY, 4 * DAY))
            rate[onset:] *= 1 + rng.uniform(0.6, 2.5) * fading
        else:  # spam_flood: the support address scraped, junk day and night
            end = min(later, onset + int(rng.uniform(8 * 60, 4 * DAY)))
            junk[onset:end] = max(usual * rng.uniform(0.5, 2), rng.uniform(1, 10) / 60)
    return desk.opened(rng, rate) + rng.poisson(junk)


def _ticket_grid(rng: np.random.Generator, step: int
                 ) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """(the export's buckets, every minute they span)."""
    rows = int(rng.integers(*common.ROWS_BY_STEP[step]))
    grid = day_grid(rng, rows * step / DAY, step)
    return grid[::step].as_unit("ns"), grid


def support_tickets_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    while True:
        step = int(rng.choice(TICKET_STEPS))
        stamps, grid = _ticket_grid(rng, step)
        desk = Helpdesk(rng, grid)
        rows = len(stamps)
        starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, ("platform_incident", "widget_broken",
                                           "announcement_backlash", "spam_flood"),
                             once="announcement_backlash")
        hours, weekday = hour_of_day(stamps), np.asarray(stamps.day_of_week)
        mornings = np.flatnonzero((weekday < 4) & (hours >= 8) & (hours < 12))  # mail sent
        deploys = np.flatnonzero((weekday >= 1) & (weekday <= 3) & (hours >= 9)
                                 & (hours < 16))  # no deploys on Mondays and Fridays
        snap_onsets(("announcement_backlash",), "platform_incident", mornings, starts, kinds,
                    rows)
        snap_onsets(("widget_broken",), "platform_incident", deploys, starts, kinds, rows)
        order = np.argsort(starts)
        starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
        tickets = _ticket_anomalies(rng, desk, [s * step for s in starts], kinds)
        counts = tickets.reshape(-1, step).sum(axis=1).astype(float)
        keep = np.ones(rows, bool)
        if rng.random() < 0.35:  # the export missing hours
            lost = int(rng.integers(0, rows))
            keep[lost:lost + int(rng.uniform(60, 8 * 60) / step)] = False
        stamps, values, starts = common.keep_rows(stamps, counts, keep, starts)
        if onsets_fit(starts, len(values)):
            return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthRackPower": rack_power_series, "synthRedirects": redirects_series,
              "synthCaptchaScores": captcha_scores_series,
              "synthSupportTickets": support_tickets_series}
STEMS = {"synthRackPower": ("pdu_feed_amps", "pdu_outlet_power_kw"),
         "synthRedirects": ("nginx_redirects", "http_3xx_responses"),
         "synthCaptchaScores": ("recaptcha_v3_scores", "form_spam_scores"),
         "synthSupportTickets": ("helpdesk_tickets_opened", "support_conversations_new")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R21, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2100)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
