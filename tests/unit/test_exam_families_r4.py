"""The fourth exam families: values and anomalies of their kind; test_exam_rounds.py checks they
are deterministic, well-formed, labelled by NAB's rule, usable as a corpus. Written blind for
held-out scoring; once scored, they joined the tuning families."""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import generated_round

from healer_ops.devkit.nab import exam_families_r4


@pytest.fixture(scope="module")
def generated():
    return generated_round(exam_families_r4)


def test_values_are_of_their_kind(generated):
    for seed in (1, 2):
        for s in generated[("synthCacheHit", seed)]:
            top = 100 if s.name.startswith("cdn") else 1
            assert s.values.min() >= 0 and s.values.max() <= top
            assert np.median(s.values[:int(0.15 * len(s.values))]) > 0.3 * top
        for s in generated[("synthCronDuration", seed)]:
            assert s.values.min() > 0
        for s in generated[("synthHostLoad", seed)]:
            assert s.values.min() >= 0
            if s.name.startswith("cpu"):
                assert s.values.max() <= 100
        for s in generated[("synthBandwidth", seed)]:
            assert s.values.min() >= 0 and (s.values == np.round(s.values)).all()


def test_cron_rows_are_runs_at_irregular_times(generated):
    """One row per run: slots skipped while a run holds the lock, stuck runs and stopped
    schedulers leave gaps of hours; never two runs at once."""
    long_gaps = 0
    for seed in (1, 2):
        for s in generated[("synthCronDuration", seed)]:
            minutes = np.diff(s.timestamps.asi8) / 6e10
            step = np.median(minutes)
            assert (minutes > 1.5 * step).any()  # missed or skipped slots, normal data too
            long_gaps += (minutes[:int(0.15 * len(minutes))] > 2.5 * step).any()
            if s.name.startswith("job_runs"):  # stamped at the start: a run ends before the next
                assert (s.values[:-1] / 60 <= minutes + 1 / 60).all()
            for row, kind in zip(s.anomaly_rows, s.anomaly_kinds, strict=True):
                if kind == "runs_stop":
                    assert minutes[row - 1] >= 100
                if kind == "stuck_run":
                    assert s.values[row] >= 7200
    assert long_gaps >= 3  # a heavy run holding the lock for several slots is normal
