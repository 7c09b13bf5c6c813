"""The twenty-first exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r21
from healer_ops.devkit.nab.exam_families_r21 import DAY, TICKET_STEPS, Rack
from healer_ops.devkit.nab.exam_r21_visitors import (
    COARSE,
    FINE,
    day_grid,
    onsets_fit,
)
from healer_ops.devkit.nab.synthetic import label_windows

LEVELS = set(np.round(np.r_[0, FINE], 1))


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r21)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _alone(s, row, minutes=3 * DAY):
    """No other anomaly started within ``minutes`` before ``row`` (one that lasts until this
    one starts would end at this onset)."""
    earlier = [other for other in s.anomaly_rows if other < row]
    return not earlier or minutes_after(s, row)[earlier[-1]] < -minutes


def _quietest(values):
    """The mean of the quietest quarter of ``values``."""
    return np.sort(values)[:max(1, len(values) // 4)].mean()


def _rows_per_minute(s, row, first, last):
    """Rows a minute from ``first`` to ``last`` minutes after ``row``."""
    return len(within(s, row, first, last)) / (last - first)


def test_helpers_follow_their_mechanisms():
    """A rack's fans draw with the cube of their speed (warmer inlet air, more watts) and a
    server off draws nothing; onsets fit where NAB's windows stay apart after probation."""
    rng = np.random.default_rng(3)
    rack = Rack(rng, day_grid(rng, 2))
    use, off = np.full(rack.span, 0.3), np.zeros(rack.span)
    cool = rack.watts(use, np.full(rack.span, 20.0), off)
    warm = rack.watts(use, np.full(rack.span, 32.0), off)
    assert (warm > cool).all()
    rack.servers[:] = 1
    assert (rack.watts(use, np.full(rack.span, 20.0), np.ones(rack.span)) == 0).all()
    assert onsets_fit([500, 900], 1000) and not onsets_fit([100], 1000)
    assert not onsets_fit([500, 520], 1000)


def test_values_are_of_their_kind(generated):
    """Amps in tenths and kW in hundredths or thousandths, never negative; redirects and
    tickets whole counts (a redirect file without zeros has no row for an empty bucket, in
    some files), tickets on the export's buckets; scores on reCAPTCHA's levels (0 for a
    failed token), a small site's only 0.1, 0.3, 0.7, 0.9."""
    for s in every_file(generated, "synthRackPower"):
        decimals = 1 if s.name.startswith("pdu_feed_amps") else 3
        assert s.values.min() >= 0
        np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
    sparse = []
    for family in ("synthRedirects", "synthSupportTickets"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
            if family == "synthRedirects":
                sparse.append(s.values.min() >= 1)
    assert any(sparse) and not all(sparse)
    for s in every_file(generated, "synthSupportTickets"):
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert np.median(minutes) in TICKET_STEPS and (minutes % np.median(minutes) == 0).all()
    coarse = []
    for s in every_file(generated, "synthCaptchaScores"):
        assert set(np.round(s.values, 1)) <= LEVELS and 0 in s.values
        coarse.append(set(s.values) <= set(COARSE) | {0.0})
    assert any(coarse) and not all(coarse)


def test_rack_power_follows_the_load_and_redirects_the_visitors(generated):
    """The servers' load: a rack draws more in the afternoon than in the small hours in most
    files; redirects follow the visitors the same way."""
    for family in ("synthRackPower", "synthRedirects"):
        busier = []
        for s in every_file(generated, family):
            part = normal_part(s)
            busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 2, 6).mean())
        assert sum(busier) > 0.75 * len(busier), family


def test_tickets_follow_office_hours_and_weekdays(generated):
    """More tickets on weekdays than at weekends; the busiest hour of the day has several
    times the quietest's."""
    weekdays, daily = [], []
    for s in every_file(generated, "synthSupportTickets"):
        part = normal_part(s)
        day = np.asarray(s.timestamps.day_of_week)[:len(part)]
        if (day >= 5).any():
            weekdays.append(part[day < 5].mean() > part[day >= 5].mean())
        hourly = pd.Series(part).groupby(np.asarray(s.timestamps.hour)[:len(part)]).mean()
        daily.append(hourly.max() > 2 * hourly.min())
    assert sum(weekdays) > 0.75 * len(weekdays)
    assert sum(daily) > 0.75 * len(daily)


def test_captcha_rows_thin_out_at_night(generated):
    """One row per action: fewer rows in the quietest hour of the day than in the busiest
    (under half, in most files), and people outscore the night's bots by day."""
    thinner = []
    for s in every_file(generated, "synthCaptchaScores"):
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        thinner.append(rows_an_hour.min() < 0.5 * rows_an_hour.max())
    assert sum(thinner) > 0.6 * len(thinner)


def test_power_anomalies_have_their_shapes(generated):
    """The other feed failing lifts this one's next half hour; a tripped breaker cuts the
    reading at once; the cooling failing warms the rack within two hours; a cryptominer
    lifts the next day's quietest quarter of readings over the day before's."""
    lifted, cut, warmed, mined = [], [], [], []
    for s, row, kind in anomalies(generated, "synthRackPower"):
        if not _alone(s, row):
            continue
        usual = np.median(within(s, row, -60, -1))
        if kind == "psu_failover":
            lifted.append(np.median(within(s, row, 0, 30)) > usual)
        elif kind == "feed_tripped":
            cut.append(within(s, row, 0, 10).min() < 0.8 * usual)
        elif kind == "cooling_failure":
            warmed.append(within(s, row, 60, 120).mean() > within(s, row, -60, -1).mean())
        elif quiet_for(s, row, DAY):
            mined.append(_quietest(within(s, row, 0, DAY)) > _quietest(within(s, row, -DAY,
                                                                               -1)))
    assert lifted and sum(lifted) > 0.75 * len(lifted)
    assert cut and all(cut)
    assert warmed and sum(warmed) > 0.75 * len(warmed)
    assert mined and sum(mined) > 0.75 * len(mined)


def test_redirect_anomalies_have_their_shapes(generated):
    """A redirect loop at least triples the hour's redirects; changed permalinks lift the
    next hours; a lost https redirect lowers them; a spam redirect lifts the next day over
    the day before."""
    looped, moved, lost, spam = [], [], [], []
    for s, row, kind in anomalies(generated, "synthRedirects"):
        usual = within(s, row, -120, -1).mean()
        if kind == "redirect_loop":
            looped.append(within(s, row, 0, 10).max() > 3 * usual)
        elif kind == "permalink_change":
            moved.append(within(s, row, 0, 180).mean() > within(s, row, -180, -1).mean())
        elif kind == "https_redirect_lost":
            lost.append(within(s, row, 0, 120).mean() < usual)
        elif quiet_for(s, row, DAY):
            spam.append(within(s, row, 0, DAY).mean() > within(s, row, -DAY, -1).mean())
    assert looped and sum(looped) > 0.9 * len(looped)
    assert moved and sum(moved) > 0.75 * len(moved)
    assert lost and sum(lost) > 0.75 * len(lost)
    assert spam and sum(spam) > 0.75 * len(spam)


def test_captcha_anomalies_have_their_shapes(generated):
    """A bot wave brings more rows than the hours before; expiring tokens log many more
    zeros; people's scores drifting leave more low scores a day later; a broken form loses
    the people's rows with high scores."""
    waves, zeros, drifted, broken = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCaptchaScores"):
        if kind == "bot_wave":
            waves.append(_rows_per_minute(s, row, 0, 60) > _rows_per_minute(s, row, -120, -1))
        elif kind == "token_expired" and _alone(s, row):
            after, before = within(s, row, 0, 180), within(s, row, -DAY, -1)
            zeros.append((after == 0).mean() > max(2 * (before == 0).mean(), 0.03))
        elif kind == "human_score_drift" and quiet_for(s, row, 2 * DAY):
            later, before = within(s, row, DAY, 2 * DAY), within(s, row, -DAY, -1)
            if len(later):
                drifted.append((later <= 0.3).mean() > (before <= 0.3).mean())
        elif kind == "form_broken":
            after, before = within(s, row, 0, 120), within(s, row, -120, -1)
            broken.append((after >= 0.7).sum() < (before >= 0.7).sum())
    assert waves and sum(waves) > 0.75 * len(waves)
    assert zeros and sum(zeros) > 0.9 * len(zeros)
    assert drifted and sum(drifted) > 0.6 * len(drifted)  # subtle: bots vary by the day
    assert broken and sum(broken) > 0.75 * len(broken)


def test_ticket_anomalies_have_their_shapes(generated):
    """A platform incident at least doubles the busiest bucket within two hours; a broken
    widget (a deploy, Tuesday to Thursday) lowers the next three hours below the same hours
    a day before; an announcement lifts the next day; a spam flood fills the quiet buckets of
    the next hours over the same hours a day before."""
    surged, dropped, backlash, flooded = [], [], [], []
    for s, row, kind in anomalies(generated, "synthSupportTickets"):
        before = within(s, row, -180, -1)
        if kind == "platform_incident":
            surged.append(within(s, row, 0, 120).max() > 2 * max(before.max(), 1))
        elif kind == "widget_broken":
            dropped.append(within(s, row, 0, 180).mean() < within(s, row, -DAY,
                                                                  -DAY + 180).mean())
        elif not _alone(s, row):
            continue
        elif kind == "announcement_backlash":
            backlash.append(within(s, row, 0, DAY).mean() > within(s, row, -DAY, -1).mean())
        else:
            flooded.append(_quietest(within(s, row, 0, 8 * 60)) > _quietest(
                within(s, row, -DAY, -DAY + 8 * 60)))
    assert surged and sum(surged) > 0.9 * len(surged)
    assert dropped and sum(dropped) > 0.75 * len(dropped)
    assert backlash and sum(backlash) > 0.75 * len(backlash)
    assert flooded and sum(flooded) > 0.75 * len(flooded)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r21.EXAM_FAMILIES_R21:
        first = exam_families_r21.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
