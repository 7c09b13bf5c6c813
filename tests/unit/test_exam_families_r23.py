"""The twenty-third exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
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

from healer_ops.devkit.nab import exam_families_r23
from healer_ops.devkit.nab.exam_r23_processes import (
    DAY,
    FD_LIMITS,
    RHO_GRID,
    held,
    period_odds,
    since_reset,
    until_next,
)
from healer_ops.devkit.nab.synthetic import label_windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r23)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _calm_before(s, row, minutes):
    """No other anomaly starts within ``minutes`` before ``row`` (its aftermath is not the
    baseline)."""
    earlier = [other for other in s.anomaly_rows if other < row]
    return not earlier or -minutes_after(s, row)[earlier[-1]] > minutes


def test_helpers_follow_their_mechanisms():
    """Connections held an exponential time are, in a steady state, the arrivals times the
    time held (Little's law), and start from none when asked; a leak's count starts again at
    every reload; an anomaly that would run into the next is over in the second half of the
    time between them, the last one runs to the file's end. A period is throttled when its
    threads want more than the quota: never with nothing to run, always with more threads
    always runnable than the quota, more often under a smaller quota."""
    steady = held(np.full(400, 30.0), 2.0)
    np.testing.assert_allclose(steady, 60.0)
    rising = held(np.full(400, 30.0), 2.0, settled=False)
    assert rising[0] < 30 and abs(rising[-1] - 60) < 1e-6 and (np.diff(rising) >= 0).all()
    resets = np.zeros(6, bool)
    resets[3] = True
    np.testing.assert_allclose(since_reset(np.ones(6), resets), [1, 2, 3, 1, 2, 3])
    rng = np.random.default_rng(7)
    assert until_next(rng, 100, 1000, 5000, 300) == 400
    assert all(550 <= until_next(rng, 100, 1000, 5000, 3000) <= 910 for _ in range(50))
    assert until_next(rng, 100, 5000, 5000, 9000) == 5000
    active, throttled, waiting = period_odds(rng, 1.0, 1.0, 0.0)
    assert active[0] < 1e-3 and throttled[0] == 0
    assert (throttled <= active).all() and (waiting <= throttled).all()
    busy = np.searchsorted(RHO_GRID, 0.5)
    _, smaller_quota, _ = period_odds(rng, 0.5, 1.0, 0.0)
    assert smaller_quota[busy] > throttled[busy]
    active, throttled, _ = period_odds(rng, 2.0, 1.0, 8.0)
    assert (active == 1).all() and (throttled == 1).all()


def test_values_are_of_their_kind(generated):
    """Browser errors and form entries are whole counts; nginx's descriptors whole counts
    within the largest limit, or the busiest worker's share of its limit; throttled periods a
    percent in hundredths, throttled seconds a second (at most one) in ten-thousandths."""
    for family in ("synthJsErrors", "synthFormEntries"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthOpenFds"):
        if s.name.startswith("nginx_worst_fd_ratio"):
            assert s.values.min() > 0 and s.values.max() <= 1
            np.testing.assert_array_equal(s.values, np.round(s.values, 6))
        else:
            assert s.values.min() > 0 and s.values.max() <= 17 * max(FD_LIMITS)
            assert (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthCpuThrottling"):
        assert s.values.min() >= 0
        if s.name.startswith("container_cpu_throttled_percent"):
            assert s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        else:
            assert s.values.max() <= 1
            np.testing.assert_array_equal(s.values, np.round(s.values, 4))


def test_browser_errors_follow_the_visitors_in_lumps(generated):
    """Most errors come from a share of the page views: in most files the normal part counts
    more in the afternoon than at night, and a browser in an error loop or a deploy's stale
    bundles make the busiest buckets several times the median."""
    busier, lumpy = [], []
    for s in every_file(generated, "synthJsErrors"):
        part = normal_part(s)
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
        lumpy.append(part.max() > 3 * max(np.median(part), 1))
    assert sum(busier) > 0.75 * len(busier)
    assert sum(lumpy) > 0.75 * len(lumpy)


def test_form_entries_are_sparse_and_come_by_day(generated):
    """People fill in forms by day (more from 9 to 18 o'clock than from midnight to six in most
    files), and most buckets of most files hold no entry."""
    by_day, sparse = [], []
    for s in every_file(generated, "synthFormEntries"):
        part = normal_part(s)
        by_day.append(_hours(s, part, 9, 18).mean() > _hours(s, part, 0, 6).mean())
        sparse.append((part == 0).mean() > 0.5)
    assert sum(by_day) > 0.75 * len(by_day)
    assert sum(sparse) > 0.6 * len(sparse)


def test_descriptors_stand_on_a_floor_and_follow_the_visitors(generated):
    """Every process holds its logs and sockets whatever the load: in most count files the
    normal part never falls below a fifth of its median; the connections on top follow the
    visitors (more in the afternoon than at night in most files)."""
    floored, busier = [], []
    for s in every_file(generated, "synthOpenFds"):
        part = normal_part(s)
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
        if s.name.startswith("nginx_open_fds"):
            floored.append(part.min() > 0.2 * np.median(part))
    assert sum(busier) > 0.6 * len(busier)
    assert floored and sum(floored) > 0.75 * len(floored)


def test_throttling_follows_the_load_and_sleeping_sites_lose_rows(generated):
    """Requests come by day, so in most files the normal part is throttled more in the
    afternoon than at night (a nightly export on one core throttles some nights under a quota
    of one CPU); a site with nothing to run in a minute has no share for it, so some percent
    files have fewer rows at some hour of the day than at others, others have a row every
    minute of the day alike."""
    busier, thinner = [], []
    for s in every_file(generated, "synthCpuThrottling"):
        part = normal_part(s)
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        if s.name.startswith("container_cpu_throttled_percent"):
            thinner.append(rows_an_hour.min() < 0.7 * rows_an_hour.max())
    assert sum(busier) > 0.6 * len(busier)
    assert any(thinner) and not all(thinner)


def test_browser_error_anomalies_have_their_shapes(generated):
    """A broken release at least doubles the next half hour; a third-party script down spikes
    the half hour; dropped events leave at most half the usual count; a browser update has
    raised the count two to three days later."""
    releases, outages, dropped, updates = [], [], [], []
    for s, row, kind in anomalies(generated, "synthJsErrors"):
        usual = np.median(within(s, row, -120, -1))
        if kind == "broken_release":
            releases.append(within(s, row, 0, 30).mean() > 2 * usual + 1)
        elif kind == "third_party_down":
            outages.append(within(s, row, 0, 30).max() > 2 * usual + 2)
        elif kind == "events_dropped":
            dropped.append(np.median(within(s, row, 10, 60)) < 0.5 * np.median(
                within(s, row, -360, -1)))
        elif quiet_for(s, row, 3 * DAY) and len(within(s, row, 2 * DAY, 3 * DAY)):
            updates.append(within(s, row, 2 * DAY, 3 * DAY).mean() > within(
                s, row, -DAY, -1).mean())
    assert releases and sum(releases) > 0.75 * len(releases)
    assert outages and sum(outages) > 0.75 * len(outages)
    assert dropped and sum(dropped) > 0.75 * len(dropped)
    assert updates and sum(updates) > 0.6 * len(updates)


def test_form_anomalies_have_their_shapes(generated):
    """A broken form stores fewer entries than the twelve hours before; a spam wave more
    than doubles the three hours; a captcha rejecting people lowers the day's entries,
    duplicates raise them."""
    broken, waves, rejected, doubled = [], [], [], []
    for s, row, kind in anomalies(generated, "synthFormEntries"):
        day, day_before = within(s, row, 0, DAY).sum(), within(s, row, -DAY, -1).sum()
        if kind == "form_broken":
            broken.append(within(s, row, 0, 720).sum() < within(s, row, -720, -1).sum())
        elif kind == "spam_wave":
            waves.append(within(s, row, 0, 180).sum() > 2 * within(s, row, -180, -1).sum() + 5)
        elif kind == "captcha_rejecting":
            rejected.append(day < day_before)
        else:
            doubled.append(day > day_before)
    assert broken and sum(broken) > 0.6 * len(broken)
    assert waves and sum(waves) > 0.6 * len(waves)
    assert rejected and sum(rejected) > 0.6 * len(rejected)
    assert doubled and sum(doubled) > 0.6 * len(doubled)


def test_descriptor_anomalies_have_their_shapes(generated):
    """Hung workers freeze the count; an upstream stall lifts it by half within half an hour; a
    leak raises the hours after; without its override the busiest worker reaches its limit
    within a day."""
    frozen, stalled, leaking, capped = [], [], [], []
    for s, row, kind in anomalies(generated, "synthOpenFds"):
        usual = np.median(within(s, row, -60, -1))
        if kind == "workers_hung":
            frozen.append((within(s, row, 0, 4) == s.values[row]).all())
        elif kind == "upstream_stall":
            stalled.append(within(s, row, 0, 30).max() > 1.5 * usual)
        elif kind == "fd_leak" and quiet_for(s, row, DAY):
            leaking.append(within(s, row, 6 * 60, 12 * 60).mean() > within(
                s, row, -6 * 60, -1).mean())
        elif kind == "nofile_lowered" and s.name.startswith("nginx_worst_fd_ratio"):
            capped.append(within(s, row, 0, DAY).max() >= 0.999)
    assert frozen and all(frozen)
    assert stalled and sum(stalled) > 0.75 * len(stalled)
    assert leaking and sum(leaking) > 0.75 * len(leaking)
    assert all(capped)
    kinds = {kind for _, _, kind in anomalies(generated, "synthOpenFds")}
    assert "nofile_lowered" in kinds


def test_throttling_anomalies_have_their_shapes(generated):
    """A lowered quota and a runaway process raise the next hours' median; PHP blocked on its
    database leaves at most half the share within ten minutes; the page cache bypassed raises
    the next day's mean over the day before (when no other anomaly is near)."""
    lowered, runaway, blocked, bypassed = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCpuThrottling"):
        before = np.median(within(s, row, -180, -1))
        if kind == "quota_lowered":
            lowered.append(np.median(within(s, row, 0, 180)) > before)
        elif kind == "runaway_process":
            runaway.append(np.median(within(s, row, 60, 180)) > before)
        elif kind == "blocked_on_database":
            blocked.append(np.median(within(s, row, 0, 10)) < 0.5 * before)
        elif quiet_for(s, row, DAY) and _calm_before(s, row, 2 * DAY):
            bypassed.append(within(s, row, 0, DAY).mean() > within(s, row, -DAY, -1).mean())
    assert lowered and sum(lowered) > 0.75 * len(lowered)
    assert runaway and sum(runaway) > 0.6 * len(runaway)
    assert blocked and all(blocked)
    assert bypassed and sum(bypassed) > 0.6 * len(bypassed)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r23.EXAM_FAMILIES_R23:
        first = exam_families_r23.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
