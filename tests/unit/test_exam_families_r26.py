"""The twenty-sixth exam families: values and anomalies shaped by their mechanisms;
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
    within,
)

from healer_ops.devkit.nab import exam_families_r26
from healer_ops.devkit.nab.exam_r26_fleet import DAY, Platform, Scanner, lasting, on_grid
from healer_ops.devkit.nab.synthetic import label_windows

WINDOWS = (5, 10, 15)  # minutes of the comment dashboard's windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r26)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[: len(part)]
    return part[(hours >= first) & (hours < last)]


def _share(values, s):
    """Spam shares as fractions, whether the file is in percent or a ratio."""
    return values / 100 if s.name.startswith("akismet_spam_percent") else values


def _in_ms(s):
    """Search times in milliseconds, whether the file is in seconds or milliseconds."""
    return s.values * 1000 if s.name.startswith("search_request_time") else s.values


def _four_batch_scanner() -> Scanner:
    """A scanner of four batches a pass, a batch done every few minutes."""
    scanner = Scanner(np.random.default_rng(5))
    scanner.batches, scanner.offset = 4, 0
    scanner.batch = np.arange(scanner.rows) % 4
    return scanner


def test_helpers_follow_their_mechanisms():
    """An event counts from the first whole minute at or after it; an anomaly is over in the
    first 70% of the time to the next onset; a stuck provisioning queue lets nothing go live
    until it is fixed; the scanner finds a file left on a site at every pass of the site's
    batch, a quarantined one only the first time, and one it is blind to at its next pass."""
    np.testing.assert_array_equal(on_grid(np.array([-0.5, 0.0, 0.2, 2.9, 7.0]), 4), [2, 1, 0, 1])
    assert lasting(100, 50, 1000) == 150 and lasting(100, 5000, 1100) == 800
    grid = pd.date_range("2026-01-05", periods=3 * DAY, freq="min")
    platform = Platform(np.random.default_rng(3), grid, cluster=True)
    platform.stall(np.random.default_rng(4), DAY, DAY + 600)
    assert not ((platform.up >= DAY) & (platform.up < DAY + 600)).any()
    assert (np.diff(platform.count()[DAY : DAY + 600]) <= 0).all()
    scanner = _four_batch_scanner()
    visits = np.flatnonzero(scanner.batch == 3)
    sighted = np.zeros(scanner.rows, bool)

    def found(start, once, blind):
        counts = scanner.found(
            np.array([3]),
            np.array([start]),
            np.array([np.inf]),
            np.array([2.0]),
            np.array([once]),
            blind,
        )
        return np.flatnonzero(counts).tolist(), counts.max()

    assert found(-np.inf, False, sighted) == (visits.tolist(), 2.0)
    just_before = scanner.done[visits[1]] - 1e-3
    assert found(just_before, True, sighted) == ([visits[1]], 2.0)
    blind = sighted.copy()
    blind[visits[1]] = True
    assert found(just_before, True, blind) == ([visits[2]], 2.0)


def test_values_are_of_their_kind(generated):
    """Spam shares are within 0 and 1 (percent in tenths or a ratio in thousandths) at the
    start of the dashboard's windows; search times are positive milliseconds (tenths) or
    seconds (thousandths) up to a minute's timeout; active sites are whole counts of hundreds
    to hundreds of thousands; the scanner's findings are whole counts at irregular times."""
    for s in every_file(generated, "synthCommentSpamShare"):
        share = _share(s.values, s)
        assert share.min() >= 0 and share.max() <= 1
        percent = s.name.startswith("akismet_spam_percent")
        np.testing.assert_array_equal(s.values, np.round(s.values, 1 if percent else 3))
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert (s.timestamps == s.timestamps.floor("min")).all()
        assert any(
            (minutes % window == 0).all() and minutes.min() == window for window in WINDOWS
        )  # a quiet file may miss most of its windows
    for s in every_file(generated, "synthSiteSearchTime"):
        in_seconds = s.name.startswith("search_request_time")
        np.testing.assert_array_equal(s.values, np.round(s.values, 3 if in_seconds else 1))
        assert _in_ms(s).min() >= 1 and _in_ms(s).max() <= 60_000
    for s in every_file(generated, "synthActiveSites"):
        assert s.values.min() >= 100 and s.values.max() <= 300_000
        assert (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthMalwareFindings"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert minutes.std() > 0.2 * np.median(minutes)
        assert (minutes % 1 != 0).mean() > 0.5  # not on a scrape's grid


def test_spam_share_follows_two_clocks(generated):
    """People comment in the visitors' day, bots day and night: in most files the normal
    share is higher at night than in the afternoon. A window with too few comments has no
    row: some files lose rows in their quiet hours, others have a row in every window."""
    higher_at_night, thinner, complete = [], [], []
    for s in every_file(generated, "synthCommentSpamShare"):
        part = _share(normal_part(s), s)
        higher_at_night.append(_hours(s, part, 0, 6).mean() > _hours(s, part, 12, 18).mean())
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        thinner.append(rows_an_hour.min() < 0.5 * rows_an_hour.max())
        minutes = np.diff(s.timestamps.asi8) / 6e10
        complete.append((minutes == np.median(minutes)).all())
    assert sum(higher_at_night) > 0.8 * len(higher_at_night)
    assert any(thinner) and any(complete)


def test_search_times_are_heavy_tailed_and_follow_the_load(generated):
    """Before any anomaly, the slowest scrapes (the 99th percentile) are more than twice the
    median in most files, and the afternoon's median is above the night's in most."""
    tailed, loaded = [], []
    for s in every_file(generated, "synthSiteSearchTime"):
        part = normal_part(s)
        tailed.append(np.percentile(part, 99) > 2 * np.median(part))
        loaded.append(np.median(_hours(s, part, 12, 18)) > np.median(_hours(s, part, 0, 6)))
    assert sum(tailed) > 0.7 * len(tailed)
    assert sum(loaded) > 0.6 * len(loaded)


def test_active_sites_move_a_few_at_a_time(generated):
    """Before any anomaly no scrape moves the sites by 3% of the platform, and in most files
    they change in more of the weekdays' office-hour scrapes than of the night's."""
    busier = []
    for s in every_file(generated, "synthActiveSites"):
        part = normal_part(s)
        changes = np.diff(part)
        assert np.abs(changes).max() < 0.03 * part.mean()
        hours = np.asarray(s.timestamps.hour)[1 : len(part)]
        weekday = np.asarray(s.timestamps.day_of_week)[1 : len(part)] < 5
        office = (changes != 0)[weekday & (hours >= 9) & (hours < 18)].mean()
        busier.append(office > (changes != 0)[hours < 6].mean())
    assert sum(busier) > 0.75 * len(busier)


def test_malware_findings_are_sparse(generated):
    """Before any anomaly, a batch finds a few files at the median, and in most files at
    least a fifth of the batches find none."""
    sparse = []
    for s in every_file(generated, "synthMalwareFindings"):
        part = normal_part(s)
        assert np.median(part) <= 10
        sparse.append((part == 0).mean() >= 0.2)
    assert sum(sparse) > 0.6 * len(sparse)


def test_spam_share_anomalies_have_their_shapes(generated):
    """A spam campaign lifts the share most of the way to all within three hours; a broken
    comment form lifts the next six hours' median as far; the filter down marks nothing; spam
    blocked upstream lowers the next day's median."""
    campaigns, broken, unfiltered, blocked = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCommentSpamShare"):
        before = _share(within(s, row, -DAY, -1), s)
        usual = np.median(before)
        if kind == "spam_campaign":
            campaigns.append(_share(within(s, row, 0, 180), s).max() > usual + 0.4 * (1 - usual))
        elif kind == "comment_form_broken":
            broken.append(np.median(_share(within(s, row, 0, 360), s)) > usual + 0.4 * (1 - usual))
        elif kind == "filter_down":
            unfiltered.append((within(s, row, 0, 60) == 0).all())
        else:
            blocked.append(np.median(_share(within(s, row, 0, DAY), s)) < 0.7 * usual)
    assert campaigns and sum(campaigns) > 0.9 * len(campaigns)
    assert broken and sum(broken) > 0.75 * len(broken)
    assert unfiltered and all(unfiltered)
    assert blocked and sum(blocked) > 0.75 * len(blocked)


def test_search_anomalies_have_their_shapes(generated):
    """A lost index and spam bots lift the median by half within the hour or two; a backend
    stalling spikes the hour's slowest scrape to twice the usual slow ones; blocked searches
    are answered in milliseconds."""
    lost, bots, stalls, blocked = [], [], [], []
    for s, row, kind in anomalies(generated, "synthSiteSearchTime"):
        before = within(s, row, -180, -1)
        usual = np.median(before)
        if kind == "search_index_lost":
            lost.append(np.median(within(s, row, 0, 60)) > 1.5 * usual)
        elif kind == "search_spam_bots":
            bots.append(np.median(within(s, row, 0, 120)) > 1.5 * usual)
        elif kind == "backend_stalls":
            stalls.append(within(s, row, 0, 60).max() > 2 * np.percentile(before, 90))
        else:
            milliseconds = within(s, row, 0, 30) * (
                1000 if s.name.startswith("search_request_time") else 1
            )
            blocked.append(milliseconds.max() <= 8)
    assert lost and sum(lost) > 0.75 * len(lost)
    assert bots and sum(bots) > 0.75 * len(bots)
    assert stalls and sum(stalls) > 0.75 * len(stalls)
    assert blocked and sum(blocked) > 0.9 * len(blocked)


def test_active_sites_anomalies_have_their_shapes(generated):
    """A stalled queue lets no site go live for the first half hour; a mass suspension or a
    cleanup misfire takes 2% of the sites within the hour; runaway provisioning adds 2%
    within six hours."""
    stalled, dropped, climbed = [], [], []
    for s, row, kind in anomalies(generated, "synthActiveSites"):
        usual = s.values[row - 1]
        if kind == "provisioning_stalled":
            stalled.append((np.diff(within(s, row, 0, 30)) <= 0).all())
        elif kind == "runaway_provisioning":
            climbed.append(within(s, row, 0, 360).max() > 1.02 * usual)
        else:
            dropped.append(within(s, row, 0, 60).min() < 0.98 * usual)
    assert stalled and all(stalled)
    assert dropped and sum(dropped) > 0.9 * len(dropped)
    assert climbed and sum(climbed) > 0.9 * len(climbed)


def test_malware_anomalies_have_their_shapes(generated):
    """A blind scanner finds nothing for the first hour; a compromised account's batches
    find three times the previous day's most; a false-positive signature lifts the hour's
    mean well above the usual; an exploit wave leaves findings in more of the next twelve
    hours' batches than of the twelve before."""
    blind, account, signature, wave = [], [], [], []
    for s, row, kind in anomalies(generated, "synthMalwareFindings"):
        if kind == "scanner_blind":
            blind.append((within(s, row, 0, 60) == 0).all())
        elif kind == "account_compromised":
            account.append(within(s, row, 0, 60).max() > 3 * within(s, row, -DAY, -1).max())
        elif kind == "false_positive_signature":
            signature.append(within(s, row, 0, 60).mean() > 2 * within(s, row, -360, -1).mean() + 1)
        else:
            wave.append((within(s, row, 0, 720) > 0).mean() > (within(s, row, -720, -1) > 0).mean())
    assert blind and all(blind)
    assert account and sum(account) > 0.75 * len(account)
    assert signature and sum(signature) > 0.75 * len(signature)
    assert wave and sum(wave) > 0.75 * len(wave)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r26.EXAM_FAMILIES_R26:
        first = exam_families_r26.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(
                first <= row <= last
                for row, (first, last) in zip(sorted(s.anomaly_rows), windows, strict=True)
            )
