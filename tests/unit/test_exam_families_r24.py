"""The twenty-fourth exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r24
from healer_ops.devkit.nab.exam_families_r24 import DAY, asked_again
from healer_ops.devkit.nab.exam_r24_binlog import BINLOG_HEADER, rotate_and_purge
from healer_ops.devkit.nab.synthetic import label_windows

WINDOWS = (1, 2, 5, 10, 15)  # minutes of the 404 dashboard's windows


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r24)


def _hours(s, part, first, last):
    """The values of ``part`` (the file's first rows) stamped from ``first`` to ``last``
    o'clock."""
    hours = np.asarray(s.timestamps.hour)[:len(part)]
    return part[(hours >= first) & (hours < last)]


def _quiet_before(s, row: int, minutes: float) -> bool:
    """No other anomaly starts within ``minutes`` before ``row``."""
    earlier = [other for other in s.anomaly_rows if other < row]
    return not earlier or -minutes_after(s, row)[earlier[-1]] > minutes


def _counts_files(s) -> bool:
    return s.name.startswith("mysql_binlog_files")


def test_binlogs_rotate_and_purge_by_their_rules():
    """Ten bytes a minute into files of a hundred: a file closes every ten minutes and, at each
    rotation, the files closed more than the expiry ago are deleted, so the files stay five and
    the bytes on disk between the expiry's writes and a file more; with purging stalled nothing
    is deleted; an operator's purge leaves only the new, empty file."""
    written = np.full(200, 10.0)
    never = np.zeros(200, bool)
    size, files = rotate_and_purge(written, np.array([], int), 100, 30, never, set()).on_disk(
        written)
    assert [int(m) + 1 for m in np.flatnonzero(np.diff(files) != 0)] == [9, 19, 29, 39]
    assert (files[39:] == 5).all()  # from then on each rotation deletes as it adds
    payload = (size - BINLOG_HEADER * files)[60:]
    assert payload.min() == 400 and payload.max() == 490
    size, files = rotate_and_purge(written, np.array([], int), 100, 30, ~never, set()).on_disk(
        written)
    np.testing.assert_array_equal(size - BINLOG_HEADER * files, np.cumsum(written))
    assert files[-1] == 21
    size, files = rotate_and_purge(written, np.array([], int), 100, 30, never, {100}).on_disk(
        written)
    assert files[100] == 1 and size[100] == BINLOG_HEADER
    assert size[101] == BINLOG_HEADER + 10


def test_people_ask_again_when_the_email_is_slow():
    """Nobody asks twice when every email comes; when none does, everyone asks five times,
    each at least half a minute after the last."""
    rng = np.random.default_rng(3)
    first = np.sort(rng.uniform(0, 1000, 50))
    np.testing.assert_array_equal(asked_again(rng, first, 0.0), first)
    every = asked_again(rng, first, 1.0)
    assert len(every) == 5 * len(first)
    assert (np.diff(every.reshape(5, -1), axis=0) >= 0.5).all()


def test_values_are_of_their_kind(generated):
    """Password resets are whole counts; 404 shares are fractions (ten-thousandths) or percents
    (hundredths) stamped at the start of the dashboard's windows; binlogs are whole bytes, at
    least a file's header, or whole files, at least the open one; the REST API's rate is
    positive, whole where scraped every minute and in hundredths otherwise."""
    for s in every_file(generated, "synthPasswordResets"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthNotFoundRatio"):
        percent = s.name.startswith("not_found_percent")
        np.testing.assert_array_equal(s.values, np.round(s.values, 2 if percent else 4))
        assert s.values.min() >= 0 and s.values.max() <= (100 if percent else 1)
        minutes = np.diff(s.timestamps.asi8) / 6e10
        assert (s.timestamps == s.timestamps.floor("min")).all()
        assert any((minutes % window == 0).all() and np.median(minutes) == window
                   for window in WINDOWS)
    for s in every_file(generated, "synthBinlogSize"):
        assert (s.values == np.round(s.values)).all()
        assert s.values.min() >= (1 if _counts_files(s) else BINLOG_HEADER)
    for s in every_file(generated, "synthRestApi"):
        minutes = np.diff(s.timestamps.asi8) / 6e10
        whole = round(float(np.median(minutes))) == 1
        np.testing.assert_array_equal(s.values, np.round(s.values, 0 if whole else 2))
        assert s.values.min() >= 0 and np.median(s.values) > 0


def test_resets_are_sparse_lumpy_and_follow_the_day(generated):
    """Most buckets of most sites' files are empty, the busiest bucket of nearly every file
    holds several times the mean (people asking again, bots' tries), and in most files more
    people ask in the afternoon than at night."""
    sparse, lumpy, busier = [], [], []
    for s in every_file(generated, "synthPasswordResets"):
        part = normal_part(s)
        if s.name.startswith("lostpassword_requests"):
            sparse.append((part == 0).mean() > 0.4)
        lumpy.append(part.max() > 3 * part.mean())
        busier.append(_hours(s, part, 12, 18).mean() > _hours(s, part, 0, 6).mean())
    assert sum(sparse) > 0.6 * len(sparse)
    assert sum(lumpy) > 0.9 * len(lumpy)
    assert sum(busier) > 0.75 * len(busier)


def test_404_share_is_heavy_tailed_and_higher_at_night(generated):
    """Scanners make the tail: in most files the top percent of windows is several times the
    median. Bots' share grows while visitors sleep: the night's median is higher than the
    afternoon's in most files. Some files lose rows where too few requests came (the hour with
    fewest rows has under half the rows of the busiest), others have a row in every window."""
    tailed, night, thinner, complete = [], [], [], []
    for s in every_file(generated, "synthNotFoundRatio"):
        part = normal_part(s)
        tailed.append(np.percentile(part, 99) > 3 * max(np.median(part), 1e-4))
        night.append(np.median(_hours(s, part, 1, 6)) > np.median(_hours(s, part, 12, 18)))
        rows_an_hour = np.bincount(np.asarray(s.timestamps.hour), minlength=24)
        thinner.append(rows_an_hour.min() < 0.5 * rows_an_hour.max())
        minutes = np.diff(s.timestamps.asi8) / 6e10
        complete.append((minutes == np.median(minutes)).all())
    assert sum(tailed) > 0.8 * len(tailed)
    assert sum(night) > 0.75 * len(night)
    assert any(thinner) and any(complete)


def test_binlogs_climb_and_step_down_only_at_rotations(generated):
    """Before any anomaly the bytes rise in most rows of every file and fall in fewer (only at
    a rotation's purge); the files counted change in whole steps, now and then."""
    for s in every_file(generated, "synthBinlogSize"):
        steps = np.diff(normal_part(s))
        if _counts_files(s):
            assert 0 < (steps != 0).mean() < 0.5
        else:
            assert (steps > 0).mean() > 0.5 and (steps < 0).mean() < 0.25


def test_rest_api_follows_the_day(generated):
    """Visitors' pages and editors make the afternoon busier than the night in most files (by
    the median: an integration's full sync at night is no busier day)."""
    busier = []
    for s in every_file(generated, "synthRestApi"):
        part = normal_part(s)
        busier.append(np.median(_hours(s, part, 12, 18)) > np.median(_hours(s, part, 0, 6)))
    assert sum(busier) > 0.75 * len(busier)


def test_reset_anomalies_have_their_shapes(generated):
    """A reset flood asks more in its first half hour than two usual half hours; a broken form
    accepts nothing from its second bucket on; a forced reset wave more than doubles the next
    twelve hours against the same hours a day before; social login broken raises the next three
    hours against the same hours a day before. (Against a day before only where no anomaly
    started in the two days before: one may be going on then.)"""
    floods, broken, waves, social = [], [], [], []
    for s, row, kind in anomalies(generated, "synthPasswordResets"):
        if kind == "reset_flood":
            half_hour = within(s, row, -DAY, -1).sum() / 48
            floods.append(within(s, row, 0, 30).sum() > 2 * half_hour + 2)
        elif kind == "form_broken" and quiet_for(s, row, 6 * 60):
            broken.append((within(s, row, 16, 6 * 60) == 0).all())
        elif kind == "forced_reset_wave" and _quiet_before(s, row, 2 * DAY):
            waves.append(within(s, row, 0, 12 * 60).sum() > 2 * within(
                s, row, -DAY, -DAY + 12 * 60).sum() + 2)
        elif kind == "social_login_broken" and quiet_for(s, row, 3 * 60) and _quiet_before(
                s, row, 2 * DAY):
            social.append(within(s, row, 0, 3 * 60).sum() > within(
                s, row, -DAY, -DAY + 3 * 60).sum())
    assert floods and sum(floods) > 0.9 * len(floods)
    assert broken and all(broken)
    assert waves and sum(waves) > 0.75 * len(waves)
    assert social and sum(social) > 0.75 * len(social)


def test_404_anomalies_have_their_shapes(generated):
    """Broken permalinks at least double the share within ten minutes; missing assets and a
    changed URL structure raise the next hours' median; soft 404s lower the next day's."""
    broken, missing, changed, soft = [], [], [], []
    for s, row, kind in anomalies(generated, "synthNotFoundRatio"):
        usual = np.median(within(s, row, -6 * 60, -1))
        if kind == "permalinks_broken":
            broken.append(within(s, row, 0, 10).max() > 2 * usual)
        elif kind == "assets_missing" and quiet_for(s, row, 2 * 60):
            missing.append(np.median(within(s, row, 0, 2 * 60)) > usual)
        elif kind == "url_structure_changed" and quiet_for(s, row, 6 * 60):
            changed.append(np.median(within(s, row, 0, 6 * 60)) > np.median(
                within(s, row, -DAY, -1)))
        elif kind == "soft_404s" and quiet_for(s, row, DAY):
            soft.append(np.median(within(s, row, 0, DAY)) < np.median(within(s, row, -DAY, -1)))
    assert broken and sum(broken) > 0.9 * len(broken)
    assert missing and sum(missing) > 0.75 * len(missing)
    assert changed and sum(changed) > 0.75 * len(changed)
    assert soft and sum(soft) > 0.75 * len(soft)


def _climb(s, row, first, last) -> float:
    """How much the gauge rose (its falls left out) from ``first`` to ``last`` minutes after
    ``row``."""
    part = within(s, row, first, last)
    return float(np.maximum(np.diff(part), 0).sum()) if len(part) > 1 else 0.0


def test_binlog_anomalies_have_their_shapes(generated):
    """A write storm climbs faster in its first hour than the hour before and the same hour a
    day before (files: more files within twelve hours than before it); a stalled
    purge never steps down for a day; a manual purge halves the gauge within half an hour;
    writes moved away leave the gauge flat for six hours (a flush adds a file, or its header)."""
    storms, stalled, purged, moved = [], [], [], []
    for s, row, kind in anomalies(generated, "synthBinlogSize"):
        files = _counts_files(s)
        if kind == "write_storm" and files:
            storms.append(within(s, row, 0, 12 * 60).max() > s.values[row - 1])
        elif kind == "write_storm":
            storms.append(_climb(s, row, 0, 60) > max(_climb(s, row, -61, -1),
                                                      _climb(s, row, -DAY, -DAY + 60)))
        elif kind == "purge_stalled" and quiet_for(s, row, DAY):
            stalled.append((np.diff(within(s, row, 0, DAY)) >= 0).all())
        elif kind == "manual_purge":
            purged.append(within(s, row, 0, 30).min() < 0.5 * s.values[row - 1])
        elif kind == "writes_moved" and quiet_for(s, row, 6 * 60):
            moved.append(within(s, row, 1, 6 * 60).max() <= s.values[row] + (1 if files else 1024))
    assert storms and sum(storms) > 0.85 * len(storms)
    assert stalled and all(stalled)
    assert purged and all(purged)
    assert moved and sum(moved) > 0.9 * len(moved)


def test_rest_anomalies_have_their_shapes(generated):
    """Scraping lifts the first quarter hour's median by a seventh (unless an anomaly before it
    may be ending then: a polling bug lasts up to four days); a polling bug raises the next
    six hours against the same hours a day before (where no anomaly started in the two days
    before); the API blocked cuts the next half hour's
    median by a third; a stalled integration lowers the next six hours' mean."""
    scraped, polling, blocked, stalled = [], [], [], []
    for s, row, kind in anomalies(generated, "synthRestApi"):
        usual = np.median(within(s, row, -60, -1))
        if kind == "api_scraping" and _quiet_before(s, row, 4 * DAY):
            scraped.append(np.median(within(s, row, 0, 15)) > 1.15 * usual)
        elif kind == "polling_bug" and quiet_for(s, row, 6 * 60) and _quiet_before(
                s, row, 2 * DAY):
            polling.append(within(s, row, 0, 6 * 60).mean() > within(
                s, row, -DAY, -DAY + 6 * 60).mean())
        elif kind == "api_blocked" and usual > 0:
            blocked.append(np.median(within(s, row, 0, 30)) < 0.7 * usual)
        elif kind == "integration_stalled" and quiet_for(s, row, 6 * 60):
            stalled.append(within(s, row, 0, 6 * 60).mean() < within(s, row, -6 * 60, -1).mean())
    assert scraped and sum(scraped) > 0.75 * len(scraped)
    assert polling and sum(polling) > 0.75 * len(polling)
    assert blocked and sum(blocked) > 0.75 * len(blocked)
    assert stalled and sum(stalled) > 0.75 * len(stalled)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r24.EXAM_FAMILIES_R24:
        first = exam_families_r24.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
