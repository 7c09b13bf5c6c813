"""score_series / score_new: the engine's evidence, combined and decided, for one series.

Evidence (each calibrated into a p-value against its own history, see ``calibrate``):

1. ``shape``: novelty of the last few hours' shape, the distance to the nearest earlier
   window of the series (``novelty``); a pattern seen before, however large, is not news.
2. ``seasonal``: the same novelty on the day-over-day difference (``x_t`` minus the median
   of the readings at the same clock time on the last days, found by timestamp), or the
   residual against a reference the caller gives (the fleet's seasonal baseline).
3. ``spike`` / ``level``: point statistics with a tiny share of the false-alarm budget so
   only extreme outliers count: robust z-scores against several windows, of the seasonal
   difference, and of the mean of the last rows.

They are combined by weighted Bonferroni and decided by ``decide``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.detect.engine.calibrate import tail_pvalues, two_sided_pvalues
from healer_ops.detect.engine.config import DEFAULT_CONFIG, EngineConfig
from healer_ops.detect.engine.decide import Episode, decide, episodes_of
from healer_ops.detect.engine.novelty import window_novelty
from healer_ops.detect.engine.statistics import (
    mean_shift_zscore,
    robust_zscore,
    scale_floor,
    seasonal_difference,
)

DAY_SECONDS = 86400.0
EVIDENCE = ("none", "spike", "level", "variance", "seasonal", "shape", "flat", "sequence")
CODE = {name: code for code, name in enumerate(EVIDENCE)}


@dataclass
class Detection:
    """Per-row results of the engine (see detect-engine-API.md)."""

    score: np.ndarray
    pvalue: np.ndarray
    alert: np.ndarray
    active: np.ndarray
    direction: np.ndarray
    evidence: np.ndarray
    expected: np.ndarray

    def __getitem__(self, rows: slice) -> Detection:
        return Detection(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.score)


def spacing_seconds(timestamps, rows: int) -> float | None:
    """Median spacing of the first ``rows`` timestamps (None if not increasing)."""
    stamps = pd.Series(pd.DatetimeIndex(timestamps[:rows]))
    if len(stamps) < 2:
        return None
    spacing = float(stamps.diff().dt.total_seconds().median())
    return spacing if spacing > 0 else None


def day_over_day(values: np.ndarray, timestamps, spacing: float,
                 config: EngineConfig) -> np.ndarray:
    """``x_t`` minus the median of the readings at the same clock time on the last days."""
    stamps = pd.DatetimeIndex(timestamps)
    seconds = np.asarray((stamps - stamps[0]).total_seconds(), dtype=float)
    return seasonal_difference(values, DAY_SECONDS, config.reference_seasons, seconds,
                               spacing / 2)


def point_evidence(values: np.ndarray, difference: np.ndarray | None,
                   config: EngineConfig) -> dict[str, np.ndarray]:
    """Bonferroni-corrected p of the point statistics: spikes, level (mean), seasonal."""
    tail = dict(quantile=config.tail_quantile, refit_every=100, history=8640,
                warmup=config.point_warmup_rows)
    floor = scale_floor(values, config.scale_floor_fraction)
    spikes = [robust_zscore(values, window, floor) for window in config.point_windows]
    statistics = {"spike": spikes,
                  "level": [mean_shift_zscore(values, config.mean_rows, config.mean_window,
                                              floor)]}
    if difference is not None:
        statistics["seasonal"] = [robust_zscore(
            difference, config.seasonal_window,
            scale_floor(difference, config.scale_floor_fraction))]
    count = sum(len(group) for group in statistics.values())
    return {name: np.minimum(1.0, count * np.min([two_sided_pvalues(z, **tail)
                                                  for z in group], axis=0))
            for name, group in statistics.items()}


def novelty_pvalues(values: np.ndarray, rows_per_step: int, first_row: int,
                    config: EngineConfig) -> np.ndarray:
    """Per complete step, the calibrated p of the window novelty (windows from ``first_row``)."""
    novelty = window_novelty(values, rows_per_step, config.window_steps,
                             config.exclude_steps, config.library_steps)
    first_complete = -(-first_row // rows_per_step) + config.window_steps - 1
    novelty[:first_complete] = np.nan
    return tail_pvalues(novelty, quantile=config.tail_quantile, refit_every=10,
                        history=8640, warmup=config.novelty_warmup_steps)


def at_step_ends(step_pvalues: np.ndarray, rows: int, rows_per_step: int) -> np.ndarray:
    out = np.ones(rows)
    ends = out[rows_per_step - 1::rows_per_step]
    ends[:] = step_pvalues[:len(ends)]
    return out


def residual_reference(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float) - np.asarray(reference, dtype=float)


def evidence_pvalues(values: np.ndarray, timestamps, reference: np.ndarray | None,
                     config: EngineConfig) -> tuple[dict[str, np.ndarray], int, np.ndarray]:
    """Per evidence name, its p-value per row already divided by its weight; the rows per
    step; and the expected value per row."""
    spacing = spacing_seconds(timestamps, config.min_history_rows)
    rows_per_step = (min(config.max_rows_per_step, max(1, round(config.step_seconds / spacing)))
                     if spacing else 1)
    if reference is not None:
        difference = residual_reference(values, reference)
    elif spacing and DAY_SECONDS / spacing >= 4:
        difference = day_over_day(values, timestamps, spacing, config)
    else:
        difference = None
    n = len(values)
    novelty = {"shape": novelty_pvalues(values, rows_per_step, 0, config)}
    if difference is not None:
        known = np.flatnonzero(np.isfinite(difference))
        first_row = known[0] if len(known) else n
        novelty["seasonal"] = novelty_pvalues(difference, rows_per_step, first_row, config)
    novelty_weight = (1.0 - config.point_weight) / len(novelty)
    weighted = {name: at_step_ends(p / novelty_weight, n, rows_per_step)
                for name, p in novelty.items()}
    if config.point_weight > 0:
        for name, p in point_evidence(values, difference, config).items():
            point = p * rows_per_step / config.point_weight
            weighted[name] = np.minimum(weighted.get(name, np.ones(n)), point)
    expected = (pd.Series(values, dtype=float).rolling(config.mean_window, min_periods=3)
                .median().shift(1).to_numpy())
    if difference is not None:
        seasonal_expected = values - difference
        expected = np.where(np.isfinite(seasonal_expected), seasonal_expected, expected)
    return weighted, rows_per_step, expected


def hold_rows(config: EngineConfig, rows_per_step: int, timestamps) -> int:
    spacing = spacing_seconds(timestamps, config.min_history_rows) or config.step_seconds
    steps = max(1, round(config.hold_seconds / (rows_per_step * spacing)))
    return steps * rows_per_step


def score_series(values, timestamps, reference=None, config: EngineConfig = DEFAULT_CONFIG,
                 reference_scale=None) -> Detection:
    """The engine's per-row results for one series, strictly causal (row t sees rows <= t)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < config.min_history_rows:
        return quiet(values)
    weighted, rows_per_step, expected = evidence_pvalues(values, timestamps, reference, config)
    names = list(weighted)
    stacked = np.vstack([weighted[name] for name in names])
    strongest = np.argmin(stacked, axis=0)
    pvalues = np.minimum(1.0, stacked[strongest, np.arange(n)])
    evidence = np.array([CODE[names[i]] for i in strongest], dtype=np.int8)
    direction = np.sign(np.nan_to_num(values - expected)).astype(np.int8)
    pvalues = apply_direction(pvalues, direction, config.direction)
    pvalues[:config.min_history_rows] = 1.0
    pvalues[~np.isfinite(values)] = 1.0
    evidence[pvalues >= 1.0] = CODE["none"]
    hold = hold_rows(config, rows_per_step, timestamps)
    score, alert, active = decide(pvalues, hold, rows_per_step, config.alert_pvalue)
    return Detection(score, pvalues, alert, active, direction, evidence, expected)


def apply_direction(pvalues: np.ndarray, direction: np.ndarray, wanted: str) -> np.ndarray:
    if wanted == "both":
        return pvalues
    sign = 1 if wanted == "up" else -1
    return np.where(direction == sign, pvalues, 1.0)


def quiet(values: np.ndarray) -> Detection:
    n = len(values)
    return Detection(np.zeros(n), np.ones(n), np.zeros(n, dtype=np.int8),
                     np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8),
                     np.zeros(n, dtype=np.int8), np.full(n, np.nan))


def score_new(values, timestamps, new_from: int, reference=None,
              config: EngineConfig = DEFAULT_CONFIG, reference_scale=None) -> Detection:
    """Results of rows ``new_from..`` with the rows before as history (see the API notes)."""
    return score_series(values, timestamps, reference, config, reference_scale)[new_from:]


def episodes(detection: Detection) -> list[Episode]:
    """The episodes of a scored series (rows are indexes into its input)."""
    return episodes_of(detection.score, detection.alert, detection.active,
                       detection.direction, detection.evidence, EVIDENCE)
