"""The fourteenth exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import (
    anomalies,
    every_file,
    generated_round,
    normal_part,
    quiet_for,
    within,
)

from healer_ops.devkit.nab import exam_families_r14
from healer_ops.devkit.nab.exam_r14_netfilter import (
    DAY,
    RECIDIVE,
    TABLE_SIZES,
    Jail,
    tracked,
)
from healer_ops.devkit.nab.synthetic import label_windows

WINDOWS = (5, 10, 15)  # minutes of the RUM dashboard's windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r14)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def test_helpers_follow_their_mechanisms():
    """A connection's entry lives while it is open and two minutes of TIME_WAIT after, and a
    reboot empties the table; fail2ban's bans last exactly their bantime (doubled at each
    repeat with bantime.increment, to a week at most), recidive bans a week."""
    np.testing.assert_allclose(tracked(np.array([2.0, 0, 0, 0, 0]), 1e-3, []),
                               [2, 2, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(tracked(np.array([2.0, 1, 0, 0, 0]), 1e-3, [1]),
                               [2, 1, 1, 0, 0], atol=1e-9)
    rng = np.random.default_rng(7)
    minutes = np.arange(-20 * DAY, 0)
    for increment in (False, True):
        jail = Jail(rng, minutes, (minutes / 60) % 24, 500)
        jail.bantime, jail.increment, jail.persistence = 60.0, increment, 0.9
        jail.return_after = 5.0
        banned, unbanned = jail.bans(rng, rng.uniform(-20 * DAY, -10 * DAY, 300), True)
        lengths = np.round(unbanned - banned, 6)
        repeats = lengths[lengths != RECIDIVE] / 60
        if increment:
            assert set(repeats) <= {2.0 ** k for k in range(8)} | {7 * 24.0} and max(repeats) > 1
        else:
            assert set(repeats) == {1.0}
        assert (lengths == RECIDIVE).any()


def test_values_are_of_their_kind(generated):
    """Log lines and banned addresses are whole counts; LCP percentiles are positive
    milliseconds (whole) or seconds (hundredths) of a page load, stamped at the start of the
    dashboard's windows; conntrack entries are whole counts within the largest table, or a
    percent of the table in hundredths."""
    for family in ("synthPhpErrorLog", "synthBannedIps"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthRumLcp"):
        in_ms = s.values.max() > 200
        np.testing.assert_array_equal(s.values, np.round(s.values, 0 if in_ms else 2))
        seconds = s.values / 1000 if in_ms else s.values
        assert seconds.min() >= 0.1 and seconds.max() <= 120
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert (s.timestamps == s.timestamps.floor("min")).all()
        assert any((minutes % window == 0).all() and np.median(minutes) == window
                   for window in WINDOWS)
    for s in every_file(generated, "synthConntrack"):
        if s.name.startswith("conntrack_usage_percent"):
            assert s.values.min() >= 0 and s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        else:
            assert s.values.min() >= 0 and s.values.max() <= max(TABLE_SIZES)
            assert (s.values == np.round(s.values)).all()


def test_error_lines_follow_the_visitors_in_lumps(generated):
    """Most lines come from requests through warning code paths: in most files the normal
    part logs more in the afternoon than at night, and lines come in lumps (each erroring
    request writes several, storms and scanners), so the busiest buckets are several times
    the median."""
    busier, lumpy = [], []
    for s in every_file(generated, "synthPhpErrorLog"):
        part = normal_part(s)
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
        lumpy.append(part.max() > 3 * max(np.median(part), 1))
    assert sum(busier) > 0.6 * len(busier)
    assert sum(lumpy) > 0.75 * len(lumpy)


def test_rum_rows_thin_out_at_night_on_small_sites(generated):
    """A window with too few beacons has no row: some files lose rows in their quiet hours
    (the hour of the day with the fewest rows has under half the rows of the busiest), others
    have a row in every window."""
    thinner, complete = [], []
    for s in every_file(generated, "synthRumLcp"):
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        thinner.append(rows_an_hour.min() < 0.5 * rows_an_hour.max())
        minutes = np.diff(s.timestamps.asi8) / 6e10
        complete.append((minutes == np.median(minutes)).all())
    assert any(thinner) and any(complete)


def test_conntrack_follows_the_visitors_under_the_table(generated):
    """Entries follow the visitors' day (more in the afternoon than at night in most files)
    and, before any anomaly, the table is never near full (the percent files)."""
    busier = []
    for s in every_file(generated, "synthConntrack"):
        part = normal_part(s)
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
        if s.name.startswith("conntrack_usage_percent"):
            assert part.max() < 80
    assert sum(busier) > 0.75 * len(busier)


def test_error_log_anomalies_have_their_shapes(generated):
    """A fatal loop at least doubles the lines of the hour; a silenced log writes nothing from
    its second bucket on; a failing cron job lifts the median of the next three hours; memory
    creeping has raised the lines by the same hours a day later."""
    loops, silent, cron, creep = [], [], [], []
    for s, row, kind in anomalies(generated, "synthPhpErrorLog"):
        before = within(s, row, -120, -1).mean()
        if kind == "fatal_loop":
            loops.append(within(s, row, 0, 60).mean() > 2 * before)
        elif kind == "log_silenced":
            silent.append((within(s, row, 10, 60) == 0).all())
        elif kind == "cron_failing":
            cron.append(np.median(within(s, row, 0, 180)) > np.median(within(s, row, -180,
                                                                                 -1)))
        elif quiet_for(s, row, DAY):
            later = within(s, row, DAY - 6 * 60, DAY)
            creep.append(len(later) > 0 and later.mean() > within(s, row, -6 * 60, -1).mean())
    assert loops and sum(loops) > 0.75 * len(loops)
    assert silent and all(silent)
    assert cron and sum(cron) > 0.75 * len(cron)
    assert creep and sum(creep) > 0.6 * len(creep)


def test_rum_anomalies_have_their_shapes(generated):
    """An overloaded origin spikes the percentile within the hour; a heavy hero image and a
    render-blocking script raise the next hours' median; a consent banner becoming the LCP
    element lowers it."""
    spiked, raised, lowered = [], [], []
    for s, row, kind in anomalies(generated, "synthRumLcp"):
        usual = np.median(within(s, row, -180, -1))
        if kind == "origin_overload":
            spiked.append(within(s, row, 0, 60).max() > 1.3 * usual)
        elif kind in ("hero_image_heavy", "render_blocking_script"):
            raised.append(np.median(within(s, row, 0, 180)) > usual)
        else:
            lowered.append(np.median(within(s, row, 0, 360)) < 0.95 * np.median(
                within(s, row, -360, -1)))
    assert spiked and sum(spiked) > 0.75 * len(spiked)
    assert raised and sum(raised) > 0.75 * len(raised)
    assert lowered and sum(lowered) > 0.75 * len(lowered)


def test_netfilter_anomalies_have_their_shapes(generated):
    """A SYN flood at least doubles the entries within half an hour (or fills the table);
    connections never closed pile up over a day; keepalive turned off lifts the hour's median
    by half; a server out of rotation loses most of its entries. A botnet campaign doubles the
    banned count within six hours; fail2ban down shows none; a broken jail lets the count sink
    within a day; bans not expiring pile up."""
    flooded, piled, lifted, emptied = [], [], [], []
    for s, row, kind in anomalies(generated, "synthConntrack"):
        usual = np.median(within(s, row, -60, -1))
        if kind == "syn_flood":
            flooded.append(within(s, row, 0, 30).max() >= min(2 * usual, s.values.max()))
        elif kind == "established_leak" and quiet_for(s, row, DAY):
            later = within(s, row, DAY - 60, DAY)
            piled.append(len(later) > 0 and later.mean() > 1.2 * usual)
        elif kind == "keepalive_off":
            lifted.append(np.median(within(s, row, 0, 60)) > 1.5 * usual)
        elif kind == "out_of_rotation":
            emptied.append(within(s, row, 0, 30).min() < 0.5 * usual)
    assert flooded and sum(flooded) > 0.9 * len(flooded)
    assert piled and sum(piled) > 0.75 * len(piled)
    assert lifted and sum(lifted) > 0.75 * len(lifted)
    assert emptied and sum(emptied) > 0.75 * len(emptied)
    campaigns, down, sank, kept = [], [], [], []
    for s, row, kind in anomalies(generated, "synthBannedIps"):
        usual = np.median(within(s, row, -6 * 60, -1))
        if kind == "botnet_campaign":
            campaigns.append(within(s, row, 0, 6 * 60).max() > 2 * usual)
        elif kind == "fail2ban_down":
            down.append((within(s, row, 5, 30) == 0).all())
        elif kind == "jail_broken":
            sank.append(within(s, row, 0, DAY).min() < usual)
        else:
            kept.append(within(s, row, 0, DAY).max() > within(s, row, -6 * 60, -1).max())
    assert campaigns and sum(campaigns) > 0.75 * len(campaigns)
    assert down and all(down)
    assert sank and sum(sank) > 0.75 * len(sank)
    assert kept and sum(kept) > 0.75 * len(kept)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r14.EXAM_FAMILIES_R14:
        first = exam_families_r14.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
