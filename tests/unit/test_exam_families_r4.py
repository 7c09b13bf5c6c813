"""The fourth exam families: deterministic, well-formed, labelled by NAB's rule, usable as a
corpus. Written blind for held-out scoring; once scored, they joined the tuning families."""

from __future__ import annotations

import numpy as np
import pytest
from exam_family_checks import (
    check_deterministic_per_seed,
    check_well_formed_and_labelled,
)

from healer_ops.devkit.nab import exam_families_r4

FAMILIES = exam_families_r4.EXAM_FAMILIES_R4
KINDS = {"synthCacheHit": {"eviction_storm", "cache_down", "key_explosion", "purge_loop",
                           "pinned_high"},
         "synthCronDuration": {"stuck_run", "slowdown_drift", "runs_stop", "bimodal",
                               "fails_fast"},
         "synthHostLoad": {"runaway_process", "noisy_neighbour", "backup_missing",
                           "backup_moved", "host_idle"},
         "synthBandwidth": {"hotlink", "flood", "traffic_loss", "cdn_bypass",
                            "backup_runaway"}}


@pytest.fixture(scope="module")
def generated():
    return {(family, seed): exam_families_r4.generate(family, seed)
            for family in FAMILIES for seed in (1, 2)}


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic_per_seed(family, generated):
    check_deterministic_per_seed(exam_families_r4, family, generated)


@pytest.mark.parametrize("family", FAMILIES)
def test_files_are_well_formed_and_labelled_by_nabs_rule(family, generated):
    check_well_formed_and_labelled(exam_families_r4, family, generated, KINDS[family], 3)


def test_some_files_have_no_anomaly(generated):
    every = [s for series in generated.values() for s in series]
    assert sum(not s.anomaly_rows for s in every) >= 0.05 * len(every)


def test_files_vary_in_step_and_length(generated):
    for family in FAMILIES:
        every = [s for seed in (1, 2) for s in generated[(family, seed)]]
        steps = {round(float(np.median(np.diff(s.timestamps.asi8) / 6e10))) for s in every}
        assert len(steps) >= 2 and len({len(s.values) for s in every}) == len(every)


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
