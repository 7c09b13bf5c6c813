"""``synthIoWait`` and ``synthBounceRate`` of the eleventh exam families
(``exam_families_r11``), and the helpers the round shares. A CPU's iowait is the time it
sits idle with I/O outstanding, so it follows the disk's utilisation and saturates near the
share of the cores that can be waiting; a bounce rate over a trailing window (a day, or six
hours) moves as mail enters and leaves the window, so a newsletter lifts it for exactly as
long as the newsletter stays in the window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY


def window_sums(per_minute: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """The sum of ``per_minute`` over the ``width`` minutes up to each minute in ``at``."""
    total = np.r_[0.0, np.cumsum(per_minute)]
    return total[at + 1] - total[np.maximum(at + 1 - width, 0)]


def fixed_by(onsets: list[int], span: int) -> list[int]:
    """When each lasting anomaly is fixed at the latest: two thirds of the way to the next
    onset (or at the end), so it neither hides the next one nor runs into it."""
    return [later if later == span else onset + 2 * (later - onset) // 3
            for onset, later in zip(onsets, common.next_onsets(onsets, span), strict=True)]


def onset_minutes(at: np.ndarray, rows: list[int]) -> list[int]:
    """The first minute each onset row covers (the minute after the row before it)."""
    return [int(at[row - 1]) + 1 for row in rows]


# ---------------------------------------------------------------- CPU iowait


def _backups(rng: np.random.Generator, grid: pd.DatetimeIndex
             ) -> tuple[list[tuple[int, int]], float]:
    """(the nightly backups' (start, end) minutes, their disk load): longer on the weekly
    full backup."""
    full_day, windows = int(rng.integers(0, 7)), []
    minutes = rng.uniform(20, 90)
    for start in common.daily_rows(grid, rng.uniform(0, 5)):
        longer = rng.uniform(2, 4) if grid[start].day_of_week == full_day else 1
        windows.append((int(start), int(start + minutes * longer * rng.uniform(0.8, 1.2))))
    return windows, rng.uniform(1, 5)


def _io_demand(rng: np.random.Generator, grid: pd.DatetimeIndex,
               backups: list[tuple[int, int]], backup_load: float) -> np.ndarray:
    """The disk's load a minute (1 keeps it busy): page-cache misses with the visitors,
    logrotate, the nightly backup, a weekly malware scan, a monthly RAID check, cold caches
    after deploys."""
    span = len(grid)
    demand = rng.uniform(0.02, 0.3) * common.traffic(grid, rng) ** rng.uniform(0.5, 1)
    demand *= np.exp(0.3 * common.wander(rng, span, DAY))
    for start in common.daily_rows(grid, float(rng.choice([0, 6.42]))):  # logrotate, compress
        demand[start:start + int(rng.uniform(2, 10))] += rng.uniform(0.3, 2)
    for start, end in backups:
        demand[start:end] += backup_load * rng.uniform(0.8, 1.2)
    if rng.random() < 0.4:  # ImunifyAV or maldet, once a week
        nights = common.daily_rows(grid, rng.uniform(0, 6))
        for start in nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]:
            demand[start:start + int(rng.uniform(60, 240))] += rng.uniform(0.5, 3)
    if rng.random() < 0.3:  # Debian's checkarray: md RAID, the first Sunday of the month
        nights = common.daily_rows(grid, 0.95)
        first = (np.asarray(grid.day_of_week)[nights] == 6) & (np.asarray(grid.day)[nights] <= 7)
        for start in nights[first]:
            demand[start:start + int(rng.uniform(3 * 60, 8 * 60))] += rng.uniform(0.5, 2)
    demand += decaying(rng, office_hour_rows(rng, grid, rng.uniform(0.1, 1)), span, (0.3, 2),
                       (5, 30))
    return demand


def _noisy_neighbours(rng: np.random.Generator, span: int) -> np.ndarray:
    """The disk's capacity (1 normally): shared storage, where other tenants take some of it
    for minutes to an hour, in about half the files."""
    capacity = np.ones(span)
    if rng.random() < 0.5:
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 3) / DAY):
            capacity[start:start + int(rng.uniform(5, 60))] /= rng.uniform(2, 4)
    return capacity


def _io_anomalies(rng: np.random.Generator, demand: np.ndarray, capacity: np.ndarray,
                  backup_load: float, onsets: list[int], kinds: list[str]) -> None:
    span = len(demand)
    for onset, kind, fixed in zip(onsets, kinds, fixed_by(onsets, span), strict=True):
        if kind == "disk_failing":  # retried reads stalling the disk, more often as it goes
            end = min(fixed, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            capacity[onset:end] /= rng.uniform(1.3, 2.5)
            chance = np.linspace(1, 3, end - onset) / rng.uniform(10, 60)
            for stall in onset + np.flatnonzero(rng.random(end - onset) < chance):
                demand[stall:stall + int(rng.integers(1, 6))] += rng.uniform(5, 30)
        elif kind == "swap_storm":  # memory exhausted until the OOM killer ends it
            length = min(span - onset, int(rng.uniform(10, 180)))
            demand[onset:onset + length] += rng.uniform(3, 20) * rng.gamma(2, 0.5, length)
        elif kind == "burst_credits_exhausted":  # the volume at its baseline until resized
            end = min(fixed, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            capacity[onset:end] /= rng.uniform(3, 10)
        else:  # backup_overrun: from the backup's usual end, stuck retrying a slow mount
            end = min(fixed, onset + int(rng.uniform(3 * 60, 36 * 60)))
            demand[onset:end] += backup_load * rng.uniform(0.7, 1.2)


def iowait_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, minutes)
    backups, backup_load = _backups(rng, grid)
    demand = _io_demand(rng, grid, backups, backup_load)
    capacity = _noisy_neighbours(rng, len(grid))
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("disk_failing", "swap_storm", "burst_credits_exhausted",
                                       "backup_overrun"))
    ends = np.array([end for _, end in backups if end <= at[-1]], dtype=int)
    snap_onsets(("backup_overrun",), "swap_storm", np.searchsorted(at, ends), starts, kinds,
                len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    _io_anomalies(rng, demand, capacity, backup_load, onset_minutes(at, starts), kinds)
    cores = int(rng.choice([2, 4, 4, 8, 16]))
    top = min(90.0, 100 * rng.uniform(1, 2.5) / cores)  # at most a few threads waiting a core
    shape = rng.uniform(2, 8)  # a minute's I/O is lumpy
    busy = demand * rng.gamma(shape, 1 / shape, len(demand)) / capacity
    width = max(minutes, int(rng.choice([1, 5])))  # rate() over the scrape step or 5 minutes
    percent = window_sums(top * busy / (1 + busy), at, width) / width
    return SyntheticSeries(name, stamps, np.round(percent, 2), starts, kinds)


# ---------------------------------------------------------------- email bounce rate


def _mail_grid(rng: np.random.Generator, minutes: int, lead: int
               ) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DatetimeIndex]:
    """``minute_grid`` starting ``lead`` minutes early: the mail sent before the file."""
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    start = stamps[0].floor("min") - pd.Timedelta(minutes=lead)
    at = np.asarray(((stamps - start).total_seconds() // 60).astype(int))
    return stamps, at, start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")


def _transactional(rng: np.random.Generator, grid: pd.DatetimeIndex
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(messages a minute, the chance each bounces): orders, password resets and comment
    notices with the visitors (typos bounce), now and then a mailbox provider's wave of
    rejections for an hour or three."""
    span = len(grid)
    sent = np.exp(rng.uniform(np.log(0.1), np.log(5))) * common.traffic(grid, rng)
    sent *= np.exp(0.25 * common.wander(rng, span, DAY))
    chance = np.full(span, rng.uniform(0.003, 0.02))
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY):
        chance[start:start + int(rng.uniform(60, 180))] *= rng.uniform(1.5, 3)
    return sent, chance


def _newsletters(rng: np.random.Generator, grid: pd.DatetimeIndex
                 ) -> list[tuple[int, float, float, float]]:
    """(start minute, recipients, messages a minute, chance each bounces) of each blast: one
    to three slots a week in most files, the list a little different each time."""
    if rng.random() < 0.3:
        return []
    size, speed = 10 ** rng.uniform(3.3, 5), rng.uniform(100, 2000)
    chance = rng.uniform(0.005, 0.03)
    blasts = []
    for _ in range(int(rng.integers(1, 4))):
        rows = common.daily_rows(grid, rng.uniform(7, 19))
        for start in rows[np.asarray(grid.day_of_week)[rows] == rng.integers(0, 7)]:
            blasts.append((int(start), size * rng.uniform(0.9, 1.1), speed,
                           chance * rng.lognormal(0, 0.3)))
    return blasts


def _send(sent: np.ndarray, chance: np.ndarray, start: int, recipients: float, speed: float,
          bounce: float) -> None:
    """Adds a blast of ``recipients`` at ``speed`` a minute from ``start``."""
    length = int(np.ceil(recipients / speed))
    span = slice(start, start + length)
    before = sent[span].copy()
    sent[span] += speed
    chance[span] = (before * chance[span] + speed * bounce) / sent[span]


def _mail_anomalies(rng: np.random.Generator, sent: np.ndarray, chance: np.ndarray,
                    lost: np.ndarray, onsets: list[int], kinds: list[str]) -> None:
    base = float(sent.mean())
    for onset, kind, fixed in zip(onsets, kinds, fixed_by(onsets, len(sent)), strict=True):
        if kind == "bad_list_blast":  # an imported or years-old list, sent at once
            _send(sent, chance, onset, 10 ** rng.uniform(3.5, 5), rng.uniform(100, 2000),
                  rng.uniform(0.08, 0.35))
        elif kind == "receiver_blocking":  # a blocklisted IP or a broken DKIM record
            span = slice(onset, min(fixed, onset + int(rng.uniform(3 * 60, 3 * DAY))))
            share = rng.uniform(0.2, 0.6)
            chance[span] = chance[span] + share * (1 - chance[span])
        elif kind == "signup_bot":  # registrations with made-up addresses, each welcomed
            speed = base * rng.uniform(2, 20)
            minutes = min(fixed - onset, rng.uniform(60, 12 * 60))
            _send(sent, chance, onset, speed * minutes, speed,
                  rng.uniform(0.5, 0.95))
        else:  # bounce_feed_lost: the bounce webhook or VERP mailbox broken until noticed
            lost[onset:min(fixed, onset + int(rng.uniform(12 * 60, 5 * DAY)))] = True


def _bounces(rng: np.random.Generator, sent: np.ndarray, chance: np.ndarray, lost: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(messages a minute, their bounces known within minutes, their bounces known later,
    the minute those are known): soft bounces when the server gives up retrying, hours
    later. A bounce whose notice comes while the feed is ``lost`` is never recorded."""
    span = len(sent)
    messages = rng.poisson(sent).astype(float)
    bounced = rng.binomial(messages.astype(int), np.clip(chance, 0, 1))
    late = rng.binomial(bounced, rng.uniform(0.1, 0.4)).astype(float)
    quick = bounced - late
    known = np.arange(span) + rng.integers(60, DAY, span)
    quick[lost] = 0
    late[lost[np.minimum(known, span - 1)]] = 0
    return messages, quick, late, known


def _window_rate(messages: np.ndarray, quick: np.ndarray, late: np.ndarray, known: np.ndarray,
                 at: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Percent of the messages sent from minute ``since`` to ``at`` whose bounce is known by
    ``at`` (bounces counted against the message, as mail providers do)."""
    sends, quicks = np.r_[0.0, np.cumsum(messages)], np.r_[0.0, np.cumsum(quick)]
    bounced = quicks[at + 1] - quicks[since]
    for row, (first, now) in enumerate(zip(since, at, strict=True)):
        window = slice(first, now + 1)
        bounced[row] += late[window][known[window] <= now].sum()
    return 100 * bounced / np.maximum(sends[at + 1] - sends[since], 1)


def bounce_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([5, 5, 10, 15]))
    stamps, at, grid = _mail_grid(rng, minutes, 7 * DAY)
    sent, chance = _transactional(rng, grid)
    for blast in _newsletters(rng, grid):
        _send(sent, chance, *blast)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("bad_list_blast", "receiver_blocking", "signup_bot",
                                       "bounce_feed_lost"), once="bounce_feed_lost")
    lost = np.zeros(len(grid), dtype=bool)
    _mail_anomalies(rng, sent, chance, lost, onset_minutes(at, starts), kinds)
    messages, quick, late, known = _bounces(rng, sent, chance, lost)
    hours = 24 if rng.random() < 0.6 else 6  # a dashboard's day, or an alert's query
    since = np.maximum(at + 1 - hours * 60, 0)
    rate = _window_rate(messages, quick, late, known, at, since)
    return SyntheticSeries(name, stamps, np.round(rate, 3), starts, kinds)
