"""``synthStockLevel`` and ``synthWebhookLatency`` of the sixteenth exam families
(``exam_families_r16``): a WooCommerce shop's stock and the webhooks it sends. Stock is a
staircase: each sale takes whole units off (a pending order holds its units for the shop's
hold-stock minutes and gives them back if it is abandoned), a product sold out stays at zero
until the supplier's next delivery tops it up to its order-up-to level, and where an ERP syncs
the shop, the shop's figures also step down at each sync by what the tills sold. A webhook's
delivery is one row of the shop's log: sent by the Action Scheduler's runner when it next runs
(one delivery after another), it takes the receiver's time plus the connection's, a cold start
where a serverless receiver sat idle, and never more than the sender's timeout."""

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

# ---------------------------------------------------------------- stock level

HOLD_MINUTES = (60, 60, 60, 30, 15)  # WooCommerce's "hold stock" for pending orders


def ends(onset: float, later: float, minutes: float, span: float = np.inf) -> float:
    """Where an anomaly of ``minutes`` from ``onset`` is over: by then, or well before the
    next one starts at ``later`` (so the next is seen to start afresh); cut at ``span``."""
    return min(onset + min(minutes, 0.7 * (later - onset)), span)


def later_onsets(onsets: list) -> list:
    """For each onset, the next one (none after the last: it may run past the file's end)."""
    return [*onsets[1:], np.inf][:len(onsets)]


def units_of(rng: np.random.Generator, orders: np.ndarray, single: float) -> np.ndarray:
    """Units of ``orders`` orders: one each and more now and then (``single``: the chance an
    order line is of one unit more)."""
    orders = orders.astype(int)
    more = rng.negative_binomial(np.maximum(orders, 1), 1 - single)
    return orders + np.where(orders > 0, more, 0)


class Shop:
    """A shop's products: web sales a minute (some as pending orders that are abandoned and
    give their units back after the hold), the tills' sales the ERP reports at each sync (if
    an ERP syncs), the supplier's deliveries topping each product up to its order-up-to level
    when it is at or below its reorder point."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, products: int
                 ) -> None:
        span = len(grid)
        self.span = span
        hours, weekday = hour_of_day(grid), np.asarray(grid.day_of_week)
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, 3 * DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 4), (60, DAY))  # a newsletter, a sale
        most = 0.6 if products > 1 else 0.1  # orders a minute of a shop, or of one product
        orders = float(np.exp(rng.uniform(np.log(0.005), np.log(most)))) * load
        share = rng.dirichlet(np.full(products, 0.6))
        single = rng.uniform(0.05, 0.4)
        web = units_of(rng, rng.poisson(np.outer(share, orders)), single)
        self.hold = int(rng.choice(HOLD_MINUTES))
        abandoned = rng.binomial(web, rng.uniform(0.02, 0.1))  # pending, never paid
        self.held = np.array([np.convolve(a, np.ones(self.hold))[:span] for a in abandoned])
        self.web = np.cumsum(web - abandoned, axis=1)
        self.syncs = np.zeros(span, bool)
        tills = np.zeros((products, span))
        if rng.random() < 0.6:  # an ERP syncs the shop every 15 to 60 minutes
            period = int(rng.choice([15, 15, 30, 60]))
            self.syncs[int(rng.integers(period))::period] = True
            self.syncs &= rng.random(span) > 0.02  # a run failed now and then
            open_ = (weekday < 6) & (hours >= 9) & (hours < 19)
            rate = orders.mean() * rng.uniform(0.2, 2) * open_ / max(open_.mean(), 0.1)
            tills = units_of(rng, rng.poisson(np.outer(share, rate)), single)
        last_sync = np.maximum.accumulate(np.where(self.syncs, np.arange(span), -1))
        tills_then = np.where(last_sync >= 0, np.cumsum(tills, axis=1)[:, last_sync], 0)
        self.visible = np.c_[np.zeros(products), self.web + tills_then]  # sold, as the shop sees
        self.last_sync = last_sync
        daily = np.maximum((web.sum(axis=1) + tills.sum(axis=1)) / (span / DAY), 0.3)
        self.case = rng.choice([1, 1, 6, 12, 24], products) if products > 1 else np.ones(1)
        cover = rng.uniform(2, 12, products)  # days a delivery is to last
        self.top = np.maximum(np.ceil(daily * cover / self.case), 1) * self.case
        self.reorder = np.floor(self.top * rng.uniform(0.3, 0.6, products))
        self.initial = np.round(rng.uniform(self.reorder, self.top))
        self.deliveries = self._deliveries(rng, grid)
        self.noise = rng.normal(0, 0.7, (products, len(self.deliveries)))

    def _deliveries(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
        """Minutes the supplier's deliveries are booked in: on one to three weekdays at a
        morning hour (through the ERP's next sync where it syncs)."""
        days = rng.choice(5, int(rng.integers(1, 4)), replace=False)
        hour = rng.uniform(7, 11)
        midnight = grid[0].normalize()
        first = int((grid[0] - midnight).total_seconds() // 60)
        booked = []
        for day in range(self.span // DAY + 2):
            if (midnight + pd.Timedelta(days=day)).dayofweek in days:
                booked.append(day * DAY + int(60 * hour + rng.uniform(0, 90)) - first)
        booked = np.array([b for b in booked if 0 < b < self.span], int)
        if self.syncs.any():
            syncs = np.flatnonzero(self.syncs)
            at = np.searchsorted(syncs, booked)
            booked = syncs[at[at < len(syncs)]]
        return np.unique(booked)

    def simulate(self, doubled: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """(each product's stock a minute, units delivered a minute); the deliveries numbered in
        ``doubled`` are booked in twice."""
        products, span = self.visible.shape[0], self.span
        stock, delivered = np.zeros((products, span)), np.zeros((products, span))
        for p in range(products):
            level, first = self.initial[p], 0
            for j, minute in enumerate([*self.deliveries, span]):
                sold = self.visible[p, first + 1:minute + 1] - self.visible[p, first]
                stock[p, first:minute] = np.maximum(level - sold, 0)
                if minute >= span:
                    break
                before = stock[p, minute - 1]
                size = 0.0
                if before <= self.reorder[p]:
                    lots = round((self.top[p] - before) / self.case[p] + self.noise[p, j])
                    size = self.case[p] * max(lots, 1)
                delivered[p, minute] = size * (2 if j in doubled else 1)
                level, first = before + delivered[p, minute], minute
        return stock, delivered


def _overwritten(shop: Shop, delivered: np.ndarray, p: int, onset: int, end: int,
                 value: float) -> np.ndarray:
    """Product ``p``'s stock from ``onset`` to ``end`` when an import set it to ``value``:
    sales and deliveries go on from there."""
    sold = shop.visible[p, onset + 1:end + 1] - shop.visible[p, onset]
    came = np.cumsum(delivered[p, onset:end])
    return np.maximum(value - sold + came, 0)


def _stale(shop: Shop, stock: np.ndarray, onset: int, end: int) -> tuple[int, np.ndarray]:
    """(the first sync after ``onset``, each product's stock from it to ``end``) when the
    ERP's export froze at ``onset``: every sync sets the frozen figures again, web sales take
    units off between syncs."""
    syncs = np.flatnonzero(shop.syncs[onset + 1:end]) + onset + 1
    if not len(syncs):
        return end, np.zeros((len(stock), 0))
    first = int(syncs[0])
    since = shop.last_sync[first:end]
    web = np.c_[np.zeros(len(stock)), shop.web]
    return first, np.maximum(stock[:, onset:onset + 1] - (web[:, first + 1:end + 1]
                                                          - web[:, since + 1]), 0)


def _hold_bot(rng: np.random.Generator, shop: Shop, stock: np.ndarray, onset: int, end: int
              ) -> np.ndarray:
    """Units held by a bot's pending orders (a scalper, or card testing on a product): orders
    of many units at once on the shop's best-stocked products, each holding its units for the
    hold-stock minutes."""
    held = np.zeros_like(stock)
    order = np.argsort(-stock[:, onset])
    total = stock[:, onset].sum()
    targets = [int(p) for k, p in enumerate(order[:3])
               if k == 0 or stock[order[:k], onset].sum() < 0.3 * total]
    for p in targets:
        per_order = max(1.0, np.ceil(stock[p, onset] / rng.uniform(2, 8)))
        orders = rng.poisson(rng.uniform(0.2, 2), end - onset) * per_order
        holding = np.convolve(orders, np.ones(shop.hold))[:shop.span - onset]
        held[p, onset:onset + len(holding)] = holding
    return held


def _stock_anomalies(rng: np.random.Generator, shop: Shop, stock: np.ndarray,
                     delivered: np.ndarray, onsets: list[int], kinds: list[str]
                     ) -> np.ndarray:
    """Each product's stock a minute with the anomalies (but the receipts posted twice,
    which ``Shop.simulate`` books)."""
    span = shop.span
    out = stock.copy()
    bot = np.zeros_like(stock)
    for i, (onset, later) in enumerate(zip(onsets, later_onsets(onsets), strict=True)):
        if kinds[i] == "stale_sync_snapshot":
            end = int(ends(onset, later, rng.uniform(6 * 60, 3 * DAY), span))
            first, stale = _stale(shop, stock, onset, end)
            moved = np.abs(stale - stock[:, first:end]).sum(axis=0)
            if len(moved) and moved.max() >= max(3, 0.1 * stock[:, onset].sum()):
                out[:, first:end] = stale
            else:
                kinds[i] = "import_overwrote_stock"  # the snapshot hardly differs
        if kinds[i] == "pending_orders_hold" and (out[:, onset] - shop.held[:, onset]).sum() < 5:
            kinds[i] = "import_overwrote_stock"  # sold out: nothing to hold
        if kinds[i] == "import_overwrote_stock":  # a CSV's wrong column read as the stock
            end = int(ends(onset, later, rng.uniform(60, 2 * DAY), span))
            before = stock[:, onset]
            hit = rng.random(len(before)) < rng.uniform(0.3, 1)
            hit[int(np.argmax(before))] = True
            mode = str(rng.choice(["zero", "price", "sold"]))
            if mode == "zero" and before[hit].sum() < 5:
                mode = "sold"
            values = {"zero": np.zeros(len(before)),
                      "price": np.round(rng.lognormal(np.log(30), 1, len(before))),
                      "sold": np.round((before + 10) * rng.uniform(2, 8, len(before)))}[mode]
            if abs(values[hit].sum() - before[hit].sum()) < 0.3 * max(before.sum(), 5):
                values = np.round((before + 10) * rng.uniform(5, 20, len(before)))
            for p in np.flatnonzero(hit):
                out[p, onset:end] = _overwritten(shop, delivered, p, onset, end, values[p])
        elif kinds[i] == "pending_orders_hold":
            end = int(ends(onset, later, rng.uniform(30, 6 * 60), span))
            bot += _hold_bot(rng, shop, out, onset, end)
    return np.maximum(out - shop.held - bot, 0)


def stock_level_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 5, 5, 10, 15])))
    single = name.startswith("product_stock")
    shop = Shop(rng, grid, 1 if single else int(rng.integers(2, 13)))
    stock, delivered = shop.simulate()
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("pending_orders_hold", "stale_sync_snapshot",
                                       "import_overwrote_stock", "receipt_posted_twice"),
                         once="receipt_posted_twice")  # the next deliveries are ordered short
    kinds = ["import_overwrote_stock" if k == "stale_sync_snapshot" and not shop.syncs.any()
             else k for k in kinds]
    # a receipt posted twice is seen where twice the delivery lifts the stock past the week's
    total = stock.sum(axis=0)
    seen_at = {int(np.searchsorted(at, m)): j for j, m in enumerate(shop.deliveries)
               if total[m] + delivered[:, m].sum() >= 1.15 * total[max(0, m - 7 * DAY):m].max()}
    snap_onsets(("receipt_posted_twice",), "pending_orders_hold",
                np.array(sorted(row for row in seen_at if row < rows), int), starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [int(at[s]) for s in starts]
    doubled = frozenset(seen_at[s] for s, kind in zip(starts, kinds, strict=True)
                        if kind == "receipt_posted_twice")
    for i, kind in enumerate(kinds):
        if kind == "receipt_posted_twice":  # booked in the minute the delivery came
            onsets[i] = int(shop.deliveries[seen_at[starts[i]]])
    if doubled:
        stock, delivered = shop.simulate(doubled)
    stock = _stock_anomalies(rng, shop, stock, delivered, onsets, kinds)
    return SyntheticSeries(name, stamps, stock.sum(axis=0)[at], starts, kinds)


# ---------------------------------------------------------------- webhook deliveries

TIMEOUTS = (5, 10, 15, 30, 60)  # seconds: the sender's HTTP timeout


class Receiver:
    """Where the shop's webhooks go: its own time (lognormal, slower at its busy hours, a slow
    one now and then), the connection's (DNS, TCP and TLS: a few round trips), a cold start
    when a serverless receiver has sat idle, a deploy now and then (connections refused for a
    minute or two: a fast failure)."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        self.own = float(np.exp(rng.uniform(np.log(60), np.log(700))))  # ms, median
        self.spread = rng.uniform(0.2, 0.6)
        self.busy = 1 + rng.uniform(0, 0.6) * daily_cycle(hour_of_day(grid),
                                                           rng.uniform(10, 20), 4)
        self.connect = rng.uniform(5, 150) * rng.uniform(2, 4)  # ms: round trips to connect
        self.serverless = rng.random() < 0.5
        self.idle = rng.uniform(5, 15)  # minutes before a serverless receiver scales to zero
        self.cold = rng.uniform(600, 3500)  # ms
        self.timeout = 1000.0 * float(rng.choice(TIMEOUTS))
        self.refusing = np.zeros(len(grid), bool)
        for deploy in office_hour_rows(rng, grid, rng.uniform(0, 0.5)):
            self.refusing[deploy:deploy + int(rng.integers(1, 3))] = True


def _due(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Minutes each delivery of one webhook is sent, sorted: an ``order.created`` webhook
    (one delivery an order), or a ``product.updated`` one (the ERP's updates at its sync runs,
    the staff's edits in office hours)."""
    span = len(grid)
    if rng.random() < 0.6:  # order.created
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, 3 * DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, DAY))  # a newsletter, a sale
        count = rng.poisson(float(np.exp(rng.uniform(np.log(0.05), np.log(0.25)))) * load)
    else:  # product.updated
        period = int(rng.choice([2, 5, 10]))
        runs = np.zeros(span)
        runs[int(rng.integers(period))::period] = rng.random(len(runs[::period])) < rng.uniform(
            max(0.4, period / 12), 1)
        edits = office_hour_rows(rng, grid, rng.uniform(1, 40))
        count = runs.astype(int) + np.bincount(edits, minlength=span)
    queued = np.repeat(np.arange(span), count) + rng.random(count.sum())
    # the Action Scheduler's async runner, started at the end of a request, sends it within
    # the minute; where it is off, WP-cron's runner sends it at the first page view after
    if rng.random() < 0.7:
        return np.sort(queued + rng.exponential(rng.uniform(0.05, 0.3), len(queued)))
    views = rng.uniform(0.5, 10) * common.traffic(grid, rng)  # page views a minute
    runner = np.flatnonzero(rng.random(span) < 1 - np.exp(-views))
    next_run = np.searchsorted(runner, np.ceil(queued))
    sent = next_run < len(runner)
    return np.sort(runner[next_run[sent]] + rng.uniform(0, 0.5, sent.sum()))


def _webhook_anomalies(rng: np.random.Generator, receiver: Receiver, due: np.ndarray,
                       onsets: list[float], kinds: list[str]) -> dict[str, np.ndarray]:
    """Flags of each delivery (timed out, through a blackholed IPv6 first, a cold start each,
    in a flushed backlog), and ``due`` moved past a stalled queue."""
    flags = {flag: np.zeros(len(due), bool) for flag in ("timeout", "ipv6", "cold", "flush")}
    for i, (onset, later) in enumerate(zip(onsets, later_onsets(onsets), strict=True)):
        if kinds[i] == "cold_start_every_call":
            row = int(np.searchsorted(due, onset))
            idle = np.diff(due[max(0, row - 50):row + 1]) > receiver.idle
            if not receiver.serverless or idle.mean() > 0.4:
                kinds[i] = "ipv6_blackhole"  # no cold starts, or cold most of the time anyway
        if kinds[i] == "backlog_flush":  # the queue stalled: everything sent at once after
            end = ends(onset, later, rng.uniform(60, 12 * 60))
            stalled = (due >= onset) & (due < end)
            if stalled.sum() >= 4:
                due[stalled] = end + np.sort(rng.uniform(0, 0.2, stalled.sum()))
                flags["flush"] |= stalled
                continue
            kinds[i] = "timeout_wall"
        last = {"timeout_wall": rng.uniform(20, 6 * 60)}.get(kinds[i],
                                                           rng.uniform(3 * 60, 3 * DAY))
        inside = (due >= onset) & (due < ends(onset, later, last))
        flag = {"timeout_wall": "timeout", "ipv6_blackhole": "ipv6"}.get(kinds[i], "cold")
        flags[flag] |= inside
    return flags


def _deliver(rng: np.random.Generator, receiver: Receiver, due: np.ndarray,
             flags: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(minutes each delivery starts, milliseconds it takes): one after another."""
    n = len(due)
    own = receiver.own * rng.lognormal(0, receiver.spread, n)
    own *= np.where(rng.random(n) < 0.02, rng.lognormal(np.log(8), 0.7, n), 1)  # a slow one
    connect = receiver.connect * rng.lognormal(0, 0.2, n)
    cold = receiver.cold * rng.lognormal(0, 0.3, n)
    ipv6 = rng.uniform(1000, 4000) + rng.normal(0, 15, n)
    flush = rng.uniform(1.5, 4)
    start, took = np.zeros(n), np.zeros(n)
    free = -np.inf
    last = len(receiver.busy) - 1
    for i in range(n):
        start[i] = max(due[i], free)
        minute = min(int(start[i]), last)
        if receiver.refusing[minute]:
            took[i] = connect[i] / 3
        else:
            took[i] = connect[i] + own[i] * receiver.busy[minute] * (flush if flags["flush"][i]
                                                                       else 1)
            if receiver.serverless and (flags["cold"][i] or start[i] - free > receiver.idle):
                took[i] += cold[i]
            if flags["ipv6"][i]:
                took[i] += ipv6[i]
            if flags["timeout"][i]:
                took[i] = receiver.timeout
        took[i] = min(took[i], receiver.timeout) + rng.uniform(1, 20)
        free = start[i] + (took[i] + 30) / 60000  # the runner's own work between sends
    return start, took


def webhook_latency_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    rows = int(rng.integers(2500, 9000))
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
    days = 7
    while True:
        grid = pd.date_range(start, periods=days * DAY, freq="min")
        due = _due(rng, grid)
        if len(due) > rows:
            break
        days *= 2
    receiver = Receiver(rng, grid)
    due = due[:rows]
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("timeout_wall", "ipv6_blackhole",
                                       "cold_start_every_call", "backlog_flush"))
    flags = _webhook_anomalies(rng, receiver, due, [float(due[s]) for s in starts], kinds)
    sent, took = _deliver(rng, receiver, due, flags)
    seconds = np.floor(sent * 60).astype(np.int64)
    seconds = np.maximum.accumulate(seconds - np.arange(rows)) + np.arange(rows)  # one a second
    stamps = pd.DatetimeIndex(start + pd.to_timedelta(seconds, unit="s")).as_unit("ns")
    values = np.round(took) if name.startswith("wc_webhook") else np.round(took / 1000, 3)
    return SyntheticSeries(name, stamps, values, starts, kinds)
