"""The fifth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. Written blind for
held-out scoring; once scored, they joined the tuning families."""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, generated_round

from healer_ops.devkit.nab import exam_families_r5


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r5)


def test_values_are_of_their_kind(generated):
    for seed in (1, 2):
        for s in generated[("synthProbeRegions", seed)]:
            most = 30 if s.name.startswith("probe_seconds") else 30000
            assert s.values.min() >= 0 and s.values.max() <= most
        for s in generated[("synthPageWeight", seed)]:
            assert s.values.min() > 0 and (s.values == np.round(s.values)).all()
        for s in generated[("synthReplicaLag", seed)]:
            assert s.values.min() >= 0
            if s.name.startswith("seconds_behind"):
                assert (s.values == np.round(s.values)).all()
                assert np.median(s.values[:int(0.15 * len(s.values))]) <= 2
        for s in generated[("synthLoginPosts", seed)]:
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()


def test_anomalies_have_their_shapes(generated):
    """A few signatures that follow from the mechanisms: a stopped replica falls behind one
    second per second, a stale reading repeats, a broken login counts nothing, an error page
    is far smaller than the page."""
    seen = set()
    for s, row, kind in anomalies(generated, "synthReplicaLag"):
        after = s.values[row:row + 20]
        if kind == "lag_stuck":
            assert (after == after[0]).all()
        elif kind == "replication_stopped":
            elapsed = (s.timestamps[row + 10] - s.timestamps[row]).total_seconds()
            assert s.values[row + 10] - s.values[row] >= 0.8 * elapsed
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthLoginPosts"):
        if kind == "login_broken":
            assert (s.values[row:row + 8] == 0).all()
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthPageWeight"):
        if kind in ("error_page", "flapping_page"):
            assert s.values[row] < 0.5 * np.median(s.values[:row])
        seen.add(kind)
    assert {"lag_stuck", "replication_stopped", "login_broken", "error_page"} <= seen


def test_probe_rows_come_from_regions_in_rotation(generated):
    """Successive rows from different regions: the values of consecutive rows differ far more
    than rows one rotation apart in some files (a multimodal, interleaved normal)."""
    interleaved = 0
    for seed in (1, 2):
        for s in generated[("synthProbeRegions", seed)]:
            head = np.log(s.values[:int(0.15 * len(s.values))])
            lag_one = np.median(np.abs(np.diff(head)))
            best_lag = min(np.median(np.abs(head[k:] - head[:-k])) for k in range(3, 7))
            interleaved += lag_one > 2 * best_lag
    assert interleaved >= 4
