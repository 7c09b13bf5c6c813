"""The nineteenth exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r19
from healer_ops.devkit.nab.exam_families_r19 import DAY, SessionFiles, stolen
from healer_ops.devkit.nab.exam_r19_publishing import (
    accepted,
    batches,
    discard_unchanged,
    since_reset,
    trailing_day,
)
from healer_ops.devkit.nab.synthetic import label_windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r19)


def _steps(s) -> np.ndarray:
    return np.diff(s.timestamps.asi8) / 6e10


def _percent(s) -> np.ndarray:
    return s.values * (1 if s.name.startswith("node_cpu_steal_percent") else 100)


def test_helpers_follow_their_mechanisms():
    """Steal is counted only while a vCPU wants to run and is all of the host's share once it
    always does; Zabbix stores a value that changed or one a heartbeat; a session file is
    swept by the first cleanup after it has been idle gc_maxlifetime; a newsletter's batches
    add up to its list; the provider's sums count a day back or since its midnight, and
    accept nothing past the quota."""
    np.testing.assert_allclose(stolen(np.array([0.0, 0.5, 0.5, 1.0]),
                                      np.array([0.3, 0.0, 0.2, 0.3])), [0, 0, 0.125, 0.3])
    values = np.array([1, 1, 1, 2, 2, 2, 2, 2, 2, 1.0])
    polled = np.ones(10, bool)
    polled[8] = False
    np.testing.assert_array_equal(np.flatnonzero(discard_unchanged(values, polled, 4)),
                                  [0, 3, 7, 9])
    grid = pd.date_range("2026-01-05 00:00", periods=DAY, freq="min")
    files = SessionFiles(np.random.default_rng(3), grid)
    files.lifetime, files.cron = 24.0, True
    bots, visits = np.zeros(files.n), np.zeros(files.n)
    bots[2 * DAY + 50] = 1000  # 00:50 of the grid's day: idle 24 minutes at 01:14
    count = files.files(np.random.default_rng(4), visits, bots,
                        files.cleanups(np.random.default_rng(5), visits, bots))
    np.testing.assert_array_equal(np.flatnonzero(count), np.arange(2 * DAY + 50, 2 * DAY + 99))
    minutes, emails = batches(10, 1234, 200, 5)
    assert emails.sum() == 1234 and list(minutes[:3]) == [10, 15, 20] and len(minutes) == 7
    sends = np.zeros(3 * DAY)
    sends[[10, DAY + 5, DAY + 20]] = [7, 3, 4]
    assert trailing_day(sends)[DAY + 9] == 10 and trailing_day(sends)[DAY + 10] == 3
    resets = np.array([DAY, 2 * DAY])
    assert since_reset(sends, resets)[DAY - 1] == 7 and since_reset(sends, resets)[DAY + 20] == 7
    wanted = np.full(3 * DAY, 2.0)
    assert trailing_day(accepted(wanted, 1000, None)).max() == 1000
    assert since_reset(accepted(wanted, 1000, resets), resets).max() == 1000


def test_values_are_of_their_kind(generated):
    """Steal is a percent (hundredths) or a ratio (ten-thousandths) of the vCPUs' time; session
    files, scheduled posts and emails sent are whole counts; Zabbix's rows of scheduled posts
    come at one second of the minute (or the next), some closer than a heartbeat."""
    for s in every_file(generated, "synthCpuSteal"):
        in_percent = s.name.startswith("node_cpu_steal_percent")
        np.testing.assert_array_equal(s.values, np.round(s.values, 2 if in_percent else 4))
        assert s.values.min() >= 0 and s.values.max() <= (100 if in_percent else 1)
    for family in ("synthPhpSessions", "synthScheduledPosts", "synthMailSent"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    zabbix = []
    for s in every_file(generated, "synthScheduledPosts"):
        if np.ptp(np.asarray(s.timestamps.second)) <= 1:  # Zabbix's: else scrapes' jitter
            zabbix.append(_steps(s).min() < 0.5 * np.median(_steps(s)))
    assert zabbix and all(zabbix)


def test_steal_is_near_zero_and_spiky_with_the_top_of_the_hour(generated):
    """Before any anomaly, steal is a few percent at most in most files, with spikes far above
    its median; in the files scraped every minute, the first two minutes of the hour (the
    neighbours' crontabs) steal more than the rest of it."""
    low, spiky, tops = [], [], []
    for s in every_file(generated, "synthCpuSteal"):
        part = _percent(s)[:len(normal_part(s))]
        low.append(np.median(part) < 5)
        spiky.append(part.max() > 4 * max(np.median(part), 0.05))
        if np.median(_steps(s)) == 1:
            minute = np.asarray(s.timestamps.minute)[:len(part)]
            tops.append(part[minute < 2].mean() > part[(minute > 15) & (minute < 55)].mean())
    assert sum(low) > 0.75 * len(low) and sum(spiky) > 0.75 * len(spiky)
    assert tops and sum(tops) > 0.75 * len(tops)


def test_session_files_are_swept_at_nine_and_thirty_nine_or_at_random(generated):
    """Where Debian's cron sweeps, most of what the count loses it loses in the minutes after
    09 and 39 past the hour; where PHP sweeps at a chance of each session start, it does not."""
    swept = []
    for s in every_file(generated, "synthPhpSessions"):
        if np.median(_steps(s)) > 2:
            continue
        part = normal_part(s)
        fall = -np.minimum(np.diff(part), 0)
        minute = np.asarray(s.timestamps.minute)[1:len(part)]
        at_cron = np.isin(minute, (9, 10, 11, 39, 40, 41))
        swept.append(fall[at_cron].sum() / max(fall.sum(), 1))
    assert any(share > 0.8 for share in swept) and any(share < 0.5 for share in swept)


def test_scheduled_posts_step_up_in_office_hours_and_down_at_the_slots(generated):
    """The count moves in whole steps at few rows; it climbs mostly in the editors' hours of
    weekdays, and drops more often in the quarter hour after a full hour than in any other."""
    still, office, on_the_hour = [], [], []
    for s in every_file(generated, "synthScheduledPosts"):
        part = normal_part(s)
        moves = np.diff(part)
        still.append((moves == 0).mean() > 0.5)
        stamps = s.timestamps[1:len(part)]
        hours = np.asarray(stamps.hour)
        weekday = np.asarray(stamps.day_of_week) < 5
        ups = moves > 0
        office.append((weekday & (hours >= 7) & (hours < 20))[ups].mean() > 0.6)
        quarter = np.asarray(stamps.minute)[moves < 0] // 15
        on_the_hour.append(np.bincount(quarter, minlength=4).argmax() == 0)
    assert sum(still) > 0.75 * len(still) and sum(office) > 0.75 * len(office)
    assert sum(on_the_hour) > 0.6 * len(on_the_hour)


def test_emails_sent_keep_a_day_or_reset_at_the_providers_midnight(generated):
    """A daily limit's count only falls at one hour of the day (the provider's midnight); the
    trailing day's sum moves slowly (a row changes it by under 2% of its level in most
    files)."""
    midnight, smooth = [], []
    for s in every_file(generated, "synthMailSent"):
        part = normal_part(s)
        moves = np.diff(part)
        if s.name.startswith("mail_sent_today"):
            near = _steps(s)[:len(moves)] <= 2 * np.median(_steps(s))
            hours = np.asarray(s.timestamps.hour)[1:len(part)][(moves < 0) & near]
            midnight.append(len(hours) > 0 and np.ptp(hours) == 0)
        else:
            smooth.append(np.median(np.abs(moves)) < 0.02 * np.median(part))
    assert midnight and all(midnight)
    assert smooth and sum(smooth) > 0.75 * len(smooth)


def test_steal_and_session_anomalies_have_their_shapes(generated):
    """A noisy neighbour triples the steal of the hours before within two hours; a CPU cap
    steals three times the day before's most within the day; a throttled migration steals
    five times the hours before's median within its half hour; an oversold host doubles the
    next day's median.
    The cleanup broken piles files up over six hours; a bot without cookies at least doubles
    them within three hours; sessions everywhere double the next day's median; unwritable
    sessions stop the count climbing (it falls, or stays still)."""
    neighbour, capped, throttled, oversold = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCpuSteal"):
        percent = 1 if s.name.startswith("node_cpu_steal_percent") else 100
        usual = max(np.median(within(s, row, -360, -1)) * percent, 0.05)
        if kind == "noisy_neighbour":
            neighbour.append(np.median(within(s, row, 0, 120)) * percent > 3 * usual)
        elif kind == "cpu_capped" and quiet_for(s, row, DAY):
            capped.append(within(s, row, 0, DAY).max() > 3 * within(s, row, -DAY, -1).max())
        elif kind == "migration_throttled":
            throttled.append(within(s, row, 0, 35).max() * percent > 5 * usual)
        elif kind == "host_oversold" and quiet_for(s, row, DAY):
            oversold.append(np.median(within(s, row, 0, DAY)) > 2 * np.median(
                within(s, row, -DAY, -1)))
    assert neighbour and sum(neighbour) > 0.75 * len(neighbour)
    assert capped and sum(capped) > 0.75 * len(capped)
    assert throttled and sum(throttled) > 0.75 * len(throttled)
    assert oversold and sum(oversold) > 0.75 * len(oversold)
    piled, bots, everywhere, stopped = [], [], [], []
    for s, row, kind in anomalies(generated, "synthPhpSessions"):
        usual = within(s, row, -120, -1).max()
        if kind == "gc_broken" and quiet_for(s, row, 6 * 60):
            piled.append(within(s, row, 5 * 60, 6 * 60).min() > usual)
        elif kind == "cookieless_bot":
            bots.append(within(s, row, 0, 180).max() > 2 * usual)
        elif kind == "session_everywhere" and quiet_for(s, row, DAY):
            everywhere.append(np.median(within(s, row, 0, DAY)) > 2 * np.median(
                within(s, row, -DAY, -1)))
        elif kind == "sessions_unwritable":
            stopped.append(within(s, row, 45, 60).max() <= s.values[row])
    assert piled and sum(piled) > 0.75 * len(piled)
    assert bots and sum(bots) > 0.75 * len(bots)
    assert everywhere and all(everywhere)
    assert stopped and sum(stopped) > 0.75 * len(stopped)


def test_post_and_mail_anomalies_have_their_shapes(generated):
    """A missed schedule leaves the count no lower for six hours; scheduling broken drains it
    within the day; import duplicates raise it by half within three hours; a wiped schedule
    halves it at once. A spam relay raises the emails sent by half within six hours; sending
    broken stops the count climbing (the trailing day's falls within six hours); a
    notification loop raises it within the day; a resent newsletter raises it within six
    hours."""
    missed, drained, duplicated, wiped = [], [], [], []
    for s, row, kind in anomalies(generated, "synthScheduledPosts"):
        start = s.values[row]
        if kind == "missed_schedule":
            missed.append(within(s, row, 0, 6 * 60).min() >= start - 1)
        elif kind == "scheduling_broken" and quiet_for(s, row, DAY):
            drained.append(within(s, row, DAY - 120, DAY).max() < start)
        elif kind == "import_duplicates":
            duplicated.append(within(s, row, 0, 180).max() > 1.5 * start)
        elif kind == "schedule_wiped":
            wiped.append(within(s, row, 0, 15).min() < 0.5 * s.values[row - 1])
    assert missed and sum(missed) > 0.75 * len(missed)
    assert drained and sum(drained) > 0.75 * len(drained)
    assert duplicated and sum(duplicated) > 0.75 * len(duplicated)
    assert wiped and all(wiped)
    spam, broken, loops, resent = [], [], [], []
    for s, row, kind in anomalies(generated, "synthMailSent"):
        start = max(s.values[max(row - 1, 0)], 1)
        daily = s.name.startswith("mail_sent_today")
        if kind == "spam_relay":
            spam.append(within(s, row, 0, 6 * 60).max() > 1.5 * start)
        elif kind == "sending_broken":
            after = within(s, row, 10, 6 * 60)
            broken.append((np.diff(after) <= 0).all() if daily else after[-1] < start)
        elif kind == "notification_loop" and not daily and quiet_for(s, row, DAY):
            loops.append(within(s, row, 0, DAY).max() > start)
        elif kind == "newsletter_resent":
            resent.append(within(s, row, 0, 6 * 60).max() > 1.2 * start)
    assert spam and sum(spam) > 0.75 * len(spam)
    assert broken and sum(broken) > 0.75 * len(broken)
    assert loops and sum(loops) > 0.75 * len(loops)
    assert resent and sum(resent) > 0.6 * len(resent)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r19.EXAM_FAMILIES_R19:
        first = exam_families_r19.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
