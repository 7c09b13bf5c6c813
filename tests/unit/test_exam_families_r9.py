"""The ninth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here runs a
detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, every_file, generated_round, normal_part

from healer_ops.devkit.nab import exam_families_r9


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r9)


def test_values_are_of_their_kind(generated):
    """Conversion is a share of 4 decimals; slow-log entries and lag seconds are whole and
    never negative; a fragmentation ratio is positive, of 2 decimals as Redis reports it."""
    for s in every_file(generated, "synthCheckoutConversion"):
        assert s.values.min() >= 0 and s.values.max() <= 1
        np.testing.assert_array_equal(s.values, np.round(s.values, 4))
    for family in ("synthSlowQueries", "synthSearchLag"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthRedisFragmentation"):
        assert s.values.min() > 0
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))


def test_conversion_rows_are_buckets_with_checkouts(generated):
    """A row comes on the bucket grid (its exporter's run within the minute after), small
    denominators give the extremes 0 and 1 in the normal part of most files, and the
    smaller shops have no row for empty night buckets (a hole of over an hour)."""
    extremes, night_holes = [], []
    for s in every_file(generated, "synthCheckoutConversion"):
        minute = (s.timestamps.floor("min") - s.timestamps[0].floor("min")).total_seconds() / 60
        step = round(float(np.median(np.diff(minute))))
        assert (minute % step == 0).all()
        part = normal_part(s)
        extremes.append((part == 0).any() and (part == 1).any())
        night_holes.append((np.diff(minute) > 60).any())
    assert sum(extremes) > len(extremes) / 2
    assert 0 < sum(night_holes) < len(night_holes)


def test_search_lag_grows_no_faster_than_the_clock(generated):
    """The oldest queued change ages one second per second at most (plus a minute of the
    sampling's rounding), whatever happens to the queue."""
    for s in every_file(generated, "synthSearchLag"):
        seconds = np.diff(s.timestamps.asi8) / 1e9
        assert (np.diff(s.values) <= seconds + 120).all()


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: payments broken pay nothing, a silent
    slow log reads 0, swapping pulls the ratio down within the hour; normal Redis files
    have their flush or restart spikes before any anomaly."""
    seen = set()
    broken = [s.values[row] == 0 for s, row, kind in anomalies(
        generated, "synthCheckoutConversion") if kind == "payment_broken"]
    assert broken and sum(broken) > len(broken) / 2
    for s, row, kind in anomalies(generated, "synthSlowQueries"):
        if kind == "slow_log_silent":
            assert s.values[row] == 0
        seen.add(kind)
    swapped = []
    for s, row, kind in anomalies(generated, "synthRedisFragmentation"):
        if kind == "swapping":  # unless a flush's spike comes in the same hour
            minutes = (s.timestamps - s.timestamps[row]).total_seconds() / 60
            hour = s.values[(minutes >= 30) & (minutes <= 60)]
            swapped.append(len(hour) > 0 and hour.min() < 0.9 * s.values[row])
        seen.add(kind)
    assert "slow_log_silent" in seen and swapped and sum(swapped) > 0.75 * len(swapped)
    spiky = [(normal_part(s) > 2 * np.median(s.values)).any()
             for s in every_file(generated, "synthRedisFragmentation")]
    assert sum(spiky) > len(spiky) / 2
