"""Evidence of small lasting changes: a CUSUM of the hourly means against the last week.

A shift of a fraction of the noise, or a slow drift, is never extreme at any one row and
never a new shape in any one window; it is a run of hours all a little on the same side.
Page's cumulative sum adds up each step's robust z (capped, so one spike is not a run),
minus a slack, on either side; it grows while the steps keep leaning one way and falls back
to zero when they stop. It runs on the seasonal difference where the engine has one (so a
daily peak is not a lean) and on the values otherwise. Its p-value is a model's while the
series is young and its own history's as it grows (``calibrate.shrunk_pvalues``), so a
series that wanders routinely does not page for wandering.
"""

from __future__ import annotations

import numpy as np

from healer_ops.detect.engine.calibrate import shrunk_pvalues
from healer_ops.detect.engine.statistics import robust_zscore, scale_floor

CERTAIN_PVALUE = 1e-12  # the model p beyond which more leaning adds nothing


def step_means(values: np.ndarray, step_rows: int) -> np.ndarray:
    """Mean of each complete step's known values (NaN for a step with none)."""
    steps = len(values) // step_rows
    blocks = np.asarray(values[:steps * step_rows], dtype=float).reshape(steps, step_rows)
    known = np.isfinite(blocks)
    counts = known.sum(axis=1)
    sums = np.where(known, blocks, 0.0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def step_zscores(means: np.ndarray, reference_steps: int, cap: float,
                 floor_fraction: float) -> np.ndarray:
    """Robust z of each step mean against the ``reference_steps`` before it, capped; the
    scale at least ``floor_fraction`` of the spread of all earlier means (a week of nearly
    identical hours must not make the next ordinary one a lean)."""
    z = robust_zscore(means, reference_steps, scale_floor(means, floor_fraction))
    return np.clip(z, -cap, cap)


def cusum(z: np.ndarray, slack: float) -> np.ndarray:
    """max(upper, lower) of the two-sided CUSUM of ``z`` (a missing z leaves it as it was)."""
    upper = lower = 0.0
    out = np.full(len(z), np.nan)
    for i, value in enumerate(z):
        if np.isfinite(value):
            upper = max(0.0, upper + value - slack)
            lower = max(0.0, lower - value - slack)
            out[i] = max(upper, lower)
    return out


def drift_pvalues(values: np.ndarray, step_rows: int, reference_steps: int, slack: float,
                  cap: float, floor_fraction: float, pseudo_count: float, history: int,
                  censor: float = 0.0) -> np.ndarray:
    """Per complete step, the p of the CUSUM of its hourly means.

    Model: for independent standard z, a one-sided CUSUM with slack k exceeds h with
    probability about exp(-2 k h) (its stationary law is exponential); two sides double it.
    The series' own history of the CUSUM takes over as it grows (``shrunk_pvalues``), so
    hours that lean routinely (a wandering series) stop counting.
    """
    means = step_means(values, step_rows)
    statistic = cusum(step_zscores(means, reference_steps, cap, floor_fraction), slack)
    # a lasting shift makes the sum grow for days; held at the level of a certain problem
    # it stops beating its own last hours, so the shift is one detection, not one a hold
    statistic = np.minimum(statistic, np.log(2.0 / CERTAIN_PVALUE) / (2.0 * slack))
    with np.errstate(invalid="ignore"):
        prior = np.minimum(1.0, 2.0 * np.exp(-2.0 * slack * np.nan_to_num(statistic)))
    return shrunk_pvalues(statistic, prior, pseudo_count, refit_every=10, history=history,
                          censor=censor)
