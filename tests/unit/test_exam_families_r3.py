"""The third exam families: well-formed and labelled by NAB's rule in a form of their own (error
rates miss data, never labelled), values of their kind; test_exam_rounds.py checks that they are
deterministic and usable as a corpus. (Nothing here runs a detector; once scored as an exam they
became tuning families.)"""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import generated_round

from healer_ops.devkit.nab import exam_families_r3
from healer_ops.devkit.nab.synthetic import label_windows

FAMILIES = exam_families_r3.EXAM_FAMILIES_R3


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r3)


@pytest.mark.parametrize("family", FAMILIES)
def test_files_are_well_formed_and_labelled_by_nabs_rule(family, generated):
    for seed in (1, 2):
        series = generated[(family, seed)]
        assert len(series) == exam_families_r3.FILES_PER_FAMILY[family]
        assert len({s.name for s in series}) == len(series)
        for s in series:
            rows = len(s.values)
            assert 2000 <= rows <= 16000 and len(s.timestamps) == rows
            minutes = np.diff(s.timestamps.asi8) / 6e10
            assert (minutes > 0).all() and 0.8 <= np.median(minutes) <= 15
            present = s.values[~np.isnan(s.values)]
            assert np.isfinite(present).all() and len(present) > 0.8 * rows
            if family != "synthErrorRate":  # the only family that models missing data
                assert not np.isnan(s.values).any()
            assert len(s.anomaly_rows) == len(s.anomaly_kinds) <= 3
            assert set(s.anomaly_kinds) <= exam_families_r3.ANOMALY_KINDS[family]
            assert all(0.15 * rows <= row < rows for row in s.anomaly_rows)
            assert not np.isnan(s.values[s.anomaly_rows]).any()
            for first, last in label_windows(rows, s.anomaly_rows):
                assert 0 <= first <= last < rows
    every = [s for seed in (1, 2) for s in generated[(family, seed)]]
    assert any(not s.anomaly_rows for s in every) and any(s.anomaly_rows for s in every)


def test_values_are_of_their_kind(generated):
    for seed in (1, 2):
        for s in generated[("synthErrorRate", seed)]:
            present = s.values[~np.isnan(s.values)]
            assert present.min() >= 0 and present.max() <= 100
            assert np.nanmedian(s.values[:int(0.15 * len(s.values))]) < 1  # zero or tiny
        for family in ("synthPool", "synthBacklog"):
            for s in generated[(family, seed)]:
                assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()
        for s in generated[("synthMemory", seed)]:
            assert s.values.min() > 0


def test_missing_data_of_error_rates_is_never_labelled(generated):
    stretches = 0
    for seed in (1, 2):
        for s in generated[("synthErrorRate", seed)]:
            missing = np.isnan(s.values).astype(int)
            edges = np.flatnonzero(np.diff(np.r_[0, missing, 0]))
            windows = label_windows(len(s.values), s.anomaly_rows)
            for first, stop in zip(edges[::2], edges[1::2], strict=True):
                if stop - first >= 10:  # an exporter down, not a missed scrape
                    stretches += 1
                    assert all(stop - 1 < a or first > b for a, b in windows)
    assert stretches > 0
