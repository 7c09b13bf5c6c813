"""``synthRefunds`` of the twenty-fifth exam families (``exam_families_r25``): a WooCommerce
shop's refunds over the last 24 hours, as a count or as a percent of the orders of the same
24 hours, read by a dashboard every 5-15 minutes. A refund is asked for hours to weeks after
its order and made when someone at the shop gets to it (weekdays, in office hours, a few
sittings a day), so the count moves in steps and every step leaves 24 hours later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY
BURN_IN = 30 * DAY  # refunds of orders placed weeks before a file starts
REFUND_KINDS = ("duplicate_charges", "refund_sync_broken", "fraud_wave", "event_cancelled")


def trailing(times: np.ndarray, at: np.ndarray, minutes: float = DAY) -> np.ndarray:
    """How many of the sorted ``times`` fall in (t - ``minutes``, t] for each t of ``at``."""
    return (np.searchsorted(times, at, side="right")
            - np.searchsorted(times, at - minutes, side="right"))


def arrivals(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Times (minutes) of events arriving ``rate`` a minute on average."""
    counts = rng.poisson(np.maximum(rate, 0))
    return np.repeat(np.arange(len(rate)), counts) + rng.random(counts.sum())


class Desk:
    """When the shop makes refunds: a few sittings of 10-60 minutes on weekdays between 9 and
    17 o'clock (Saturdays in some shops), a day off now and then, a week of holiday in some."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        midnight = -float((grid[0] - grid[0].normalize()).total_seconds() / 60)
        days = int(len(grid) / DAY) + 2
        weekday = (grid[0].day_of_week + np.arange(days)) % 7
        works = (weekday < 5) | ((weekday == 5) & (rng.random() < 0.3))
        works &= rng.random(days) > 0.05
        if rng.random() < 0.2:  # a holiday: no refunds for days, then the backlog
            away = int(rng.integers(0, days))
            works[away:away + int(rng.integers(3, 8))] = False
        starts, lengths = [], []
        for day in np.flatnonzero(works):
            sittings = int(rng.integers(1, 4))
            starts += list(midnight + day * DAY + np.sort(rng.uniform(9 * 60, 17 * 60,
                                                                      sittings)))
            lengths += list(rng.uniform(10, 60, sittings))
        order = np.argsort(starts)
        self.starts = np.r_[np.array(starts)[order], np.inf]
        self.lengths = np.r_[np.array(lengths)[order], 0.0]

    def made(self, rng: np.random.Generator, asked: np.ndarray) -> np.ndarray:
        """When refunds asked for at ``asked`` are made: in the next sitting."""
        sitting = np.searchsorted(self.starts, asked)
        return self.starts[sitting] + rng.random(len(asked)) * self.lengths[sitting]


class Shop:
    """Orders a minute (the shoppers' day and week, a wandering level, sales of a day or
    two), each refunded with a small chance: cancelled within hours or returned days to
    weeks later, made at the desk, or at once by the owner from the gateway's app."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        shoppers = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, 3 * DAY))
        shoppers *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.08)), span,
                                 (0.5, 4), (6 * 60, 2 * DAY))  # a sale, a newsletter
        self.per_day = float(np.exp(rng.uniform(np.log(30), np.log(3000))))
        self.rate = self.per_day / DAY * shoppers
        self.orders = arrivals(rng, self.rate)
        self.desk = Desk(rng, grid)
        self.share = rng.uniform(0.01, 0.08)
        self.at_once = rng.uniform(0, 0.3)  # refunds the owner makes as soon as asked
        refunded = self.orders[rng.random(len(self.orders)) < self.share]
        soon = rng.random(len(refunded)) < rng.uniform(0.1, 0.4)  # cancelled before dispatch
        later = rng.lognormal(np.log(rng.uniform(2, 8) * DAY), 0.7, len(refunded))
        asked = refunded + np.where(soon, rng.exponential(120, len(refunded)), later)
        self.refunds = self.make(rng, asked, self.at_once)

    def make(self, rng: np.random.Generator, asked: np.ndarray, at_once: float) -> np.ndarray:
        now = rng.random(len(asked)) < at_once
        return np.sort(np.where(now, asked, self.desk.made(rng, asked)))


def _refund_anomalies(rng: np.random.Generator, shop: Shop, onsets: list[int],
                      kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(refunds, orders) with the anomalies."""
    refunds, orders = shop.refunds, shop.orders
    span = len(shop.rate)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        usual = float(trailing(shop.refunds, np.array([onset]))[0])
        daily = float(trailing(shop.orders, np.array([onset]))[0])
        if kinds[i] == "refund_sync_broken" and usual < 3:
            kinds[i] = "duplicate_charges"  # too few refunds to be missed
        if kinds[i] == "duplicate_charges":  # a gateway update charging orders twice
            for hours in (rng.uniform(1, 12), 18.0, 24.0, 36.0):
                end = min(later, onset + int(hours * 60))
                placed = orders[(orders >= onset) & (orders < end)]
                twice = placed[rng.random(len(placed)) < rng.uniform(0.4, 1)]
                if len(twice) >= max(3, usual):
                    break
            asked = twice + rng.exponential(rng.uniform(30, 240), len(twice))
            refunds = np.sort(np.r_[refunds, shop.make(rng, asked, 0.7)])
        elif kinds[i] == "refund_sync_broken":  # the gateway's webhook to the shop failing
            end = min(later, onset + int(rng.uniform(12 * 60, 4 * DAY)))
            missed = (refunds >= onset) & (refunds < end) & (rng.random(len(refunds)) > 0.1)
            resynced = np.full(missed.sum(), float(end)) if rng.random() < 0.5 else []
            refunds = np.sort(np.r_[refunds[~missed], resynced])
        elif kinds[i] == "fraud_wave":  # card testing: bots' orders, day and night
            end = min(later, onset + int(rng.uniform(60, 8 * 60)))
            rate = max(rng.uniform(1, 10) * shop.per_day / DAY, 3 * max(usual, 3) / (end - onset))
            fake = onset + arrivals(rng, np.full(end - onset, rate))
            orders = np.sort(np.r_[orders, fake])
            caught = fake[rng.random(len(fake)) < rng.uniform(0.6, 1)]
            asked = caught + rng.exponential(rng.uniform(30, 360), len(caught))
            refunds = np.sort(np.r_[refunds, shop.make(rng, asked, 0.5)])
        else:  # event_cancelled: a cancelled event or a recalled product, refunded in a batch
            batch = int(max(20, 2 * usual, rng.uniform(0.2, 1.2) * daily))
            made = onset + np.sort(rng.uniform(0, rng.uniform(10, 90), batch))
            refunds = np.sort(np.r_[refunds, made])
    return refunds, orders


def refunds_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([5, 5, 10, 15]))
    stamps = common.stamps(rng, step, 0.02, int(rng.integers(0, 3)))
    start = stamps[0].floor("min") - pd.Timedelta(minutes=BURN_IN)
    at = np.asarray((stamps - start).total_seconds() / 60)
    grid = start + pd.to_timedelta(np.arange(int(at[-1]) + 2), unit="min")
    shop = Shop(rng, grid)
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, REFUND_KINDS)
    hours = hour_of_day(stamps)
    desk = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 17))
    snap_onsets(("event_cancelled",), "duplicate_charges", desk, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [int(at[s - 1]) + 1 for s in starts]  # from the minute after the row before
    refunds, orders = _refund_anomalies(rng, shop, onsets, kinds)
    made = trailing(refunds, at).astype(float)
    if name.startswith("woo_refund_rate_24h"):
        placed = trailing(orders, at)
        return SyntheticSeries(name, stamps, np.round(100 * made / np.maximum(placed, 1), 2),
                               starts, kinds)
    return SyntheticSeries(name, stamps, made, starts, kinds)
