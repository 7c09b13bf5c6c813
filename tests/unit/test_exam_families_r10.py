"""The tenth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here runs a
detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, every_file, generated_round, minutes_after, normal_part

from healer_ops.devkit.nab import exam_families_r10


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r10)


def test_values_are_of_their_kind(generated):
    """Offsets are signed ms to the microsecond, both signs in the normal part of most files;
    egress is GB of 2 decimals; nodes are whole and never negative; temperatures are in
    whole degrees or eighths, between a cold room and Tjmax."""
    both_signs = []
    for s in every_file(generated, "synthClockOffset"):
        np.testing.assert_array_equal(s.values, np.round(s.values, 3))
        part = normal_part(s)
        both_signs.append((part < 0).mean() > 0.2 and (part > 0).mean() > 0.2)
    assert sum(both_signs) > 0.75 * len(both_signs)
    for s in every_file(generated, "synthEgressQuota"):
        assert s.values.min() >= 0
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))
    for s in every_file(generated, "synthWebNodes"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for s in every_file(generated, "synthCpuTemperature"):
        assert s.values.min() >= 15 and s.values.max() <= 105
        np.testing.assert_array_equal(s.values, np.round(s.values * 8) / 8)


def test_egress_only_climbs_but_for_the_billing_reset(generated):
    """The period's usage never falls except when a new period starts (to near 0, at most
    twice a file), and some files (not all) cross a billing day."""
    resets = []
    for s in every_file(generated, "synthEgressQuota"):
        falls = np.flatnonzero(np.diff(s.values) < 0)
        assert (s.values[falls + 1] < 0.1 * s.values[falls]).all() and len(falls) <= 2
        resets.append(len(falls) > 0)
    assert 0 < sum(resets) < len(resets)


def test_web_nodes_move_in_steps_of_the_group(generated):
    """Most readings repeat the last one (the group changes in steps, minutes apart), and
    busy days take most files above their night's level."""
    for s in every_file(generated, "synthWebNodes"):
        assert (np.diff(s.values) == 0).mean() > 0.5
    scaled = [np.quantile(normal_part(s), 0.95) > np.quantile(normal_part(s), 0.05)
              for s in every_file(generated, "synthWebNodes")]
    assert sum(scaled) > 0.75 * len(scaled)


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: a clock step puts the onset row off by
    100 ms or more, a stopped sync drifts off within hours, a stale BMC repeats its reading,
    a runaway scale-out raises the group within hours."""
    seen, drifted, raised = set(), [], []
    for s, row, kind in anomalies(generated, "synthClockOffset"):
        before = np.median(s.values[max(0, row - 30):row])
        if kind == "clock_step":
            assert abs(s.values[row] - before) >= 100
        elif kind == "sync_stopped":
            later = s.values[(minutes_after(s, row) >= 170) & (minutes_after(s, row) <= 180)]
            drifted.append(len(later) > 0 and abs(later - s.values[row]).min() >= 5)
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthCpuTemperature"):
        if kind == "bmc_stale":
            hold = s.values[(minutes_after(s, row) >= 0) & (minutes_after(s, row) < 100)]
            assert (hold == s.values[row]).all()
        seen.add(kind)
    for s, row, kind in anomalies(generated, "synthWebNodes"):
        if kind == "runaway_scale_out":
            hours = s.values[(minutes_after(s, row) >= 0) & (minutes_after(s, row) <= 120)]
            raised.append(hours.max() > s.values[row])
    assert {"clock_step", "sync_stopped", "bmc_stale"} <= seen
    assert drifted and sum(drifted) > 0.75 * len(drifted)
    assert raised and sum(raised) > 0.75 * len(raised)
