"""The fifteenth exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r15
from healer_ops.devkit.nab.exam_families_r15 import (
    DAY,
    SAVE_RULES,
    in_rolling_window,
    save_period,
    snapshots,
)
from healer_ops.devkit.nab.exam_r15_scheduled import (
    RETRY_AFTER,
    anniversaries,
    at_next_run,
    crontab_ticks,
    drained,
    spawn_chance,
)
from healer_ops.devkit.nab.synthetic import label_windows

LONGEST_SAVE_RULE = max(seconds for rules in SAVE_RULES for seconds, _ in rules)


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r15)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _is(s, stem):
    return s.name.startswith(stem)


def test_helpers_follow_their_mechanisms():
    """A failed check stays in the rolling window for exactly the window; Redis snapshots when
    a rule's seconds have passed and its changes are made, and not while snapshots fail; a
    crontab line fires on its minutes; a site spawns wp-cron at most once a minute; monthly
    renewals keep their day of the month (the last day of a shorter month) and their minute;
    the queue runner gets through its capacity a run; retries come 12, 24, 48, 96 and 168
    hours after the first attempt."""
    failed = np.zeros(10)
    failed[2] = 1
    counted, checks = in_rolling_window(failed, np.ones(10), 5)
    np.testing.assert_array_equal(counted, [0, 0, 1, 1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(checks, [1, 2, 3, 4, 5, 5, 5, 5, 5, 5])
    redis7 = SAVE_RULES[0]
    assert [save_period(rate, redis7) for rate in (20000, 50, 0.5)] == [1, 5, 60]
    rng = np.random.default_rng(3)
    total = np.arange(601) * 100.0  # 100 changes a minute
    for rules, period in ((((300, 1),), 5), (((60, 1000),), 10)):
        starts, _ = snapshots(rng, total, rules, np.empty(0), [], 1e-4, 0)
        np.testing.assert_allclose(np.diff(starts), period, atol=0.01)
    starts, _ = snapshots(rng, total, ((300, 1),), np.array([22.5]), [(12.0, 40.0)], 1e-4, 0)
    assert not ((starts >= 12) & (starts < 40)).any() and np.isclose(starts, 40).any()
    starts, _ = snapshots(rng, total, ((300, 1),), np.array([22.5]), [], 1e-4, 0)
    assert np.isclose(starts, 22.5).any() and np.isclose(starts, 27.5, atol=0.01).any()
    np.testing.assert_array_equal(np.flatnonzero(crontab_ticks(np.arange(60), 15, 0)),
                                  [0, 15, 30, 45])
    assert np.flatnonzero(crontab_ticks(np.arange(60), 5, 3))[:3].tolist() == [3, 8, 13]
    chance = spawn_chance(np.array([0, 0.1, 10, 1000]), 0.5)
    assert chance[0] == 0 and (np.diff(chance) > 0).all() and np.isclose(chance[-1], 0.5)
    first = np.datetime64("2026-02-01T00:00")
    signed = np.array(["2026-01-31T10:00", "2026-02-10T08:30", "2025-03-15T12:00"],
                      "datetime64[m]")
    minutes, owners = anniversaries(signed, 1, first, 59 * DAY)
    when = (first + minutes.astype("timedelta64[m]")).astype(str)
    assert sorted(zip(owners.tolist(), when.tolist(), strict=True)) == [
        (0, "2026-02-28T10:00"), (0, "2026-03-31T10:00"), (1, "2026-03-10T08:30"),
        (2, "2026-02-15T12:00"), (2, "2026-03-15T12:00")]
    minutes, owners = anniversaries(signed, 12, first, 59 * DAY)
    assert owners.tolist() == [2] and minutes[0] == 42 * DAY + 12 * 60
    np.testing.assert_array_equal(drained(np.array([5.0, 0, 0, 0]), np.array([2, 2, 0, 2])),
                                  [2, 2, 0, 1])
    np.testing.assert_array_equal(at_next_run(np.array([1.0, 1, 0, 1, 1]), np.array(
        [False, True, False, True, False])), [0, 2, 0, 1, 0])
    assert (np.cumsum(RETRY_AFTER) / 60).tolist() == [12, 24, 48, 96, 168]


def test_values_are_of_their_kind(generated):
    """Uptime is a percent with at most 4 decimals, an error budget at most 100 with at most 2;
    Redis' changes and seconds, wp-cron requests and renewals paid are whole counts; renewal
    revenue is money in cents."""
    for s in every_file(generated, "synthUptimeRatio"):
        if _is(s, "uptime_ratio_percent"):
            assert s.values.min() >= 0 and s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, 4))
        else:
            assert s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, 2))
    for family in ("synthRedisPersistence", "synthWpCronRequests", "synthRenewalPayments"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0
            if _is(s, "subscription_renewal_revenue"):
                np.testing.assert_array_equal(s.values, np.round(s.values, 2))
            else:
                assert (s.values == np.round(s.values)).all()


def test_uptime_holds_steps_and_gives_back_a_window_later(generated):
    """The ratio holds for hours and moves in steps: over half of every normal part's steps
    hold, over nine in ten in most files; and it rises too (failures leaving the window)."""
    holds, rises = [], []
    for s in every_file(generated, "synthUptimeRatio"):
        steps = np.diff(normal_part(s))
        assert (steps == 0).mean() > 0.5
        holds.append((steps == 0).mean() > 0.9)
        rises.append((steps > 0).any())
    assert sum(holds) > 0.75 * len(holds)
    assert sum(rises) > 0.6 * len(rises)


def test_redis_counts_up_to_a_snapshot(generated):
    """Before any anomaly the seconds since a snapshot never pass the longest rule's (and a
    snapshot's own time); both counters fall back at least every two hours on average; in some
    files the snapshots come much sooner in the afternoon than at night."""
    sooner = []
    for s in every_file(generated, "synthRedisPersistence"):
        part = normal_part(s)
        hours = (s.timestamps[len(part) - 1] - s.timestamps[0]).total_seconds() / 3600
        assert (np.diff(part) < 0).sum() >= hours / 2
        if _is(s, "redis_rdb_last_save_age"):
            assert part.max() <= LONGEST_SAVE_RULE + 120
            sooner.append(np.median(_hours(s, part, 0, 6)) >= 1.5 * np.median(
                _hours(s, part, 12, 18)))
    assert any(sooner)


def test_wp_cron_combs_and_follows_the_visitors(generated):
    """At 1-minute steps some files' normal part has many more requests on the hour's
    multiples of five than between them (crontab lines); in most files the afternoon has more
    than the night (spawns from page views)."""
    combed, busier = [], []
    for s in every_file(generated, "synthWpCronRequests"):
        part = normal_part(s)
        if np.median(np.diff(s.timestamps.asi8) / 6e10) == 1:
            fifth = np.asarray(s.timestamps.minute)[:len(part)] % 5 == 0
            combed.append(part[fifth].mean() > 1.5 * part[~fifth].mean())
        busier.append(_hours(s, part, 12, 18).mean() > 1.05 * _hours(s, part, 0, 6).mean())
    assert any(combed)
    assert sum(busier) > 0.75 * len(busier)


def test_renewals_follow_the_hours_customers_signed_up(generated):
    """Renewals are due at the minute of day their customers signed up: in most files the
    normal part pays more in the afternoon than at night."""
    busier = [_hours(s, normal_part(s), 12, 18).mean() > _hours(s, normal_part(s), 0, 6).mean()
              for s in every_file(generated, "synthRenewalPayments")]
    assert sum(busier) > 0.75 * len(busier)


def test_uptime_anomalies_have_their_shapes(generated):
    """An outage, blocked probes and the first night of a nightly downtime lower the ratio
    within the hour (the blocked probes still lower it 6 hours on); intermittent failures
    within 6 hours."""
    fell, slid, intermittent = [], [], []
    for s, row, kind in anomalies(generated, "synthUptimeRatio"):
        before = s.values[row - 1]
        if kind == "intermittent_failures":
            intermittent.append(within(s, row, 0, 6 * 60).min() < before)
            continue
        fell.append(within(s, row, 0, 60).min() < before)
        if kind == "probe_blocked" and quiet_for(s, row, 6 * 60 + 30):
            slid.append(within(s, row, 330, 390).mean() < within(s, row, 30, 90).mean())
    assert fell and sum(fell) > 0.9 * len(fell)
    assert slid and all(slid)
    assert intermittent and sum(intermittent) > 0.9 * len(intermittent)


def test_redis_anomalies_have_their_shapes(generated):
    """Failing snapshots leave both counters climbing without a reset; a write storm lifts the
    changes counted (and brings the snapshots sooner); writes stopped leave longer between
    snapshots (and move the changes counted by half or more: fewer a minute, but for longer);
    a save loop keeps the snapshots under a minute and a half apart (and the changes low).
    (The hour before an onset may hold the end of the anomaly before it: compared with the
    55 minutes before.)"""
    climbing, storms, stopped, loops = [], [], [], []
    for s, row, kind in anomalies(generated, "synthRedisPersistence"):
        age = _is(s, "redis_rdb_last_save_age")
        if kind == "bgsave_failing":
            climbing.append((np.diff(within(s, row, 5, 60)) >= 0).all())
        elif kind == "write_storm":
            now, usual = np.median(within(s, row, 0, 60)), np.median(within(s, row, -55, -1))
            storms.append(now < 0.7 * usual if age else now > 2 * usual)
        elif kind == "writes_stopped":
            now, usual = np.median(within(s, row, 30, 180)), np.median(within(s, row, -55, -1))
            stopped.append(now > 1.3 * usual if age else abs(np.log(now / usual)) > np.log(1.5))
        elif age:
            loops.append(within(s, row, 10, 120).max() <= 90)
        else:
            loops.append(np.median(within(s, row, 0, 60)) < 0.7 * np.median(
                within(s, row, -55, -1)))
    assert climbing and all(climbing)
    assert storms and sum(storms) > 0.75 * len(storms)
    assert stopped and sum(stopped) > 0.75 * len(stopped)
    assert loops and sum(loops) > 0.75 * len(loops)


def test_scheduled_anomalies_have_their_shapes(generated):
    """A spawn loop lifts the next two hours' wp-cron requests by a quarter or more; the
    system cron stopped or loopback blocked take 30% or more off them; a cron flood at least
    doubles them within the hour. Stalled renewals pay nothing from 20 minutes to 2 hours on;
    gateway declines take most of the next 3 hours' payments; duplicate renewals raise the
    next 6 hours' payments over the same hours a day before; reset dates pay a batch within
    90 minutes."""
    loops, removed, floods = [], [], []
    for s, row, kind in anomalies(generated, "synthWpCronRequests"):
        now, usual = within(s, row, 0, 120).mean(), within(s, row, -120, -1).mean()
        if kind == "spawn_loop":
            loops.append(now > 1.25 * usual)
        elif kind in ("system_cron_stopped", "loopback_blocked"):
            removed.append(now < 0.7 * usual)
        else:
            floods.append(within(s, row, 0, 60).max() > 2 * max(
                np.median(within(s, row, -60, -1)), 1))
    assert loops and sum(loops) > 0.75 * len(loops)
    assert removed and sum(removed) > 0.9 * len(removed)
    assert floods and all(floods)
    stalled, declined, doubled, batches = [], [], [], []
    for s, row, kind in anomalies(generated, "synthRenewalPayments"):
        if kind == "renewals_stalled":
            stalled.append((within(s, row, 20, 120) == 0).all())
        elif kind == "gateway_declines":
            declined.append(within(s, row, 0, 180).sum() < 0.5 * max(
                within(s, row, -180, -1).sum(), within(s, row, -DAY, -DAY + 180).sum()))
        elif kind == "duplicate_renewals":
            doubled.append(within(s, row, 0, 360).sum() > within(s, row, -DAY, -DAY + 360).sum())
        else:
            batches.append(within(s, row, 0, 90).max() > 3 * max(
                np.median(within(s, row, -360, -1)), 1))
    assert stalled and all(stalled)
    assert declined and sum(declined) > 0.75 * len(declined)
    assert doubled and sum(doubled) > 0.75 * len(doubled)
    assert batches and sum(batches) > 0.9 * len(batches)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r15.EXAM_FAMILIES_R15:
        first = exam_families_r15.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
