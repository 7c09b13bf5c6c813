"""``synthScheduledPosts`` and ``synthMailSent`` of the nineteenth exam families
(``exam_families_r19``): what WordPress sites have queued to go out. The scheduled posts are a
count of intervals, each post waiting from the minute an editor schedules it to WP-cron's first
run after its publish time (often a round hour, a slot of the editorial calendar), so the count
climbs in the editors' hours and steps down at the slots. The mail provider's count of emails
sent is a sum over the trailing day (Amazon SES's SentLast24Hours) or since the provider's
midnight (a plan's daily limit), so every burst of sending stays in it for exactly a day or
until that midnight, and the provider refuses mail past its quota."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r13_fleet import Clock, count_on_grid, next_tick
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- scheduled posts

POST_BURN_IN = 16 * DAY  # posts scheduled up to two weeks ahead are already waiting
CALENDAR_HOURS = (6, 7, 7, 8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
LEAD_DAYS = (1, 1, 1, 1, 2, 2, 3, 4, 5, 7, 14)  # days ahead of posts for a coming day
CRON_EVERY = (0, 0, 1, 5, 15)  # minutes of a system cron's */N (0: WP-cron on page views)
HEARTBEATS = (5, 10, 15)  # minutes: Zabbix's "discard unchanged with heartbeat"
ZABBIX_ROWS = {5: (2300, 7000), 10: (2300, 4000), 15: (2300, 3000)}  # heartbeats a file


class Newsroom:
    """Who schedules posts, when, and for when: editors in their hours (a news desk at weekends
    too), each post due later the same day (on the site's grid of minutes) or on a coming day
    at one of the editorial calendar's times (weekdays only, but for news); a content calendar
    filled in bulk now and then; a post unscheduled or published early now and then; WP-cron
    publishing each at its first run after it is due."""

    def __init__(self, rng: np.random.Generator, clock: Clock, span: int, network: bool
                 ) -> None:
        self.clock, self.span = clock, span
        low, high = (15, 400) if network else (0.7, 40)  # posts scheduled a weekday
        self.per_day = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        self.news = network or rng.random() < 0.35
        opens = rng.uniform(7, 10)
        self.hours = (opens, opens + rng.uniform(7, 10))
        self.weekend = rng.uniform(0.3, 0.7) if self.news else rng.uniform(0, 0.08)
        self.bulk = rng.uniform(0, 0.3) if rng.random() < 0.5 else 0.0  # calendars a weekday
        self.soon = rng.uniform(0.15, 0.7)  # share due the same day
        self.lead = rng.uniform(45, 300)  # minutes ahead, the median of those
        self.slot = float(rng.choice([1, 5, 15, 30, 60]))
        self.times = rng.choice(CALENDAR_HOURS, int(rng.integers(1, 6))) * 60.0
        self.quarters = rng.random() < 0.4  # calendar times at quarter hours too
        self.cron_every = int(rng.choice(CRON_EVERY))
        self.views = float(np.exp(rng.uniform(np.log(0.05), np.log(50))))  # a minute, mean
        self.view_peak = rng.uniform(10, 21)

    def scheduled(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(when each post was scheduled, when it is due), from before the file starts."""
        start = -POST_BURN_IN
        one = self.clock.busy_times(rng, start, self.span, self.per_day, self.hours,
                                    self.weekend, 0.05)
        due = self.due(rng, one)
        batches = self.clock.busy_times(rng, start, self.span, self.bulk, self.hours,
                                        self.weekend * 0.3, 0.0)
        for at in batches:  # a content calendar: a post a slot, for days ahead
            n = int(rng.integers(5, 30))
            slot = np.arange(n)
            midnight = self._midnight(at)
            when = midnight + (1 + slot // len(self.times)) * DAY + self.times[
                slot % len(self.times)]
            one, due = np.r_[one, np.full(n, at)], np.r_[due, self._weekdays(when)]
        return one, due

    def _midnight(self, minutes):
        offset = self.clock.offset
        return np.floor((np.asarray(minutes) + offset) / DAY) * DAY - offset

    def _weekdays(self, due: np.ndarray) -> np.ndarray:
        """A post due on a weekend moved to Monday (but on news sites)."""
        if self.news:
            return due
        day = self.clock.weekday(due)
        return due + np.where(day == 5, 2 * DAY, np.where(day == 6, DAY, 0))

    def due(self, rng: np.random.Generator, scheduled: np.ndarray) -> np.ndarray:
        n = len(scheduled)
        offset = self.clock.offset
        lead = np.minimum(rng.lognormal(np.log(self.lead), 0.8, n), 20 * 60)
        same_day = np.ceil((scheduled + lead + offset) / self.slot) * self.slot - offset
        quarter = rng.choice([0, 0, 15, 30, 45], n) if self.quarters else 0
        later = self._midnight(scheduled) + rng.choice(LEAD_DAYS, n) * DAY + rng.choice(
            self.times, n) + quarter
        return np.where(rng.random(n) < self.soon, same_day, self._weekdays(later))

    def published(self, rng: np.random.Generator, due: np.ndarray) -> np.ndarray:
        """WP-cron's first run after ``due``: a system cron's next tick, or the next page view
        that spawns it (rare at night on small sites)."""
        due = np.asarray(due, float)
        if self.cron_every:
            return next_tick(due, -self.clock.offset, self.cron_every) + rng.uniform(
                0, 0.5, len(due))
        views = self.views * (0.1 + daily_cycle(self.clock.hours(due), self.view_peak, 4))
        return due + rng.exponential(1 / views)


class Queue:
    """The posts: scheduled, due, gone (published, or unscheduled before), in minutes from
    the grid's first minute."""

    def __init__(self, rng: np.random.Generator, room: Newsroom) -> None:
        self.scheduled, self.due = room.scheduled(rng)
        self.gone = room.published(rng, self.due)
        early = rng.random(len(self.due)) < 0.06  # unscheduled, or published now by hand
        self.gone[early] = self.scheduled[early] + rng.random(early.sum()) * (
            self.due[early] - self.scheduled[early])
        self.waits = ~early  # still to be published by WP-cron

    def add(self, scheduled: np.ndarray, due: np.ndarray, gone: np.ndarray) -> None:
        self.scheduled = np.r_[self.scheduled, scheduled]
        self.due, self.gone = np.r_[self.due, due], np.r_[self.gone, gone]
        self.waits = np.r_[self.waits, np.ones(len(due), bool)]

    def count(self, span: int) -> np.ndarray:
        return count_on_grid(self.scheduled, np.maximum(self.gone, self.scheduled), span)


def _duplicates(rng: np.random.Generator, room: Newsroom, queue: Queue, onset: int,
                later: int) -> None:
    """A feed importer re-importing its feed at every run, each item scheduled a drip interval
    after the last; someone bulk-deletes them when it is noticed (soon after it is stopped,
    or when the dripping posts are seen a day or two later)."""
    every = float(rng.choice([10, 15, 30, 60]))
    end = min(later, onset + rng.uniform(60, 8 * 60))
    runs = np.arange(onset, end, every)
    items, drip = int(rng.integers(2, 11)), rng.uniform(10, 60)
    scheduled = np.repeat(runs, items)
    due = onset + drip * (1 + np.arange(len(scheduled)))
    noticed = rng.uniform(10, 120) if rng.random() < 0.6 else rng.uniform(12 * 60, 2 * DAY)
    queue.add(scheduled, due, np.minimum(room.published(rng, due), end + noticed))


def _post_anomalies(rng: np.random.Generator, room: Newsroom, queue: Queue,
                    onsets: list[int], kinds: list[str]) -> None:
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, room.span),
                                           strict=True)):
        waiting = (queue.scheduled < onset) & (queue.gone > onset)
        pending = queue.waits & (queue.gone >= onset)
        if kinds[i] == "missed_schedule":  # WP-cron not running: nothing published
            end = min(later, onset + rng.uniform(12 * 60, 4 * DAY))
            hit = pending & (queue.gone < end)
            if hit.sum() < 2:
                kinds[i] = "import_duplicates"  # too little due to be missed
            else:  # all published at the first run once it is fixed
                queue.gone[hit] = room.published(rng, np.full(hit.sum(), end))
        elif kinds[i] == "scheduling_broken":  # every post published at once, none queued
            end = min(later, onset + rng.uniform(DAY, 4 * DAY))
            due_soon = (waiting & queue.waits & (queue.due < onset + DAY)).sum()
            if due_soon < 3 or waiting.sum() < 3:
                kinds[i] = "import_duplicates"
            else:
                now = (queue.scheduled >= onset) & (queue.scheduled < end)
                queue.gone[now] = queue.scheduled[now]
        elif kinds[i] == "schedule_wiped":  # a botched restore or migration: back to drafts
            if waiting.sum() < 3:
                kinds[i] = "import_duplicates"
            else:
                queue.gone[waiting] = onset
        if kinds[i] == "import_duplicates":
            _duplicates(rng, room, queue, onset, later)


def discard_unchanged(values: np.ndarray, polled: np.ndarray, heartbeat: int) -> np.ndarray:
    """The minutes Zabbix stores of a value polled each minute (where ``polled``) with
    "discard unchanged with heartbeat": a value unlike the one polled before it, or the first
    ``heartbeat`` minutes after the last one stored."""
    keep = np.zeros(len(values), bool)
    last_value, last_kept = np.nan, -np.inf
    for minute in np.flatnonzero(polled):
        if values[minute] != last_value or minute - last_kept >= heartbeat:
            keep[minute], last_kept = True, minute
        last_value = values[minute]
    return keep


def _zabbix_grid(rng: np.random.Generator) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex,
                                                    np.ndarray, int]:
    """(every minute, the poll stamps at the item's second, where it was polled, the
    heartbeat): the agent unreachable for hours now and then."""
    heartbeat = int(rng.choice(HEARTBEATS))
    minutes = int(rng.integers(*ZABBIX_ROWS[heartbeat])) * heartbeat
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
    grid = pd.date_range(start, periods=minutes, freq="min")
    seconds = int(rng.integers(0, 58)) + rng.integers(0, 2, minutes)
    stamps = (grid + pd.to_timedelta(seconds, unit="s")).as_unit("ns")
    polled = np.ones(minutes, bool)
    for _ in range(int(rng.choice([0, 0, 1, 2]))):
        hole = int(rng.integers(0, minutes))
        polled[hole:hole + int(rng.uniform(60, 6 * 60))] = False
    return grid, stamps, polled, heartbeat


def scheduled_posts_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    network = name.startswith("wp_network")
    zabbix = not network and rng.random() < 0.5
    if zabbix:
        grid, stamps, polled, heartbeat = _zabbix_grid(rng)
    else:
        stamps, at, grid = minute_grid(rng, int(rng.choice([5, 5, 10, 15])))
    span = len(grid)
    room = Newsroom(rng, Clock(grid), span, network)
    queue = Queue(rng, room)
    count = anomaly_count(rng, common.ANOMALY_COUNTS)
    if zabbix:
        usual = np.flatnonzero(discard_unchanged(queue.count(span), polled, heartbeat))
        onsets = [int(usual[s]) for s in common.spaced_starts(rng, len(usual), count)]
    else:
        starts = anomaly_starts(rng, len(stamps), count)
        onsets = [int(at[s]) for s in starts]
    kinds = common.kinds(rng, onsets, ("missed_schedule", "scheduling_broken",
                                       "import_duplicates", "schedule_wiped"),
                         once="schedule_wiped")
    _post_anomalies(rng, room, queue, onsets, kinds)
    waiting = queue.count(span)
    if zabbix:
        keep = discard_unchanged(waiting, polled, heartbeat)
        stamps, values, starts = common.keep_rows(stamps, waiting, keep, onsets)
    else:
        values = waiting[at]
    return SyntheticSeries(name, stamps, np.round(values), starts, kinds)


# ---------------------------------------------------------------- emails sent

MAIL_BURN_IN = 3 * DAY
SES_QUOTAS = (50_000, 100_000, 200_000, 500_000, 1_000_000, 5_000_000)  # Max24HourSend
DAILY_LIMITS = (300, 1000, 3000, 10_000, 40_000, 100_000, 300_000, 1_000_000)  # plans


def batches(start: float, size: int, batch: int, every: int) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, emails) of a newsletter of ``size`` sent ``batch`` at a time, a batch at every
    cron run ``every`` minutes from ``start``."""
    runs = int(np.ceil(size / batch))
    emails = np.full(runs, batch)
    emails[-1] = size - batch * (runs - 1)
    return start + every * np.arange(runs), emails


class Sender:
    """Emails a minute that a site (or a host's sites) hands to the provider, from
    ``MAIL_BURN_IN`` before the grid: transactional ones with the visitors (orders, password
    resets, forms, notifications; sales and campaigns for hours), a digest at a fixed hour on
    some sites, newsletters on their weekdays, sent in batches at every cron run from their
    hour until the list is done."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        full = pd.date_range(grid[0] - pd.Timedelta(minutes=MAIL_BURN_IN),
                             periods=MAIL_BURN_IN + len(grid), freq="min")
        n = len(full)
        self.daily = float(np.exp(rng.uniform(np.log(30), np.log(50_000))))
        load = common.traffic(full, rng) * np.exp(0.3 * common.wander(rng, n, 3 * DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, full, rng.uniform(0, 0.15)), n,
                             (0.5, 3), (60, 600))
        shape = rng.uniform(2, 10)
        self.sends = rng.poisson(self.daily / DAY * load * rng.gamma(shape, 1 / shape, n)
                                 ).astype(float)
        if rng.random() < 0.4:  # a daily digest to subscribers or the shop's managers
            size = rng.uniform(5, 0.5 * self.daily + 10)
            for start in common.daily_rows(full, rng.uniform(5, 9)):
                minutes = int(rng.integers(1, 10))
                self.sends[start:start + minutes] += rng.poisson(size / minutes, len(
                    self.sends[start:start + minutes]))
        self.campaigns = []  # (start, size, batch, every), minutes from the grid's start
        if rng.random() < 0.75:
            self._newsletters(rng, full)
        for start, size, batch, every in self.campaigns:
            self.add(*batches(start, size, batch, every))

    def _newsletters(self, rng: np.random.Generator, full: pd.DatetimeIndex) -> None:
        size = float(np.exp(rng.uniform(np.log(200), np.log(150_000))))
        every = int(rng.choice([1, 5, 5, 15]))
        batch = int(rng.choice([5, 20, 50, 200, 840])) * every
        days = rng.choice(7, int(rng.integers(1, 4)), replace=False)
        hour = rng.uniform(6, 10) if rng.random() < 0.6 else rng.uniform(16, 19.5)
        for start in common.daily_rows(full, hour):
            if full[start].dayofweek in days and rng.random() < 0.85:
                grown = size * (1 + 0.002 * start / DAY) * (rng.uniform(0.4, 1)
                                                             if rng.random() < 0.3 else 1)
                self.campaigns.append((start - MAIL_BURN_IN + int(rng.integers(0, 20)),
                                       int(grown), batch, every))

    def add(self, minutes: np.ndarray, emails: np.ndarray) -> None:
        index = np.asarray(minutes, int) + MAIL_BURN_IN
        inside = (index >= 0) & (index < len(self.sends))
        np.add.at(self.sends, index[inside], np.asarray(emails, float)[inside])

    def campaign_before(self, minute: int) -> tuple | None:
        """The last newsletter whose last batch went out before ``minute``."""
        done = [c for c in self.campaigns if batches(*c)[0][-1] < minute]
        return max(done, key=lambda c: batches(*c)[0][-1], default=None)


def trailing_day(sends: np.ndarray) -> np.ndarray:
    """Emails sent in the day up to each minute (the first day's sums short)."""
    total = np.cumsum(sends)
    return total - np.r_[np.zeros(DAY), total[:-DAY]][:len(total)]


def since_reset(sends: np.ndarray, resets: np.ndarray) -> np.ndarray:
    """Emails sent since the last of ``resets`` (minutes) up to each minute."""
    total = np.cumsum(sends)
    index = np.searchsorted(resets, np.arange(len(sends)), side="right") - 1
    before = np.where(index >= 0, np.r_[0, total][np.maximum(resets[np.maximum(index, 0)],
                                                             0)], 0)
    return total - before


def accepted(wanted: np.ndarray, quota: float, resets: np.ndarray | None) -> np.ndarray:
    """What the provider accepts of ``wanted``: nothing past ``quota`` in the trailing day, or
    since its midnight (``resets``)."""
    if resets is not None:
        kept = np.minimum(since_reset(wanted, resets), quota)
        before = np.r_[0, kept[:-1]]
        before[resets] = 0
        return kept - before
    if trailing_day(wanted).max() <= quota:
        return wanted
    out = wanted.copy()
    window = 0.0
    for t in range(len(out)):
        if t >= DAY:
            window -= out[t - DAY]
        out[t] = min(out[t], max(quota - window, 0.0))
        window += out[t]
    return out


def _mail_anomalies(rng: np.random.Generator, sender: Sender, onsets: list[int],
                    kinds: list[str], span: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Minutes (from the grid's start) the provider refuses everything, and the spam runs
    (start, end) after which it may suspend the account."""
    blocked = np.zeros(span, bool)
    spam = []
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        if kinds[i] == "sending_broken" and sender.daily < 50:
            kinds[i] = "spam_relay"  # too little mail to be missed
        if kinds[i] == "spam_relay":  # a contact form or stolen credentials relaying spam
            end = int(min(later, onset + rng.uniform(60, 12 * 60)))
            rise = np.minimum((np.arange(end - onset) + 1) / rng.uniform(5, 60), 1)
            rate = max(sender.daily, 500) / DAY * rng.uniform(10, 80)
            sender.add(np.arange(onset, end), rng.poisson(rate * rise))
            spam.append((onset, end))
        elif kinds[i] == "sending_broken":  # a revoked key or a deactivated SMTP plugin
            blocked[onset:int(min(later, onset + rng.uniform(6 * 60, 3 * DAY)))] = True
        elif kinds[i] == "notification_loop":  # an email at every run of a failing job
            every = int(rng.choice([1, 5, 10, 15]))
            end = int(min(later, onset + rng.uniform(3 * 60, 3 * DAY)))
            per_run = np.ceil(max(sender.daily, 200) * rng.uniform(0.5, 3) * every / DAY)
            runs = np.arange(onset, end, every)
            sender.add(runs, np.full(len(runs), per_run))
        else:  # newsletter_resent: the sending queue restarted from the top
            _, size, batch, every = sender.campaign_before(onset)
            sender.add(*batches(onset, size, batch, every))
    return blocked, spam


def mail_sent_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([5, 5, 10, 15])))
    span = len(grid)
    sender = Sender(rng, grid)
    daily_limit = name.startswith("mail_sent_today")
    resets = None
    if daily_limit:  # the provider's midnight, in its time zone
        full = pd.date_range(grid[0] - pd.Timedelta(minutes=MAIL_BURN_IN),
                             periods=MAIL_BURN_IN + span, freq="min")
        resets = common.daily_rows(full, float(rng.integers(0, 24)))
    usual = since_reset(sender.sends, resets) if daily_limit else trailing_day(sender.sends)
    fits = [q for q in (DAILY_LIMITS if daily_limit else SES_QUOTAS) if q >= 1.3 * usual.max()]
    quota = fits[int(rng.integers(0, min(2, len(fits))))] if fits else 1.3 * usual.max()
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("spam_relay", "sending_broken", "notification_loop",
                                       "newsletter_resent"))
    ends = [batches(*c)[0][-1] + rng.uniform(5, 4 * 60) for c in sender.campaigns]
    rows = np.searchsorted(at, [e for e in ends if 0 <= e < span])
    snap_onsets(("newsletter_resent",), "notification_loop", rows, starts, kinds, len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [int(at[s]) for s in starts]
    blocked, spam = _mail_anomalies(rng, sender, onsets, kinds, span)
    sends = accepted(np.where(np.r_[np.zeros(MAIL_BURN_IN, bool), blocked], 0, sender.sends),
                     quota, resets)
    for onset, end in spam:  # at the quota, the provider may pause the account for review
        refused = np.flatnonzero(sends[MAIL_BURN_IN + onset:MAIL_BURN_IN + end]
                                 < sender.sends[MAIL_BURN_IN + onset:MAIL_BURN_IN + end])
        if len(refused) and rng.random() < 0.6:
            later = min([o for o in onsets if o > onset] + [span])
            paused = MAIL_BURN_IN + onset + refused[0] + int(rng.uniform(30, 6 * 60))
            sends[paused:min(MAIL_BURN_IN + later, paused + int(rng.uniform(12, 48) * 60))] = 0
    counted = since_reset(sends, resets) if daily_limit else trailing_day(sends)
    return SyntheticSeries(name, stamps, np.round(counted[MAIL_BURN_IN + at]), starts, kinds)
