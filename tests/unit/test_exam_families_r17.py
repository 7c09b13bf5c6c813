"""The seventeenth exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r17
from healer_ops.devkit.nab.exam_families_r17 import _rotated
from healer_ops.devkit.nab.exam_r5_common import EPOCH
from healer_ops.devkit.nab.exam_r17_timings import (
    DAY,
    TIMEOUTS,
    Fleet,
    Jobs,
    _run,
    _satisfaction,
    _stamps,
)
from healer_ops.devkit.nab.synthetic import label_windows

WINDOWS = (1, 5, 10, 15)  # minutes of the APM's windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r17)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _seconds(s) -> np.ndarray:
    """A backup file's durations in seconds, whichever unit it is written in."""
    return s.values * (60 if s.name.startswith("site_backup_minutes") else 1)


def _growth(s, row, first, last) -> float:
    """How fast a log grew from ``first`` to ``last`` minutes after ``row`` (per minute, over
    the steps without a rotation)."""
    minutes = minutes_after(s, row)
    inside = (minutes >= first) & (minutes <= last)
    grown, took = np.diff(s.values[inside]), np.diff(minutes[inside])
    return float((grown[grown >= 0] / took[grown >= 0]).mean())


def test_helpers_follow_their_mechanisms():
    """A log is emptied when logrotate runs (unless the check is skipped or it is empty, as
    notifempty says) and whenever a rotation is forced; a request within the threshold is
    satisfied, within four times it tolerated, and a long wait for a worker frustrates all;
    a backup worker runs one job at a time, a hung job is killed at the timeout; the stamps
    of jobs ending in the same second are a second apart."""
    size, resets = _rotated(np.ones(10), np.array([3, 7]), 0.0, np.zeros(10, bool), set())
    np.testing.assert_array_equal(size, [1, 2, 3, 1, 2, 3, 4, 1, 2, 3])
    assert resets == [3, 7]
    skipped = np.zeros(10, bool)
    skipped[7] = True
    size, resets = _rotated(np.ones(10), np.array([3, 7]), 0.0, skipped, {5})
    np.testing.assert_array_equal(size, [1, 2, 3, 1, 2, 1, 2, 3, 4, 5])
    assert resets == [3, 5]
    _, resets = _rotated(np.r_[np.ones(3), np.zeros(7)], np.array([3, 7]), 0.0,
                         np.zeros(10, bool), set())
    assert resets == [3]  # nothing written since: not rotated
    satisfied, tolerating = _satisfaction(np.array([0.5]), 0.5, 0.5, np.array([0.0]))
    assert satisfied[0] == pytest.approx(0.5) and 0.49 < tolerating[0] < 0.5
    satisfied, tolerating = _satisfaction(np.array([0.5]), 0.5, 0.5, np.array([1e4]))
    assert satisfied[0] == 0 and tolerating[0] == 0
    rng = np.random.default_rng(3)
    fleet = Fleet(rng, 40)
    fleet.workers, fleet.fails = 1, 0.0
    jobs = Jobs(rng, fleet, 2, 0)
    ends, seconds = _run(fleet, jobs, [], {})
    assert len(ends) == len(jobs.slot)
    assert (ends[1:] - seconds[1:] / 60 >= ends[:-1] - 1e-9).all()  # one after another
    hung = [("jobs_hanging", float(jobs.slot[10]), float(jobs.slot[20]), 1.0)]
    _, seconds = _run(fleet, jobs, hung, {})
    assert seconds.max() == fleet.timeout  # the worker blocked until the job is killed
    stamps = _stamps(np.array([1.0, 1.0, 1.0, 2.5]), EPOCH)
    assert (np.diff(stamps.asi8) > 0).all() and (stamps == stamps.floor("s")).all()


def test_values_are_of_their_kind(generated):
    """Log sizes are whole bytes or MiB in hundredths; purges are whole counts; Apdex scores
    are hundredths from 0 to 1 stamped at the start of the APM's windows; backup durations
    are whole seconds or minutes in tenths, at most the longest timeout, stamped to the
    second when each job ended (irregularly)."""
    for s in every_file(generated, "synthAccessLogSize"):
        assert s.values.min() >= 0
        decimals = 2 if s.name.startswith("access_log_size_mb") else 0
        np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
    for s in every_file(generated, "synthCachePurges"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthApdex"):
        assert s.values.min() >= 0 and s.values.max() <= 1
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert (s.timestamps == s.timestamps.floor("min")).all()
        assert any((minutes % window == 0).all() and np.median(minutes) == window
                   for window in WINDOWS)
    for s in every_file(generated, "synthBackupDurations"):
        decimals = 1 if s.name.startswith("site_backup_minutes") else 0
        np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
        assert s.values.min() >= 0 and _seconds(s).max() <= max(TIMEOUTS)
        assert (np.asarray(s.timestamps.second) != 0).mean() > 0.9  # not on a scrape grid
        gaps = np.diff(s.timestamps.asi8) / 6e10
        assert gaps.std() > 0.5 * gaps.mean()


def test_logs_only_grow_between_rotations(generated):
    """Before any anomaly a log's size only shrinks at a rotation, which leaves it nearly
    empty (less than half of it, but where a scrape came late); most files are rotated in
    their normal part (a log rotated weekly may not be), and most grow faster in the
    afternoon than at night (a nightly preloader or crawls may turn that round)."""
    rotated, busier, emptied = [], [], []
    for s in every_file(generated, "synthAccessLogSize"):
        part = normal_part(s)
        grown = np.diff(part)
        drops = np.flatnonzero(grown < 0)
        emptied.extend(part[drops + 1] < 0.5 * part[drops])
        assert len(drops) < 0.2 * len(part)  # hourly at most
        rotated.append(len(drops) > 0)
        steps = np.r_[0, grown]
        busier.append(_hours(s, steps, 12, 18)[_hours(s, steps, 12, 18) >= 0].mean()
                      > _hours(s, steps, 0, 6)[_hours(s, steps, 0, 6) >= 0].mean())
    assert sum(emptied) > 0.9 * len(emptied)
    assert sum(rotated) > 0.75 * len(rotated)
    assert sum(busier) > 0.6 * len(busier)


def test_purges_come_in_clumps(generated):
    """A save purges tens of URLs at once and imports purge hundreds: in every file the
    busiest bucket of the normal part is more than twice its mean; quiet sites purge nothing
    in most buckets, shops with orders in none."""
    zero_shares = []
    for s in every_file(generated, "synthCachePurges"):
        part = normal_part(s)
        assert part.max() > 2 * part.mean()
        zero_shares.append((part == 0).mean())
    assert max(zero_shares) > 0.5 and min(zero_shares) < 0.05


def test_apdex_is_noisier_when_requests_are_few(generated):
    """Few requests at night make the score jump between a few values: in most files the
    normal part spreads more from 0 to 6 o'clock than from 12 to 18; some files miss windows
    without a transaction (or while the collector was down), others have every window."""
    noisier, complete = [], []
    for s in every_file(generated, "synthApdex"):
        part = normal_part(s)
        noisier.append(_hours(s, part, 0, 6).std() > _hours(s, part, 12, 18).std())
        minutes = np.diff(s.timestamps.asi8) / 6e10
        complete.append((minutes == np.median(minutes)).all())
    assert sum(noisier) > 0.6 * len(noisier)
    assert any(complete) and not all(complete)


def test_backups_are_a_heavy_tailed_mix_by_the_fleets_schedule(generated):
    """A fleet's sites differ in size and each has a weekly full backup: the 99th percentile
    of a file's normal part is over twice its median; fleets backing up in a night
    window have many times more rows in their busiest hour than in their quietest, fleets
    spreading the jobs over the day do not; the normal part never reaches the timeout."""
    night_window = []
    for s in every_file(generated, "synthBackupDurations"):
        part = _seconds(s)[:len(normal_part(s))]
        assert np.percentile(part, 99) > 2 * np.median(part)
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        night_window.append(rows_an_hour.max() > 5 * max(rows_an_hour.min(), 1))
        if "jobs_hanging" in s.anomaly_kinds:
            assert part.max() < _seconds(s).max()
    assert any(night_window) and not all(night_window)


def test_access_log_anomalies_have_their_shapes(generated):
    """A skipped rotation lets the log grow past every peak of its normal part within a day
    and a half; a missed reopen leaves the new log empty for the next hour; verbose logging
    at least doubles the growth of the next two hours, a scraper that of the next half hour."""
    skipped, empty, verbose, flooded = [], [], [], []
    for s, row, kind in anomalies(generated, "synthAccessLogSize"):
        before = _growth(s, row, -120, -1)
        if kind == "rotation_skipped" and quiet_for(s, row, 1.5 * DAY):
            skipped.append(within(s, row, 0, 1.5 * DAY).max() > 1.2 * normal_part(s).max())
        elif kind == "reopen_missed":
            empty.append((within(s, row, 0, 60) == 0).all())
        elif kind == "verbose_logging":
            verbose.append(_growth(s, row, 0, 120) > 2 * before)
        elif kind == "scraper_flood":
            flooded.append(_growth(s, row, 0, 30) > 2 * before)
    assert skipped and sum(skipped) > 0.75 * len(skipped)
    assert empty and all(empty)
    assert verbose and sum(verbose) > 0.75 * len(verbose)
    assert flooded and sum(flooded) > 0.9 * len(flooded)


def test_purge_anomalies_have_their_shapes(generated):
    """A purge loop at least doubles the median of the next two hours over the day before's
    (and lifts it off zero); failing purges leave every bucket from 20 minutes to three hours
    empty; a looping import more than doubles the next six hours over the normal part's mean;
    an amplified purge clumps more than five times the usual bucket within the hour."""
    looped, failed, imported, amplified = [], [], [], []
    for s, row, kind in anomalies(generated, "synthCachePurges"):
        if kind == "purge_loop":
            looped.append(np.median(within(s, row, 0, 120)) > max(
                2 * np.median(within(s, row, -DAY, -1)), 1))
        elif kind == "purges_failing":
            failed.append((within(s, row, 20, 180) == 0).all())
        elif kind == "import_loop":
            imported.append(within(s, row, 0, 6 * 60).mean() > 2 * normal_part(s).mean())
        else:
            before = within(s, row, -DAY, -1)
            amplified.append(within(s, row, 0, 60).max() > 5 * np.median(before[before > 0]))
    assert looped and sum(looped) > 0.75 * len(looped)
    assert failed and all(failed)
    assert imported and sum(imported) > 0.75 * len(imported)
    assert amplified and sum(amplified) > 0.75 * len(amplified)


def test_apdex_anomalies_have_their_shapes(generated):
    """A slow external call and too few workers pull the next hour's mean well under the
    file's usual median (the median of its normal part), a bypassed cache under nine tenths
    of it; a degrading query has lowered the score under it by the same hours a day later."""
    slow_call, workers, bypassed, degraded = [], [], [], []
    for s, row, kind in anomalies(generated, "synthApdex"):
        usual = np.median(normal_part(s))
        hour = within(s, row, 0, 60).mean()
        if kind == "external_call_slow":
            slow_call.append(hour < 0.85 * usual)
        elif kind == "workers_too_few":
            workers.append(hour < 0.85 * usual)
        elif kind == "cache_bypassed":
            bypassed.append(hour < 0.9 * usual)
        elif quiet_for(s, row, DAY) and len(within(s, row, DAY - 6 * 60, DAY)):
            degraded.append(within(s, row, DAY - 6 * 60, DAY).mean() < usual - 0.05)
    assert slow_call and sum(slow_call) > 0.75 * len(slow_call)
    assert workers and sum(workers) > 0.75 * len(workers)
    assert bypassed and sum(bypassed) > 0.75 * len(bypassed)
    assert degraded and sum(degraded) > 0.75 * len(degraded)


def test_backup_anomalies_have_their_shapes(generated):
    """Throttled storage makes the next three hours' median half as long again as the same
    hours the day before; expired credentials make most jobs of the next two hours fail in
    seconds; hanging jobs end at the timeout (at least two within half a day of the onset and
    the longest timeout); lost excludes make the next day's median longer by a third."""
    throttled, refused, hung, grown = [], [], [], []
    for s, row, kind in anomalies(generated, "synthBackupDurations"):
        seconds = _seconds(s)
        minutes = minutes_after(s, row)

        def around(first, last, seconds=seconds, minutes=minutes):
            return seconds[(minutes >= first) & (minutes <= last)]
        if kind == "storage_throttled":
            throttled.append(np.median(around(0, 180)) > 1.5 * np.median(
                around(-DAY, -DAY + 180)))
        elif kind == "credentials_expired":
            refused.append((around(0, 120) < 15).mean() > 0.5)
        elif kind == "jobs_hanging":
            hung.append((around(0, 12 * 60 + max(TIMEOUTS) / 60) == seconds.max()).sum() >= 2)
        elif quiet_for(s, row, DAY):
            grown.append(np.median(around(0, DAY)) > 1.3 * np.median(around(-DAY, -1)))
    assert throttled and sum(throttled) > 0.75 * len(throttled)
    assert refused and sum(refused) > 0.9 * len(refused)
    assert hung and all(hung)
    assert grown and sum(grown) > 0.75 * len(grown)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r17.EXAM_FAMILIES_R17:
        first = exam_families_r17.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
