"""The sixteenth exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from exam_family_checks import (
    anomalies,
    every_file,
    generated_round,
    minutes_after,
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r16
from healer_ops.devkit.nab.exam_families_r16 import DAY, moderated, spread
from healer_ops.devkit.nab.exam_r16_shop import TIMEOUTS, Shop, ends
from healer_ops.devkit.nab.synthetic import label_windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r16)


def _raw(s) -> bool:
    return s.name.startswith("mysql_global_status")


def _increments(s) -> np.ndarray:
    """Aborted connects a row: the increase files as they are, the raw counter's increase
    (after a restart, the counter itself)."""
    if not _raw(s):
        return s.values
    step = np.diff(s.values, prepend=s.values[0])
    return np.where(step < 0, s.values, step)


def _ms(s) -> np.ndarray:
    return s.values if s.name.startswith("wc_webhook") else 1000 * s.values


def _around(s, values: np.ndarray, row: int, first: float, last: float) -> np.ndarray:
    """``values`` (one a row of ``s``) from ``first`` to ``last`` minutes after ``row``."""
    minutes = minutes_after(s, row)
    return values[(minutes >= first) & (minutes <= last)]


def _climb(values: np.ndarray) -> float:
    """The most ``values`` climb above their lowest so far (a moderator's clearing does not
    hide what arrives after it)."""
    return float((values - np.minimum.accumulate(values)).max()) if len(values) else 0.0


def _quiet_before(s, row: int, minutes: float) -> bool:
    """No other anomaly starts within ``minutes`` before ``row``."""
    earlier = [other for other in s.anomaly_rows if other < row]
    return not earlier or -minutes_after(s, row)[earlier[-1]] > minutes


def test_helpers_follow_their_mechanisms():
    """A moderator's bulk action takes out its share of the queue over its minutes, never more
    than is there; an anomaly is over well before the next starts. A shop's stock never goes
    below zero and only rises with a delivery (a delivery posted twice brings twice the
    units)."""
    assert list(spread(10, 4)) == [2, 3, 2, 3] and spread(5, 1).sum() == 5
    arrivals = np.ones((1, 6), int)
    np.testing.assert_array_equal(moderated(arrivals, [(2, 1.0, 1, (0,))]), [1, 2, 0, 1, 2, 3])
    np.testing.assert_array_equal(moderated(arrivals, [(2, 1.0, 2, (0,))]), [1, 2, 2, 1, 2, 3])
    np.testing.assert_array_equal(moderated(arrivals, [(3, 0.5, 1, (0,))]), [1, 2, 3, 2, 3, 4])
    assert ends(0, 100, 500) == 70 and ends(10, np.inf, 50) == 60
    rng = np.random.default_rng(3)
    grid = pd.date_range("2026-01-05", periods=20 * DAY, freq="min")
    for products in (1, 6):
        shop = Shop(rng, grid, products)
        stock, delivered = shop.simulate()
        assert stock.min() >= 0
        rises = np.diff(stock, axis=1) > 0
        assert not (rises & (delivered[:, 1:] == 0)).any()
        came = np.flatnonzero(delivered.sum(axis=0))
        assert len(came)
        j = int(np.flatnonzero(shop.deliveries == came[0])[0])
        _, twice = shop.simulate(frozenset({j}))
        np.testing.assert_array_equal(twice[:, came[0]], 2 * delivered[:, came[0]])


def test_values_are_of_their_kind(generated):
    """Queues, counters and stock are whole counts, never negative; a raw counter only climbs
    but for a rare restart; a webhook's duration is whole milliseconds or seconds in
    thousandths, never over the longest timeout, and each delivery has its own second."""
    for family in ("synthCommentQueue", "synthAbortedConnects", "synthStockLevel"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthAbortedConnects"):
        if _raw(s):
            assert (np.diff(s.values) < 0).sum() <= 4
    for s in every_file(generated, "synthWebhookLatency"):
        in_ms = s.name.startswith("wc_webhook")
        np.testing.assert_array_equal(s.values, np.round(s.values, 0 if in_ms else 3))
        assert _ms(s).min() > 0 and _ms(s).max() <= 1000 * max(TIMEOUTS) + 20
        assert (np.diff(s.timestamps.asi8) >= 1e9).all()


def test_comment_queues_are_emptied_in_working_hours(generated):
    """The queue climbs with what arrives and falls when a moderator gets to it: in most
    files it rises more often than it falls, and is more than halved now and then; those
    clearings come from seven in the morning to midnight."""
    climbs, cleared, hours = [], [], []
    for s in every_file(generated, "synthCommentQueue"):
        part = normal_part(s)
        steps = np.diff(part)
        climbs.append((steps > 0).sum() > (steps < 0).sum())
        halved = np.flatnonzero((part[1:] < 0.5 * part[:-1]) & (part[:-1] >= 5)) + 1
        cleared.append(len(halved) > 0)
        hours.extend(np.asarray(s.timestamps.hour)[halved])
    assert sum(climbs) > 0.75 * len(climbs) and sum(cleared) > 0.75 * len(cleared)
    assert np.mean(np.asarray(hours) >= 7) > 0.9


def test_aborted_connects_have_a_floor_or_none(generated):
    """Servers behind a load balancer's TCP checks fail a steady few connections every row;
    the others have rows with none at all."""
    floors = []
    for s in every_file(generated, "synthAbortedConnects"):
        part = _increments(s)[1:min(s.anomaly_rows, default=len(s.values))]
        floors.append(np.percentile(part, 5) > 0)
    assert any(floors) and not all(floors)


def test_stock_is_a_staircase_topped_up_on_weekday_mornings(generated):
    """Stock falls by sales in whole units and rises with deliveries: in the normal part it
    falls more often than it rises, and its large rises come on weekday mornings (the
    supplier's, or the ERP's next sync after it)."""
    falls, mornings = [], []
    for s in every_file(generated, "synthStockLevel"):
        part = normal_part(s)
        steps = np.diff(part)
        falls.append((steps < 0).sum() > (steps > 0).sum())
        large = np.flatnonzero(steps >= np.maximum(0.2 * part[:-1], 5)) + 1
        stamps = s.timestamps[large]
        mornings.extend((np.asarray(stamps.day_of_week) < 5) & (np.asarray(stamps.hour) >= 7)
                        & (np.asarray(stamps.hour) < 15))
    assert sum(falls) > 0.75 * len(falls)
    assert np.mean(mornings) > 0.75


def test_webhook_deliveries_are_mostly_quick_with_a_slow_tail(generated):
    """Most deliveries take well under the timeout (the median under three seconds), a slow
    one now and then (the 99th percentile half as much again as the median, the slowest
    twice it at least, or the timeout)."""
    for s in every_file(generated, "synthWebhookLatency"):
        part = _ms(s)[:min(s.anomaly_rows, default=len(s.values))]
        assert np.median(part) < 3000
        assert np.percentile(part, 99) > 1.5 * np.median(part)
        assert part.max() > 2 * np.median(part)


def test_comment_queue_anomalies_have_their_shapes(generated):
    """Akismet unreachable lifts the queue more in the next six hours than in the six before,
    a pingback flood by fifty or more within two hours (whatever a moderator clears); with the
    moderator away it climbs past the week before while they are away (where no other anomaly
    started in the ten days before); with the form broken it does not rise for three hours."""
    lifted, flooded, away, broken = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCommentQueue"):
        if kind == "akismet_unreachable":
            lifted.append(_climb(within(s, row, -1, 6 * 60)) > _climb(within(s, row, -6 * 60,
                                                                               -1)))
        elif kind == "pingback_flood":
            flooded.append(_climb(within(s, row, -1, 120)) >= 50)
        elif kind == "moderator_away" and _quiet_before(s, row, 10 * DAY):
            later = [other for other in s.anomaly_rows if other > row]
            last = minutes_after(s, row)[later[0]] if later else 10 * DAY
            away.append(within(s, row, 0, last).max() > within(s, row, -7 * DAY, -1).max())
        elif kind == "comment_form_broken":
            broken.append(within(s, row, 0, 180).max() <= s.values[row])
    assert lifted and sum(lifted) > 0.75 * len(lifted)
    assert flooded and sum(flooded) > 0.75 * len(flooded)
    assert away and all(away)
    assert broken and all(broken)


def test_aborted_connects_anomalies_have_their_shapes(generated):
    """Stale credentials lift the failures of the next two hours; the port exposed and
    max_connections reached at least double the hour before's busiest row within an hour;
    the health checks stopped take away most of the failures."""
    stale, bursts, stopped = [], [], []
    for s, row, kind in anomalies(generated, "synthAbortedConnects"):
        failed = _increments(s)
        before = _around(s, failed, row, -120, -1)
        if not len(before):  # just after a hole in the scrapes: the rows before it
            before = failed[max(1, row - 10):row]
        if kind == "stale_credentials":
            stale.append(_around(s, failed, row, 0, 120).mean() > before.mean())
        elif kind in ("port_exposed", "max_connections_reached"):
            bursts.append(_around(s, failed, row, 0, 60).max() > 2 * before.max() + 2)
        else:
            stopped.append(np.median(_around(s, failed, row, 5, 60)) < 0.5 * np.median(before))
    assert stale and sum(stale) > 0.75 * len(stale)
    assert bursts and sum(bursts) > 0.75 * len(bursts)
    assert stopped and all(stopped)


def test_stock_anomalies_have_their_shapes(generated):
    """Pending orders holding the stock take a fifth of it within the hour; an import moves
    it by a fifth at once; a receipt posted twice lifts it past the week before; a stale
    snapshot keeps it from sinking below nine tenths of the figure at the onset for hours.
    (Those compared with the week before are taken where no other anomaly started in the ten
    days before: anomalies last up to three days.)"""
    held, imported, doubled, frozen = [], [], [], []
    for s, row, kind in anomalies(generated, "synthStockLevel"):
        before = s.values[row - 1]
        if kind == "pending_orders_hold":
            held.append(within(s, row, 0, 60).min() < 0.8 * before)
        elif kind == "import_overwrote_stock":
            imported.append(abs(s.values[row] - before) >= 0.2 * max(before, 5))
        elif kind == "receipt_posted_twice" and _quiet_before(s, row, 10 * DAY):
            doubled.append(within(s, row, 0, 60).max() > within(s, row, -7 * DAY, -1).max())
        elif kind == "stale_sync_snapshot" and quiet_for(s, row, 6 * 60):
            frozen.append(within(s, row, 0, 6 * 60).min() >= 0.9 * s.values[row] - 3)
    assert held and sum(held) > 0.75 * len(held)
    assert imported and sum(imported) > 0.9 * len(imported)
    assert doubled and sum(doubled) > 0.75 * len(doubled)
    assert frozen and sum(frozen) > 0.75 * len(frozen)


def test_webhook_anomalies_have_their_shapes(generated):
    """A timeout wall makes the delivery take five seconds or more (three times the usual at
    least); an IPv6 blackhole adds
    most of a second to the next deliveries' median, a cold start every call a third of one;
    a flushed backlog comes after an hour or more without deliveries, back to back."""
    walls, slower, colder, flushed = [], [], [], []
    for s, row, kind in anomalies(generated, "synthWebhookLatency"):
        took = _ms(s)
        usual = np.median(took[max(0, row - 50):row])
        after = np.median(took[row:row + 10])
        if kind == "timeout_wall":
            walls.append(took[row] >= 5000 and took[row] > 3 * usual)
        elif kind == "ipv6_blackhole":
            slower.append(after > usual + 800)
        elif kind == "cold_start_every_call":
            colder.append(after > usual + 300)
        else:
            gap = minutes_after(s, row - 1)[row]
            flushed.append(gap >= 60 and minutes_after(s, row)[row + 3] < 2)
    assert walls and all(walls)
    assert slower and sum(slower) > 0.9 * len(slower)
    assert colder and sum(colder) > 0.75 * len(colder)
    assert flushed and all(flushed)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r16.EXAM_FAMILIES_R16:
        first = exam_families_r16.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
