"""The twelfth exam families: values and anomalies shaped by their mechanisms;
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
    within,
)

from healer_ops.devkit.nab import exam_families_r12
from healer_ops.devkit.nab.exam_families_r12 import BUCKET_SETS, INSTANCES, histogram_quantile

CAPS = {per_hour * 24.0 for _, _, per_hour in INSTANCES}  # a day's earnings


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r12)


def test_histogram_quantile_is_prometheus_estimate():
    """Linear within the bucket that holds the rank, from 0 in the first bucket, and the
    highest finite bound when the rank is in +Inf."""
    bounds = np.array([0.1, 0.5, 1.0])
    buckets = np.array([[50, 50, 0, 0],   # rank 99 of 100: 99% of the way through (0.1, 0.5]
                        [10, 0, 0, 0],    # all in the first bucket: from 0
                        [0, 0, 0, 10]])   # all beyond the last bound
    np.testing.assert_allclose(histogram_quantile(0.99, buckets, bounds),
                               [0.1 + 0.4 * 49 / 50, 0.099, 1.0])


def test_values_are_of_their_kind(generated):
    """Percentiles are positive seconds (6 decimals) or milliseconds (3 decimals), never beyond
    the highest finite bucket; credit balances are non-negative, in hundredths, and top out at
    a day's earnings; swap is whole MB or a percent in hundredths, never more than all of it;
    the history list is a whole count."""
    tops = {bounds[-1] for bounds in BUCKET_SETS} | {1000 * bounds[-1] for bounds in BUCKET_SETS}
    at_a_top = []
    for s in every_file(generated, "synthStorageLatencyP99"):
        assert s.values.min() > 0
        if s.values.max() <= 10:
            np.testing.assert_array_equal(s.values, np.round(s.values, 6))
        else:
            assert s.values.max() <= 10_000
            np.testing.assert_array_equal(s.values, np.round(s.values, 3))
        at_a_top.append(s.values.max() in tops)
    assert 0 < sum(at_a_top) < len(at_a_top)
    capped = []
    for s in every_file(generated, "synthCpuCredits"):
        assert s.values.min() >= 0 and s.values.max() <= max(CAPS)
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))
        capped.append(normal_part(s).max() in CAPS)
    assert sum(capped) > 0.75 * len(capped)
    for s in every_file(generated, "synthSwapUsed"):
        assert s.values.min() >= 0
        whole_mb = (s.values == np.round(s.values)).all() and s.values.max() > 100
        assert whole_mb or (s.values.max() <= 100
                            and (s.values == np.round(s.values, 2)).all())
    for s in every_file(generated, "synthUndoHistory"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()


def test_credit_balance_sits_at_its_cap_and_moves_in_five_minute_datapoints(generated):
    """Quiet hours keep the balance at its cap: most files' normal part holds its maximum for
    a tenth of its readings or more; CloudWatch's 5-minute datapoints make most readings of
    files polled every 1-2 minutes repeat the last one."""
    held = []
    for s in every_file(generated, "synthCpuCredits"):
        part = normal_part(s)
        held.append((part == part.max()).mean() > 0.1)
        if np.median(np.diff(s.timestamps.asi8)) / 6e10 < 3:
            assert (np.diff(s.values) == 0).mean() > 0.5
    assert sum(held) > 0.75 * len(held)


def test_swap_ratchets_up_and_leaks_back(generated):
    """Swap rises at a squeeze and leaks back slowly: in the normal part readings rise in at most
    5% of the steps, fall more often than they rise in most files, and mostly hold."""
    falls_more = []
    for s in every_file(generated, "synthSwapUsed"):
        steps = np.diff(normal_part(s))
        assert (steps > 0).mean() <= 0.05
        assert np.median(np.abs(steps)) <= 0.001 * max(np.ptp(s.values), 1)
        falls_more.append((steps < 0).mean() > (steps > 0).mean())
    assert sum(falls_more) > 0.75 * len(falls_more)


def test_undo_history_peaks_with_the_nightly_dump(generated):
    """The nightly dump holds its read view while the night's writes pile up: most days' largest
    history comes between midnight and 8 o'clock."""
    hours = []
    for s in every_file(generated, "synthUndoHistory"):
        part = pd.Series(normal_part(s), index=s.timestamps[:len(normal_part(s))])
        hours += [stamp.hour for stamp in part.groupby(part.index.normalize()).idxmax()]
    assert np.mean(np.array(hours) < 8) > 0.5


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: a degraded provider or connect timeouts raise
    the percentile several times, auth failures lower it to a round trip (if the histogram
    resolves it); a runaway process
    or a bot crawl drains the credits within three hours; lost swap reads 0, thrashing fills
    it; a stuck transaction's history climbs with the writes."""
    raised, lowered = [], []
    for s, row, kind in anomalies(generated, "synthStorageLatencyP99"):
        before = np.median(s.values[max(0, row - 30):row])
        after = np.median(within(s, row, 0, 30))
        if kind in ("provider_degraded", "connect_timeouts"):
            raised.append(after > 2 * before)
        elif kind == "auth_failures":  # unless the usual was already in the first bucket
            lowered.append(after < before or after == s.values.min())
    assert raised and sum(raised) > 0.9 * len(raised)
    assert lowered and sum(lowered) > 0.75 * len(lowered)
    drained = []
    for s, row, kind in anomalies(generated, "synthCpuCredits"):
        if kind in ("runaway_process", "bot_crawl"):
            later = within(s, row, 170, 200)
            drained.append(len(later) > 0 and later.min() < s.values[row])
    assert drained and all(drained)
    seen = set()
    for s, row, kind in anomalies(generated, "synthSwapUsed"):
        later = [other for other in s.anomaly_rows if other > row]
        if kind == "swap_lost":
            until = min(60.0, minutes_after(s, later[0])[row] * -1) if later else 60.0
            assert (within(s, row, 0, until) == 0).all() and s.values[row - 1] > 0
        elif kind == "thrashing":
            fullest = within(s, row, 0, 180).max()
            assert fullest >= (99 if s.values.max() <= 100 else 1013)
        seen.add(kind)
    assert {"swap_lost", "thrashing"} <= seen
    climbed = []
    for s, row, kind in anomalies(generated, "synthUndoHistory"):
        if kind == "stuck_transaction":
            later = within(s, row, 110, 130)
            before = np.median(s.values[max(0, row - 30):row])
            climbed.append(len(later) > 0 and later.min() > 3 * before)
    assert climbed and sum(climbed) > 0.75 * len(climbed)
