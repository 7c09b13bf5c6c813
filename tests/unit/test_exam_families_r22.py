"""The twenty-second exam families: values and anomalies shaped by their mechanisms;
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

from healer_ops.devkit.nab import exam_families_r22
from healer_ops.devkit.nab.exam_families_r22 import cron_runs, week_profile
from healer_ops.devkit.nab.exam_r22_cluster import (
    BACKOFF_CAP_SECONDS,
    DAY,
    HEAP_GIB,
    Deployment,
    crash_loop_times,
)
from healer_ops.devkit.nab.synthetic import label_windows

INTERVALS = (2, 5, 10)  # minutes between the autoload reports, when on time


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r22)


def _bytes(s) -> np.ndarray:
    """An autoload file's sizes in bytes, whichever unit it is written in."""
    return s.values * (1024 if s.name.startswith("autoloaded_options_kib") else 1)


def _spread(values: np.ndarray) -> float:
    return float(np.subtract(*np.percentile(values, [90, 10])))


def test_helpers_follow_their_mechanisms():
    """kubelet restarts a failing container after 10 s, doubling to five minutes; a report due
    every few minutes runs at the first request reaching PHP (once for the dues it missed);
    a pod's restarts count while it lives; business sites are quiet at weekends and shops
    busy."""
    times = crash_loop_times(0, 120, 10)
    waits = np.diff(np.r_[0, times]) * 60 - 10
    np.testing.assert_allclose(waits[:6], [10, 20, 40, 80, 160, BACKOFF_CAP_SECONDS])
    assert (np.abs(waits[5:] - BACKOFF_CAP_SECONDS) < 1e-6).all()
    requests = np.zeros(30)
    requests[[3, 4, 12, 29]] = 1
    np.testing.assert_array_equal(cron_runs(requests, 5, 0, False), [3, 12, 29])
    np.testing.assert_array_equal(cron_runs(requests, 5, 2, True), [2, 7, 12, 17, 22, 27])
    rng = np.random.default_rng(3)
    deployment = Deployment(rng, pd.date_range("2026-01-05", periods=100, freq="min"))
    deployment.high, deployment.replicas = 2, np.r_[np.full(80, 2), np.ones(20)]
    deployment.replaced = [[50.2], []]
    count = deployment.restart_count([np.array([10.5, 20.5]), np.array([30.5, 90.5])])
    expected = np.zeros(100)
    expected[11:], expected[21:], expected[31:] = 1, 2, 3
    expected[51:] -= 2  # the first pod replaced: its restarts go with it
    expected[80:] -= 1  # the second scaled in; a restart of a pod that is gone never counts
    np.testing.assert_array_equal(count, expected)
    for seed in range(5):
        business = week_profile(np.random.default_rng(seed), "business")
        shop = week_profile(np.random.default_rng(seed), "shop")
        assert business[5:].max() < business[:5].min() and shop[5:].mean() > shop[:5].mean()


def test_values_are_of_their_kind(generated):
    """Sign-ups and restarts are whole counts; autoloaded options are whole bytes (or KiB in
    tenths) between 100 KB and a few tens of MB; the heap is a whole percent of it, or whole
    bytes within the largest heap."""
    for family in ("synthUserSignups", "synthPodRestarts"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthAutoloadOptions"):
        decimals = 1 if s.name.startswith("autoloaded_options_kib") else 0
        np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
        assert _bytes(s).min() >= 100e3 and _bytes(s).max() <= 100e6
    for s in every_file(generated, "synthJvmHeap"):
        assert (s.values == np.round(s.values)).all() and s.values.min() > 0
        if s.name.startswith("opensearch_heap_used_bytes"):
            assert s.values.max() <= max(HEAP_GIB) * 2 ** 30
        else:
            assert s.values.max() <= 100


def test_signups_follow_the_week_and_are_sparse_on_small_sites(generated):
    """Before any anomaly, weekends differ from weekdays by a tenth or more in most files
    with a week to compare; small sites have mostly empty buckets, busy ones hardly any."""
    weekly, zeros = [], []
    for s in every_file(generated, "synthUserSignups"):
        part = normal_part(s)
        weekend = np.asarray(s.timestamps.day_of_week)[:len(part)] >= 5
        zeros.append(np.mean(part == 0))
        if minutes_after(s, len(part) - 1)[0] < -7 * DAY and weekend.any():
            weekly.append(abs(part[weekend].mean() / part[~weekend].mean() - 1) > 0.1)
    assert weekly and sum(weekly) > 0.75 * len(weekly)
    assert max(zeros) > 0.5 and min(zeros) < 0.05


def test_autoload_reports_come_when_php_runs(generated):
    """With a system cron the reports come on time (every 2-10 minutes, seconds apart at
    most); with WP-cron they wait for a request reaching PHP, so some files are irregular and
    some have holes at night, not all."""
    regular, holes = [], []
    for s in every_file(generated, "synthAutoloadOptions"):
        minutes = np.diff(s.timestamps.asi8) / 6e10
        step = np.median(minutes)
        assert any(0.9 * interval <= step <= 1.5 * interval + 3 for interval in INTERVALS)
        regular.append(np.percentile(np.abs(minutes - round(step)), 95) < 0.1)
        holes.append((minutes > 10 * step).any())
    assert 0 < sum(regular) < len(regular)
    assert 0 < sum(holes) < len(holes)


def test_autoload_changes_in_steps(generated):
    """Most reports find the options as the last one did, give or take the cron array's few
    events: the median change between reports is under half a percent of the size."""
    for s in every_file(generated, "synthAutoloadOptions"):
        part = _bytes(s)[:min(s.anomaly_rows, default=len(s.values))]
        assert np.median(np.abs(np.diff(part))) < 0.005 * np.median(part)


def test_restarts_climb_by_ones_and_fall_back(generated):
    """Before any anomaly the count rises a restart at a time and falls when pods go."""
    rises, falls = [], []
    for s in every_file(generated, "synthPodRestarts"):
        steps = np.diff(normal_part(s))
        if (steps > 0).any():
            rises.append(np.median(steps[steps > 0]) == 1)
            falls.append((steps < 0).any())
    assert rises and sum(rises) > 0.9 * len(rises)
    assert sum(falls) > 0.75 * len(falls)


def test_heap_is_a_sawtooth_over_a_band(generated):
    """Before any anomaly the heap spans a band of a tenth of its top or more, and falls
    faster than it climbs (collections are sudden): its steps are skewed downwards."""
    skewed = []
    for s in every_file(generated, "synthJvmHeap"):
        part = normal_part(s)
        assert _spread(part) > 0.1 * part.max()
        steps = np.diff(part)
        skewed.append(np.mean((steps - steps.mean()) ** 3) < 0)
    assert sum(skewed) > 0.75 * len(skewed)


def test_signup_anomalies_have_their_shapes(generated):
    """A spam wave at least doubles the sign-ups of the next six hours against the day
    before; a broken form records none from its first full bucket on; a broken social login
    and a noindex lower the sign-ups of the next day, and of the third."""
    waves, broken, social, fading = [], [], [], []
    for s, row, kind in anomalies(generated, "synthUserSignups"):
        before = within(s, row, -DAY, -1).mean()
        if kind == "spam_signup_wave":
            waves.append(within(s, row, 0, 6 * 60).mean() > 2 * before)
        elif kind == "signup_form_broken":
            step = np.median(np.diff(s.timestamps.asi8)) / 6e10
            broken.append(np.mean(within(s, row, step + 1, 2 * 60) == 0) > 0.9)
        elif kind == "social_login_broken":
            social.append(within(s, row, 0, DAY).mean() < before)
        elif quiet_for(s, row, 2.5 * DAY) and minutes_after(s, row)[-1] > 2.5 * DAY:
            fading.append(within(s, row, 1.5 * DAY, 2.5 * DAY).mean() < before)
    assert waves and sum(waves) > 0.75 * len(waves)
    assert broken and all(broken)
    assert social and sum(social) > 0.6 * len(social)
    assert fading and sum(fading) > 0.6 * len(fading)


def test_autoload_anomalies_have_their_shapes(generated):
    """Cron events piling up grow the size for hours; a heavy option lifts the median by
    hundreds of KB; a flush loop spreads the reports by far more than before; with WP-cron
    disabled no report comes for hours."""
    piled, heavy, spread, silent = [], [], [], []
    for s, row, kind in anomalies(generated, "synthAutoloadOptions"):
        values, minutes = _bytes(s), minutes_after(s, row)

        def between(first, last, values=values, minutes=minutes):
            return values[(minutes >= first) & (minutes <= last)]

        if kind == "cron_events_piling":
            piled.append(between(5 * 60, 6 * 60).mean() > between(-50, -1).mean() + 10e3)
        elif kind == "heavy_option_autoloaded":
            heavy.append(np.median(between(0, 120)) > np.median(between(-50, -1)) + 250e3)
        elif kind == "rewrite_flush_loop":
            spread.append(_spread(between(0, 120)) > 3 * _spread(between(-50, -1)))
        else:
            silent.append(minutes[row] - minutes[row - 1] > 2.5 * 60)
    assert piled and sum(piled) > 0.75 * len(piled)
    assert heavy and all(heavy)
    assert spread and sum(spread) > 0.75 * len(spread)
    assert silent and all(silent)


def test_cluster_anomalies_have_their_shapes(generated):
    """A crash loop adds restarts every few minutes for two hours, a sidecar crashing many
    within an hour, a probe storm several within 40 minutes, OOM at the peaks some within
    half a day. Fielddata pressure lifts the heap and flattens its teeth; a heap leak lifts
    its floor by half a day later; a reindex loop lifts it too; frozen stats are one value."""
    climbs = {"crash_loop": (120, 10), "sidecar_crashing": (60, 10), "probe_storm": (40, 3),
              "oom_at_peaks": (12 * 60, 3)}
    restarted: dict[str, list[bool]] = {kind: [] for kind in climbs}
    for s, row, kind in anomalies(generated, "synthPodRestarts"):
        minutes, least = climbs[kind]
        restarted[kind].append(within(s, row, 0, minutes).max() >= s.values[row - 1] + least)
    for kind, seen in restarted.items():
        assert seen and sum(seen) > 0.75 * len(seen), kind
    pinned, leaked, indexed, frozen = [], [], [], []
    for s, row, kind in anomalies(generated, "synthJvmHeap"):
        before = within(s, row, -180, -1)
        if kind == "fielddata_pressure":
            later = within(s, row, 60, 90)
            pinned.append(np.median(later) > 1.2 * np.median(before)
                          and _spread(later) < _spread(before))
        elif kind == "heap_leak" and quiet_for(s, row, 18 * 60):
            leaked.append(np.percentile(within(s, row, 12 * 60, 18 * 60), 10) > np.percentile(
                within(s, row, -6 * 60, -1), 10))
        elif kind == "reindex_loop":
            indexed.append(np.percentile(within(s, row, 0, 180), 10) > np.percentile(before,
                                                                                      10))
        elif kind == "stats_frozen":
            frozen.append(len(set(within(s, row, 0, 120))) == 1)
    assert pinned and sum(pinned) > 0.75 * len(pinned)
    assert leaked and sum(leaked) > 0.75 * len(leaked)
    assert indexed and sum(indexed) > 0.75 * len(indexed)
    assert frozen and all(frozen)


def test_same_seed_same_files_and_windows_cover_the_onsets(generated):
    """The first files of a seed come out the same however many are asked for, and every
    onset lies inside its own NAB window."""
    for family in exam_families_r22.EXAM_FAMILIES_R22:
        first = exam_families_r22.generate(family, 1, 2)
        for again, s in zip(first, generated[(family, 1)], strict=False):
            np.testing.assert_array_equal(again.values, s.values)
            assert again.anomaly_rows == s.anomaly_rows
        for s in every_file(generated, family):
            windows = label_windows(len(s.values), s.anomaly_rows)
            assert all(first <= row <= last for row, (first, last) in zip(
                sorted(s.anomaly_rows), windows, strict=True))
