"""The seventh exam families: values and anomalies of their kind; test_exam_rounds.py checks
they are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here
runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, generated_round, normal_part

from healer_ops.devkit.nab import exam_families_r7

FAMILIES = exam_families_r7.EXAM_FAMILIES_R7


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r7)


def test_values_are_of_their_kind(generated):
    """Counts and bytes are whole and never negative; whole days left are whole, and no
    certificate outlives a ten-year snakeoil."""
    for family in FAMILIES:
        for seed in (1, 2):
            for s in generated[(family, seed)]:
                if family == "synthCertExpiry":
                    assert s.values.max() <= 3650
                    assert (s.values == np.round(s.values)).all() or "expiry_days" not in s.name
                else:
                    assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: a wrong certificate is days away from the
    right one, a Redis restarted without its maxmemory starts again from empty (less than
    it held), admin-ajax blocked serves nothing."""
    seen = set()
    for s, row, kind in anomalies(generated, "synthCertExpiry"):
        if kind == "wrong_cert":
            assert abs(s.values[row] - s.values[row - 1]) > 5
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthObjectCache"):
        if kind == "maxmemory_lost" and "memory" in s.name:
            assert s.values[row] < s.values[row - 1]
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthHeartbeat"):
        if kind == "admin_blocked":
            assert s.values[row] == 0
        seen.add(kind)
    assert {"wrong_cert", "maxmemory_lost", "admin_blocked"} <= seen


def test_certificates_count_down_a_day_a_day(generated):
    """Between renewals the days left fall by one a day, whatever the sampling."""
    for seed in (1, 2):
        for s in generated[("synthCertExpiry", seed)]:
            if "expiry_days" in s.name:
                continue
            head = int(0.15 * len(s.values))
            minutes = np.diff(s.timestamps.asi8[:head]) / 6e10
            per_day = np.diff(s.values[:head]) / minutes * 1440
            assert np.median(per_day) == pytest.approx(-1, abs=0.05)


def test_caches_evict_at_their_ceiling_only(generated):
    """Evictions come when the cache is full: in busy hours, not after a flush or at night,
    so most eviction files have both idle and evicting rows before their first anomaly."""
    both = [((part := normal_part(s)) == 0).any() and (part > 0).any()
            for seed in (1, 2) for s in generated[("synthObjectCache", seed)]
            if "evicted" in s.name]
    assert sum(both) > len(both) / 2


def test_heartbeats_follow_working_days(generated):
    """Editors work on weekdays: before the first anomaly, heartbeat files beat more on
    weekdays than at weekends."""
    busier = []
    for seed in (1, 2):
        for s in generated[("synthHeartbeat", seed)]:
            part = normal_part(s)
            weekend = np.asarray(s.timestamps.day_of_week)[:len(part)] >= 5
            if "heartbeat" in s.name and weekend.any() and (~weekend).any():
                busier.append(part[~weekend].mean() > part[weekend].mean())
    assert len(busier) >= 3 and sum(busier) >= 0.75 * len(busier)
