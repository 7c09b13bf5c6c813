"""The eleventh exam families: values and anomalies of their kind; test_exam_rounds.py checks
they are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. (Nothing here
runs a detector: these families are for held-out scoring only.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import anomalies, every_file, generated_round, normal_part

from healer_ops.devkit.nab import exam_families_r11
from healer_ops.devkit.nab.exam_r11_disk_mail import fixed_by, window_sums

FAMILIES = exam_families_r11.EXAM_FAMILIES_R11


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r11)


def _between(s, row, first, last):
    """The values from ``first`` to ``last`` minutes after row ``row``."""
    minutes = (s.timestamps - s.timestamps[row]).total_seconds() / 60
    return s.values[(minutes >= first) & (minutes <= last)]


def _mostly(flags):
    return flags and sum(flags) > 0.75 * len(flags)


def test_helpers_sum_windows_and_end_lasting_anomalies_before_the_next():
    per_minute = np.arange(10, dtype=float)
    assert list(window_sums(per_minute, np.array([0, 4, 9]), 3)) == [0, 9, 24]
    assert fixed_by([100, 400, 700], 1000) == [300, 600, 1000]
    assert fixed_by([], 1000) == []


def test_values_are_of_their_kind(generated):
    """Blocks are whole counts; retransmits and bounces are percentages; iowait is a
    percentage of 2 decimals that never reaches 100 (the cores are not all waiting)."""
    for s in every_file(generated, "synthWafBlocks"):
        assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
    for family, decimals in (("synthTcpRetransmits", 4), ("synthBounceRate", 3)):
        for s in every_file(generated, family):
            assert s.values.min() >= 0 and s.values.max() <= 100
            np.testing.assert_array_equal(s.values, np.round(s.values, decimals))
    for s in every_file(generated, "synthIoWait"):
        assert s.values.min() >= 0 and s.values.max() < 100
        np.testing.assert_array_equal(s.values, np.round(s.values, 2))


def test_normal_data_has_the_rhythms_of_its_kind(generated):
    """Retransmits are higher in the evening than before dawn in most files; iowait's
    nightly backup lifts the night above the afternoon in most files; most files' normal
    bounce rate stays under 5 % at its median."""
    evening, backups, bounces = [], [], []
    for s in every_file(generated, "synthTcpRetransmits"):
        hours, part = s.timestamps.hour[:len(normal_part(s))], normal_part(s)
        evening.append(np.median(part[(hours >= 19) & (hours < 23)])
                       > np.median(part[(hours >= 3) & (hours < 7)]))
    for s in every_file(generated, "synthIoWait"):
        hours, part = s.timestamps.hour[:len(normal_part(s))], normal_part(s)
        backups.append(part[hours < 6].max() > np.quantile(part[(hours >= 12) & (hours < 18)],
                                                           0.99))
    for s in every_file(generated, "synthBounceRate"):
        bounces.append(np.median(normal_part(s)) < 5)
    assert _mostly(evening) and _mostly(backups) and _mostly(bounces)


def test_anomalies_have_their_shapes(generated):
    """Signatures that follow from the mechanisms: a flood is tens of times the day's usual
    blocks within three hours, a bypassed WAF blocks almost nothing in the next hour, a SYN
    flood takes retransmits above 10 %, a lost bounce feed brings the rate to under a
    tenth of the day before within a day, a backup overrun keeps iowait above the day's
    median for the next hour."""
    checks = {"l7_flood": lambda s, r, day: _between(s, r, 0, 180).max() > 10 * max(
                  np.median(day), 1),
              "waf_bypassed": lambda s, r, day: np.median(_between(s, r, 0, 60))
              < 0.2 * max(np.median(day), 1),
              "syn_flood": lambda s, r, day: _between(s, r, 0, 120).max() > 10,
              "bounce_feed_lost": lambda s, r, day: _between(s, r, 0, 1440).min()
              < 0.1 * np.median(day),
              "backup_overrun": lambda s, r, day: _between(s, r, 0, 60).min() > np.median(day)}
    results = {kind: [] for kind in checks}
    for family in FAMILIES:
        for s, row, kind in anomalies(generated, family):
            if kind in checks:
                results[kind].append(checks[kind](s, row, _between(s, row, -1440, -1)))
    for kind, flags in results.items():
        assert _mostly(flags), kind
