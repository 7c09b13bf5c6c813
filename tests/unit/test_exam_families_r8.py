"""The eighth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here runs a
detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, every_file, generated_round, normal_part

from healer_ops.devkit.nab import exam_families_r8


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r8)


def test_values_are_of_their_kind(generated):
    """Milliseconds are positive and capped by the longest client timeout; jobs, bytes and
    scripts are whole and never negative, within the largest OPcache; DNS lookups are
    never negative and, but for a failed one (0), take some time."""
    for s in every_file(generated, "synthGatewayCalls"):
        assert s.values.min() > 0 and s.values.max() <= 70000 + 40
    for family in ("synthImageJobs", "synthOpcache"):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
            assert s.values.max() <= 2 ** 31
    for s in every_file(generated, "synthDnsLookup"):
        assert s.values.min() >= 0 and s.values.max() < (15 if "seconds" in s.name else 15000)


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: a gateway down answers at the client's
    timeout (5 s at least), refused calls are faster than usual; a stalled queue or spent
    credits finish nothing; OPcache switched off caches nothing; a failed lookup reads 0."""
    seen = set()
    for s, row, kind in anomalies(generated, "synthGatewayCalls"):
        if kind == "gateway_down":
            assert s.values[row] >= 5000
        elif kind == "fast_failures":
            assert s.values[row] < np.median(normal_part(s))
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthImageJobs"):
        if kind in ("queue_stalled", "quota_exhausted"):
            assert s.values[row] == 0
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthOpcache"):
        if kind == "opcache_disabled":
            assert s.values[row] == 0
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthDnsLookup"):
        if kind == "lookups_failing":
            assert s.values[row] == 0
        seen.add(kind)
    assert {"gateway_down", "fast_failures", "queue_stalled", "opcache_disabled",
            "lookups_failing"} <= seen


def test_gateway_rows_are_calls_or_buckets_with_calls(generated):
    """A row per call comes at irregular times; a bucket's row comes on the bucket's grid,
    and a bucket without calls has none."""
    for s in every_file(generated, "synthGatewayCalls"):
        minutes = np.diff(s.timestamps.asi8) / 6e10
        if "call_ms" in s.name:
            assert len(np.unique(np.round(minutes, 3))) > 100
        else:
            step = np.median(minutes)
            assert np.allclose(minutes / step, np.round(minutes / step))


def test_caches_refill_after_a_reset(generated):
    """Before any anomaly, OPcache files drop now and then (resets, restarts) and climb
    back: most have both a fall to under half their median and a row back above it."""
    refilled = []
    for s in every_file(generated, "synthOpcache"):
        part = normal_part(s)
        low = np.flatnonzero(part < 0.5 * np.median(part))
        refilled.append(len(low) > 0 and (part[low[0]:] > np.median(part)).any())
    assert sum(refilled) > len(refilled) / 2
