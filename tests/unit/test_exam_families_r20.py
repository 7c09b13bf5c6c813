"""The twentieth exam families: values and anomalies shaped by their mechanisms;
test_exam_rounds.py checks they are deterministic, well-formed, labelled by NAB's rule, usable
as a corpus. (Nothing here runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

from collections import Counter

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

from healer_ops.devkit.nab import exam_families_r20
from healer_ops.devkit.nab.exam_families_r20 import (
    CHUNK,
    DAY,
    files_per_row,
    next_office_minute,
    peak_memory,
    spread_writes,
)
from healer_ops.devkit.nab.exam_r20_content import (
    UPLOAD_LIMITS_MB,
    labels_fit,
    unique_seconds,
)
from healer_ops.devkit.nab.synthetic import label_windows

WINDOWS = (5, 10, 15)  # minutes of the search dashboard's windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r20)


def _in_mb(s) -> np.ndarray:
    """Upload sizes or memory in MB, whichever unit the file is in."""
    if s.name.startswith("attachment_filesize_kb"):
        return s.values / 1024
    if s.name.startswith("php_memory_peak") and s.values.max() > 1e5:
        return s.values / 2 ** 20
    return s.values


def _as_share(s) -> np.ndarray:
    return s.values / 100 if s.name.startswith("search_zero_results_pct") else s.values


def _in(s, values, row, first, last) -> np.ndarray:
    """``values`` (the file's, in another unit) from ``first`` to ``last`` minutes after
    ``row``."""
    minutes = np.asarray((s.timestamps - s.timestamps[row]).total_seconds() / 60)
    return values[(minutes >= first) & (minutes <= last)]


def _usual(s, values, row, first, last) -> np.ndarray:
    """``values`` before the file's first anomaly at the times of day from ``first`` to
    ``last`` minutes after ``row``'s (an anomaly just before ``row`` would hide its onset)."""
    part = values[:min(s.anomaly_rows)]
    of_day = np.asarray(s.timestamps.hour * 60 + s.timestamps.minute)[:len(part)]
    at = s.timestamps[row].hour * 60 + s.timestamps[row].minute
    low, high = (at + first) % DAY, (at + last) % DAY
    if low <= high:
        return part[(of_day >= low) & (of_day <= high)]
    return part[(of_day >= low) | (of_day <= high)]


def test_helpers_follow_their_mechanisms():
    """Onsets must keep NAB's windows apart after the probation; events in the same second
    move on a second; a big update is written over two or three minutes, every file counted;
    a hand update waits for office hours; a log file counts once in a bucket however often it
    is written; a row's percentile is taken by nearest rank, in 2 MB chunks where chunked,
    never above memory_limit."""
    assert labels_fit(3000, [600, 1500]) and labels_fit(3000, [])
    assert not labels_fit(3000, [300]) and not labels_fit(3000, [600, 700])
    assert not labels_fit(1500, [600]) and not labels_fit(3000, [1500, 600])
    stamps = unique_seconds(pd.Timestamp("2026-01-05"), np.array([0.0, 0.001, 0.002, 1.0]))
    assert list(np.diff(stamps.asi8) // 10 ** 9) == [1, 1, 58]
    writes = np.zeros(10)
    spread_writes(writes, np.array([1.0, 5.0, 9.0]), np.array([2000.0, 10.0, 400.0]))
    assert writes.sum() == 2410 and (writes[1:4] > 0).all() and writes[5] == 10
    saturday = pd.date_range("2026-01-10 12:00", periods=3 * DAY, freq="min")
    assert saturday[next_office_minute(saturday)[0]] == pd.Timestamp("2026-01-12 09:00")
    logs = np.ones((1, 20), bool)
    np.testing.assert_array_equal(files_per_row(np.zeros(20), logs, np.array([4, 9, 14]), 5),
                                  [1, 1, 1])
    rng = np.random.default_rng(3)
    counts = np.array([[0, 0, 0, 0, 0, 0, 20], [0, 0, 0, 400, 0, 0, 0]])
    weights = np.tile([30.0, 40, 50, 300, 35, 40, 3], (2, 1))
    p95 = peak_memory(rng, counts, weights, 256, True, 0.95)
    highest = peak_memory(rng, counts, weights, 256, True, 1.0)
    assert (p95 % CHUNK == 0).all() and p95[0] == 4 and highest[1] == 256
    assert (highest >= p95).all()


def test_values_are_of_their_kind(generated):
    """Files changed are whole counts; uploads are positive sizes in thousandths of a MB or
    whole KB, none over the largest upload limit; search shares lie in 0-1 (or 0-100 %),
    stamped at the starts of the dashboard's windows; peak memory is positive, never over the
    largest memory_limit, in whole bytes, or in MB in 2 MB chunks or hundredths."""
    for s in every_file(generated, "synthFileChanges"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthUploadSizes"):
        decimals = 0 if s.name.startswith("attachment_filesize_kb") else 3
        np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
        assert s.values.min() > 0 and _in_mb(s).max() <= max(UPLOAD_LIMITS_MB) + 1
    for s in every_file(generated, "synthZeroResultSearches"):
        share = _as_share(s)
        assert share.min() >= 0 and share.max() <= 1
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert (s.timestamps == s.timestamps.floor("min")).all()
        assert any((minutes % window == 0).all() and np.median(minutes) == window
                   for window in WINDOWS)
    chunked = []
    for s in every_file(generated, "synthPhpMemoryPeak"):
        mb = _in_mb(s)
        assert mb.min() > 0 and mb.max() <= 512
        if s.values.max() > 1e5:
            assert (s.values == np.round(s.values)).all()
        else:
            np.testing.assert_array_equal(s.values, np.round(s.values, 2))
            chunked.append((s.values % CHUNK == 0).all())
    assert any(chunked) and not all(chunked)


def test_file_changes_are_bursts_over_a_quiet_floor(generated):
    """Updates write a plugin's files at once: in most files the busiest bucket before any
    anomaly is over twenty times the median bucket (at least one file)."""
    lumpy = [normal_part(s).max() > 20 * max(np.median(normal_part(s)), 1)
             for s in every_file(generated, "synthFileChanges")]
    assert sum(lumpy) > 0.75 * len(lumpy)


def test_uploads_come_in_office_hours_and_vary_in_size(generated):
    """Uploads follow the editors' day (the busiest hour of the day has over three times the
    rows of the quietest) and their sizes span photos to icons and videos (the largest is over
    twenty times the median)."""
    for s in every_file(generated, "synthUploadSizes"):
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        assert rows_an_hour.max() > 3 * rows_an_hour.min()
        part = _in_mb(s)[:min(s.anomaly_rows, default=len(s.values))]
        assert part.max() > 20 * np.median(part)


def test_search_rows_thin_out_at_night_on_small_sites(generated):
    """A window with too few searches has no row: some files lose rows in their quiet hours,
    others have a row in every window."""
    thinner, complete = [], []
    for s in every_file(generated, "synthZeroResultSearches"):
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        thinner.append(rows_an_hour.min() < 0.5 * rows_an_hour.max())
        minutes = np.diff(s.timestamps.asi8) / 6e10
        complete.append((minutes == np.median(minutes)).all())
    assert any(thinner) and any(complete)


def test_file_change_anomalies_have_their_shapes(generated):
    """Injected malware writes more in its first hour than the hour before did twice over;
    spam files add to the next three hours; lost exclusions lift the median of the next twelve
    hours; a blind monitor counts nothing from its second bucket on."""
    injected, spammed, lifted, blind = [], [], [], []
    for s, row, kind in anomalies(generated, "synthFileChanges"):
        if kind == "malware_injection":
            injected.append(within(s, row, 0, 60).sum() > 2 * within(s, row, -60, -1).sum())
        elif kind == "seo_spam_files":
            spammed.append(within(s, row, 0, 180).sum() > within(s, row, -180, -1).sum())
        elif kind == "exclusion_lost":
            lifted.append(np.median(within(s, row, 0, 720)) > np.median(within(s, row, -720,
                                                                               -1)))
        else:
            blind.append((within(s, row, 20, 180) == 0).all())
    assert injected and sum(injected) > 0.75 * len(injected)
    assert spammed and sum(spammed) > 0.75 * len(spammed)
    assert lifted and sum(lifted) > 0.75 * len(lifted)
    assert blind and all(blind)


def test_upload_anomalies_have_their_shapes(generated):
    """A lowered limit lets nothing over 2 MB through for two hours; an optimizer out of
    quota lifts the upper sizes; bots send one payload again and again; a looping import
    repeats its sizes."""
    limited, bigger, repeated, looped = [], [], [], []
    for s, row, kind in anomalies(generated, "synthUploadSizes"):
        mb = _in_mb(s)
        if kind == "upload_limit_lowered":
            limited.append(_in(s, mb, row, 0, 120).max() <= 2.001)
        elif kind == "compression_quota_out":
            bigger.append(np.percentile(_in(s, mb, row, 0, 120), 75) > np.percentile(
                _in(s, mb, row, -DAY, -1), 75))
        elif kind == "bot_uploads":
            after = Counter(_in(s, s.values, row, 0, 120)).most_common(1)[0][1]
            before = Counter(_in(s, s.values, row, -120, -1)).most_common(1)
            repeated.append(after >= 5 and after > (before[0][1] if before else 0))
        else:
            after = _in(s, s.values, row, 0, 6 * 60)
            again = sum(value in set(after[:i]) for i, value in enumerate(after))
            looped.append(again >= 0.25 * len(after))
    assert limited and all(limited)
    assert bigger and sum(bigger) > 0.75 * len(bigger)
    assert repeated and sum(repeated) > 0.9 * len(repeated)
    assert looped and sum(looped) > 0.9 * len(looped)


def test_search_anomalies_have_their_shapes(generated):
    """An emptied index fails most searches at once; spam lifts the share of the next six
    hours; lost stemming lifts the next day's mean; matching every word halves the share."""
    emptied, spammed, stemmed, matched = [], [], [], []
    for s, row, kind in anomalies(generated, "synthZeroResultSearches"):
        share = _as_share(s)
        if kind == "index_emptied":
            emptied.append(np.median(_in(s, share, row, 0, 30)) > 0.8)
        elif kind == "search_spam":
            spammed.append(np.median(_in(s, share, row, 0, 360)) > np.median(
                _in(s, share, row, -360, -1)))
        elif kind == "stemming_lost":
            stemmed.append(_in(s, share, row, 0, DAY).mean() > _in(s, share, row, -DAY,
                                                                    -1).mean())
        else:
            matched.append(np.median(_in(s, share, row, 0, 120)) < 0.5 * np.median(
                _in(s, share, row, -DAY, -1)))
    assert emptied and sum(emptied) > 0.9 * len(emptied)
    assert spammed and sum(spammed) > 0.75 * len(spammed)
    assert stemmed and sum(stemmed) > 0.75 * len(stemmed)
    assert matched and sum(matched) > 0.75 * len(matched)


def test_memory_anomalies_have_their_shapes(generated):
    """A bloating option has raised the memory of the sixth hour over the same hour a day
    before; admin code on the front end lifts the next two hours over those hours' usual
    (before any anomaly); a runaway cron job reaches memory_limit (the file's ceiling) within
    two hours; stuck maintenance halves the usual."""
    bloated, lifted, runaway, stopped = [], [], [], []
    for s, row, kind in anomalies(generated, "synthPhpMemoryPeak"):
        mb = _in_mb(s)
        if kind == "autoload_bloat":
            earlier = _in(s, mb, row, 300 - DAY, 360 - DAY)
            bloated.append(len(earlier) == 0 or np.median(_in(s, mb, row, 300, 360))
                           > np.median(earlier))
        elif kind == "frontend_regression":
            lifted.append(np.median(_in(s, mb, row, 0, 120)) > 1.1 * np.median(
                _usual(s, mb, row, 0, 120)))
        elif kind == "runaway_cron":
            runaway.append(_in(s, mb, row, 0, 120).max() == mb.max())
        else:
            stopped.append(np.median(_in(s, mb, row, 5, 15)) < 0.5 * np.median(
                _usual(s, mb, row, 5, 15)))
    assert bloated and sum(bloated) > 0.75 * len(bloated)
    assert lifted and sum(lifted) > 0.75 * len(lifted)
    assert runaway and sum(runaway) > 0.75 * len(runaway)
    assert stopped and all(stopped)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r20.EXAM_FAMILIES_R20:
        first = exam_families_r20.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(start <= row <= end for row, (start, end) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
