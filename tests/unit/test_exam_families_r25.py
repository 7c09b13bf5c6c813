"""The twenty-fifth exam families: values and anomalies shaped by their mechanisms;
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
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r25
from healer_ops.devkit.nab.exam_families_r25 import retransmission_delay
from healer_ops.devkit.nab.exam_r25_mysql import DAY, spare_misses, threads_created
from healer_ops.devkit.nab.exam_r25_refunds import Desk, trailing


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r25)


def _ms(s) -> np.ndarray:
    """A TLS file's values in milliseconds."""
    return s.values * 1000 if s.name.startswith("probe_tls_handshake_seconds") else s.values


def _created(s) -> np.ndarray:
    """A thread cache file's values as threads created a scrape (the rate files a second)."""
    if not s.name.startswith("mysql_threads_created_rate"):
        return s.values
    step = np.median(np.diff(s.timestamps.asi8)) / 6e10
    return s.values * 60 * step


def _blocks(s, part) -> np.ndarray:
    """The mean of ``part`` (the file's first rows) in each 4-hour block of the day."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return np.array([part[(hours >= h) & (hours < h + 4)].mean() for h in range(0, 24, 4)
                     if ((hours >= h) & (hours < h + 4)).any()])


def test_helpers_follow_their_mechanisms():
    """A thread is created for each connection above the threads there are, and the cache
    keeps at most its size of spare threads (none after a restart); with no cache every
    connection finds no spare thread. A trailing count holds an event for exactly a day. A lost
    packet adds at least 200 ms, doubled at each loss in a row. The desk makes refunds in
    office hours, on weekdays and some Saturdays."""
    in_use = np.array([3.0, 5, 2, 2, 6, 4])
    np.testing.assert_array_equal(threads_created(in_use, 1, np.zeros(6, bool)),
                                  [3, 2, 0, 0, 3, 0])
    emptied = np.array([False, False, False, False, False, True])
    np.testing.assert_array_equal(threads_created(in_use, 10, emptied), [3, 2, 0, 0, 1, 4])
    np.testing.assert_allclose(spare_misses(0, np.array([1.0, 50.0])), 1)
    shares = spare_misses(np.array([9, 16, 32, 100]), np.full(4, 30.0))
    assert (np.diff(shares) < 0).all()
    times = np.array([0.5, 10, DAY + 0.2])
    np.testing.assert_array_equal(trailing(times, np.array([1.0, DAY, DAY + 1])), [1, 2, 2])
    np.testing.assert_allclose(retransmission_delay(np.array([0, 1, 2]), np.full(3, 20.0)),
                               [0, 200, 600])
    np.testing.assert_allclose(retransmission_delay(np.array([1]), np.array([300.0])), [360])
    rng = np.random.default_rng(3)
    grid = pd.date_range("2026-01-05 07:13", periods=30 * DAY, freq="min")
    desk = Desk(rng, grid)
    made = desk.made(rng, rng.uniform(0, 25 * DAY, 2000))
    stamps = grid[0] + pd.to_timedelta(made, unit="min")
    assert ((stamps.hour >= 9) & (stamps.hour < 18)).all()
    assert (stamps.day_of_week < 6).all()


def test_values_are_of_their_kind(generated):
    """Handshakes are positive seconds (millionths) or milliseconds (tenths) under a minute;
    refunds are whole counts or a percent in hundredths; threads created are whole counts or
    a rate in thousandths; dirty pages are whole pages or a percent of the pool in hundredths
    under innodb_max_dirty_pages_pct."""
    for s in every_file(generated, "synthTlsHandshake"):
        seconds = s.name.startswith("probe_tls_handshake_seconds")
        np.testing.assert_array_equal(s.values, np.round(s.values, 6 if seconds else 1))
        assert s.values.min() > 0 and _ms(s).max() < 60_000
    for family, whole, rate in (("synthRefunds", "woo_refunds_24h", 2),
                                ("synthThreadCache", "mysql_threads_created_rate", 3),
                                ("synthDirtyPages", "mysql_buffer_pool_pages_dirty", 2)):
        for s in every_file(generated, family):
            assert s.values.min() >= 0
            counted = s.name.startswith(whole) != (family == "synthThreadCache")
            np.testing.assert_array_equal(s.values, np.round(s.values, 0 if counted else rate))
            if s.name.startswith("innodb_buffer_pool_dirty_pct"):
                assert s.values.max() <= 90


def test_handshakes_are_round_trips_with_rare_spikes(generated):
    """Before any anomaly, no handshake is much quicker than the route's round trip (the
    fastest twentieth at least half the median), and in most files a lost packet or a reload
    makes a few probes several times slower."""
    spiky = []
    for s in every_file(generated, "synthTlsHandshake"):
        part = normal_part(s)
        assert np.quantile(part, 0.05) > 0.5 * np.median(part)
        spiky.append(part.max() > 3 * np.median(part))
    assert sum(spiky) > 0.75 * len(spiky)


def test_refunds_are_made_at_the_desk(generated):
    """In most count files the count steps up mostly on weekdays in office hours (the desk),
    and some small shops count nothing for a while."""
    at_desk, idle = [], []
    for s in every_file(generated, "synthRefunds"):
        if not s.name.startswith("woo_refunds_24h"):
            continue
        part = normal_part(s)
        rises = np.flatnonzero(np.diff(part) > 0) + 1
        stamps = s.timestamps[rises]
        office = (stamps.day_of_week < 6) & (stamps.hour >= 9) & (stamps.hour < 18)
        at_desk.append(office.mean() > 0.5)
        idle.append((part == 0).any())
    assert sum(at_desk) > 0.75 * len(at_desk)
    assert any(idle)


def test_mysql_figures_follow_the_day(generated):
    """Threads are created at the busy hours: in the files that create any before an anomaly,
    the busiest block of four hours creates at least twice the quietest; some files create
    hardly any (a cache large enough). Dirty pages follow the writes of the day in most files."""
    busier, none = [], []
    for s in every_file(generated, "synthThreadCache"):
        part = _created(s)[:len(normal_part(s))]
        none.append((part == 0).mean() > 0.9)
        if part.mean() > 0.5:
            blocks = _blocks(s, part)
            busier.append(blocks.max() > 2 * blocks.min())
    assert busier and sum(busier) > 0.75 * len(busier)
    assert any(none)
    daily = [(lambda b: b.max() > 1.3 * b.min())(_blocks(s, normal_part(s)))
             for s in every_file(generated, "synthDirtyPages")]
    assert sum(daily) > 0.75 * len(daily)


def test_tls_anomalies_have_their_shapes(generated):
    """A farther PoP and TLS 1.3 disabled lengthen the median; packet loss makes many probes
    a retransmission slower; a saturated terminator adds its waits."""
    longer, lost, waits = [], [], []
    for s, row, kind in anomalies(generated, "synthTlsHandshake"):
        s_ms = type(s)(s.name, s.timestamps, _ms(s))
        usual = np.median(within(s_ms, row, -60, -1))
        if kind in ("pop_rerouted", "tls13_disabled"):
            longer.append(np.median(within(s_ms, row, 0, 30)) > 1.3 * usual)
        elif kind == "packet_loss":
            lost.append((within(s_ms, row, 0, 30) > usual + 150).mean() > 0.1)
        else:
            waits.append(within(s_ms, row, 0, 60).mean()
                         > within(s_ms, row, -120, -1).mean() + 10)
    assert longer and sum(longer) > 0.9 * len(longer)
    assert lost and sum(lost) > 0.75 * len(lost)
    assert waits and sum(waits) > 0.75 * len(waits)


def test_refund_anomalies_have_their_shapes(generated):
    """A cancelled event's batch at least doubles the figure within two hours; duplicate
    charges and a fraud wave raise it by half within a day and a half (a fraud wave first
    lowers the rate, its orders before its refunds); a broken sync drains it."""
    batch, raised, drained = [], [], []
    for s, row, kind in anomalies(generated, "synthRefunds"):
        usual = np.median(within(s, row, -360, -1))
        if kind == "event_cancelled":
            batch.append(within(s, row, 0, 120).max() > max(2 * usual, usual + 1))
        elif kind == "refund_sync_broken":
            drained.append(within(s, row, 0, 36 * 60).min() < 0.7 * usual)
        else:
            later = within(s, row, 0, 36 * 60)
            raised.append(later.max() > 1.5 * usual or (
                kind == "fraud_wave" and within(s, row, 0, 120).min() < 0.8 * usual))
    assert batch and sum(batch) > 0.9 * len(batch)
    assert raised and sum(raised) > 0.75 * len(raised)
    assert drained and sum(drained) > 0.75 * len(drained)


def test_mysql_anomalies_have_their_shapes(generated):
    """With the cache disabled, threads are created several times as fast; lock pile-ups
    jump above the usual; OOM restarts show minutes with none or a cold start's burst; a
    creeping query creates more a day later than in the same hours the day before. Dirty
    pages climb when flushing stalls, drain when writes stop, swell in a write storm, and
    freeze in a frozen exporter."""
    disabled, piled, restarts, creep = [], [], [], []
    for s, row, kind in anomalies(generated, "synthThreadCache"):
        c = type(s)(s.name, s.timestamps, _created(s))
        usual = np.median(within(c, row, -60, -1))
        if kind == "cache_disabled":
            disabled.append(np.median(within(c, row, 0, 60)) > 3 * usual + 1)
        elif kind == "lock_pileup":
            piled.append(within(c, row, 0, 30).max() > 2 * usual + 5)
        elif kind == "oom_restarts":
            after = within(c, row, 0, 120)
            restarts.append(after.min() < 0.5 * usual
                            or after.max() > 1.5 * within(c, row, -120, -1).max())
        elif quiet_for(s, row, DAY):
            creep.append(within(c, row, DAY - 360, DAY).mean() > within(c, row, -360, 0).mean())
    assert disabled and sum(disabled) > 0.9 * len(disabled)
    assert piled and sum(piled) > 0.75 * len(piled)
    assert restarts and sum(restarts) > 0.75 * len(restarts)
    assert creep and sum(creep) > 0.6 * len(creep)
    climbed, drained, swelled, frozen = [], [], [], []
    for s, row, kind in anomalies(generated, "synthDirtyPages"):
        usual = np.median(within(s, row, -180, -1))
        if kind == "flush_stall":
            climbed.append(within(s, row, 0, 180).max() > 1.5 * usual)
        elif kind == "writes_stopped":
            drained.append(np.median(within(s, row, 60, 180)) < 0.5 * usual)
        elif kind == "write_storm":
            swelled.append(np.median(within(s, row, 30, 180)) > 1.3 * usual)
        else:
            frozen.append(np.ptp(within(s, row, 0, 45)) == 0)
    assert climbed and sum(climbed) > 0.75 * len(climbed)
    assert drained and sum(drained) > 0.75 * len(drained)
    assert swelled and sum(swelled) > 0.75 * len(swelled)
    assert frozen and all(frozen)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    from healer_ops.devkit.nab.synthetic import label_windows

    for family in exam_families_r25.EXAM_FAMILIES_R25:
        first = exam_families_r25.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(start <= row <= last for row, (start, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
