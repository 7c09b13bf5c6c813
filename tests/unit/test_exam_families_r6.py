"""The sixth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here runs a
detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, generated_round

from healer_ops.devkit.nab import exam_families_r6

FAMILIES = exam_families_r6.EXAM_FAMILIES_R6


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r6)


def test_values_are_of_their_kind(generated):
    """Worker counts and queue, cart and inode counts are whole and never negative;
    percentages stay within 0-100."""
    for family in FAMILIES:
        for seed in (1, 2):
            for s in generated[(family, seed)]:
                assert s.values.min() >= 0
                if "percent" in s.name:
                    assert s.values.max() <= 100
                else:
                    assert (s.values == np.round(s.values)).all()


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: FPM down reports no worker, a pinned pool
    sits at its ceiling (at least its recent busy readings), a stuck relay never drains, a
    closed store has no carts, a mass deletion leaves fewer inodes used."""
    seen = set()
    for s, row, kind in anomalies(generated, "synthFpmWorkers"):
        if kind == "fpm_down":
            assert s.values[row] == 0
        elif kind == "pinned_at_max":
            assert s.values[row] >= np.percentile(s.values[row - 200:row], 90)
            assert s.values[row] == 100 or "percent" not in s.name
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthMailQueue"):
        if kind == "relay_stuck":
            assert (np.diff(s.values[row:row + 6]) >= -0.05 * s.values[row:row + 6].max()).all()
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthCartSessions"):
        if kind == "store_down":
            assert s.values[row] == 0
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthInodes"):
        if kind == "mass_deletion":
            assert s.values[row] < 0.9 * s.values[row - 1]
        seen.add(kind)
    assert {"fpm_down", "pinned_at_max", "relay_stuck", "mass_deletion"} <= seen


def test_fpm_workers_saturate_at_a_ceiling(generated):
    """Bounded integers: in several files the busiest readings of the normal part repeat the
    same maximum (the pool's max_children), not a tail of ever larger values."""
    saturated = 0
    for seed in (1, 2):
        for s in generated[("synthFpmWorkers", seed)]:
            head = s.values[:int(0.15 * len(s.values))]
            saturated += (head == head.max()).sum() >= 3
    assert saturated >= 4


def test_mail_queue_and_inodes_are_sawtooths(generated):
    """Drops come from a schedule: the queue runner empties the queue in one step, the nightly
    cleanup removes the day's files in one step, so the falls are fewer and larger than the
    rises in most files."""
    saws = 0
    for family in ("synthMailQueue", "synthInodes"):
        for seed in (1, 2):
            for s in generated[(family, seed)]:
                steps = np.diff(s.values[:int(0.15 * len(s.values))])
                rises, falls = steps[steps > 0], steps[steps < 0]
                saws += len(falls) < len(rises) and -falls.mean() > rises.mean()
    assert saws >= 16
