"""Strictly causal anomaly scores for one univariate metric series (`healer-ops detect`).

The score of row t uses rows 0..t only. Rows are grouped into steps of about an hour, at most
12 rows (the spacing comes from the first ``spacing_rows`` timestamps; nothing is scored
before). Three kinds of evidence are weighed, the first two at the end of each step, the
third at every row (a spike is reported on its own row, not up to a step later):

1. Novelty of the last few hours' shape: distance to the nearest earlier window of the
   series (``series_novelty``); a pattern seen before, however large, is not news.
2. The same novelty on the day-over-day difference (``x_t`` minus the median of the readings
   at the same clock time on the last days, found by timestamp so gaps and irregular
   spacing do not shift the day): a daily peak that does not come, or comes at the wrong
   hour, is new there.
3. Point statistics, with a tiny share (``point_weight``) of the false-alarm budget so only
   extreme outliers count: robust z-scores of a value against the rows before it at several
   window lengths, of the day-over-day difference, and of the mean of the last rows.

Each is calibrated into a p-value against its OWN history (``series_stats.tail_pvalues``:
empirical frequency plus an extreme-value tail), so the same number means the same on a
quiet and on a noisy series. The evidence is combined by weighted Bonferroni (smallest
p / weight), mapped to a score in [0, 1] with 0.5 at ``alert_pvalue``, and thinned so one
problem is one detection: a row keeps its score only if it beats the ``hold_steps`` steps
before it, and nothing scores in the ``hold_steps`` steps after an alert.

Missing values (NaN) score 0 and never alert (the novelty carries the last known value).
Parameters are in rows/steps/p-values, chosen once for the kind of data (metrics sampled
every few minutes to every hour) on the NAB corpus (see `healer-ops bench nab`), not per
file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.detect.series_novelty import window_novelty
from healer_ops.detect.series_stats import (
    mean_shift_zscore,
    pvalue_to_score,
    robust_zscore,
    scale_floor,
    seasonal_difference,
    silence_after_alerts,
    suppress_repeats,
    tail_pvalues,
    two_sided_pvalues,
)

ALERT_SCORE = 0.5  # pvalue_to_score maps alert_pvalue here
DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class SeriesDetectorConfig:
    """The detector's few parameters."""

    spacing_rows: int = 100  # rows whose timestamps fix the spacing; no score before
    step_seconds: float = 3600.0  # a novelty step: about an hour of rows (at least one row)
    max_rows_per_step: int = 12  # ... and at most this many (sub-minute data: shorter steps)
    window_steps: int = 6  # a shape is this many steps
    exclude_steps: int = 24  # nearest earlier window: at least this many steps back ...
    library_steps: int = 1000  # ... and at most this many
    novelty_warmup_steps: int = 30  # steps of novelty history before its p-values count
    reference_seasons: int = 5  # day-over-day: median of the same time on the last days
    point_windows: tuple[int, ...] = (16, 64, 288)  # robust z-scores against these many rows
    seasonal_window: int = 288  # robust z of the day-over-day difference
    mean_rows: int = 12  # level shift: mean of the last rows ...
    mean_window: int = 576  # ... against the median/IQR of the rows before them
    point_warmup_rows: int = 200
    scale_floor_fraction: float = 0.05  # IQR floor: this fraction of the long-run std
    point_weight: float = 0.001  # share of the false-alarm budget of the point statistics
    tail_quantile: float = 0.98  # exceedances above this quantile fit the exponential tail
    alert_pvalue: float = 0.03  # combined p at which a step alerts (score 0.5)
    hold_steps: int = 17  # one detection per problem within this many steps (~17 hours)


DEFAULT_CONFIG = SeriesDetectorConfig()


def spacing_seconds(timestamps, rows: int) -> float | None:
    """Median spacing of the first ``rows`` timestamps (None if not increasing)."""
    stamps = pd.Series(pd.DatetimeIndex(timestamps[:rows]))
    if len(stamps) < 2:
        return None
    spacing = float(stamps.diff().dt.total_seconds().median())
    return spacing if spacing > 0 else None


def day_over_day(values: np.ndarray, timestamps, spacing: float,
                 config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """``x_t`` minus the median of the readings at the same clock time on the last days.

    By timestamp, not by row count, so gaps and irregular spacing keep the time of day; a day
    without a reading within half a spacing of that time is left out of the median.
    """
    stamps = pd.DatetimeIndex(timestamps)
    seconds = np.asarray((stamps - stamps[0]).total_seconds(), dtype=float)
    return seasonal_difference(values, DAY_SECONDS, config.reference_seasons, seconds,
                               spacing / 2)


def point_pvalues(values: np.ndarray, difference: np.ndarray | None,
                  config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Per row, the Bonferroni-corrected smallest calibrated p of the point statistics."""
    tail = dict(quantile=config.tail_quantile, refit_every=100, history=8640,
                warmup=config.point_warmup_rows)
    floor = scale_floor(values, config.scale_floor_fraction)
    statistics = [robust_zscore(values, window, floor) for window in config.point_windows]
    statistics.append(mean_shift_zscore(values, config.mean_rows, config.mean_window, floor))
    if difference is not None:
        statistics.append(robust_zscore(difference, config.seasonal_window,
                                        scale_floor(difference, config.scale_floor_fraction)))
    pvalues = np.min([two_sided_pvalues(z, **tail) for z in statistics], axis=0)
    return np.minimum(1.0, pvalues * len(statistics))


def novelty_pvalues(values: np.ndarray, rows_per_step: int, first_row: int,
                    config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Per complete step, the calibrated p of the window novelty (windows from ``first_row``)."""
    novelty = window_novelty(values, rows_per_step, config.window_steps,
                             config.exclude_steps, config.library_steps)
    first_complete = -(-first_row // rows_per_step) + config.window_steps - 1
    novelty[:first_complete] = np.nan  # windows reaching into rows without this statistic
    return tail_pvalues(novelty, quantile=config.tail_quantile, refit_every=10,
                        history=8640, warmup=config.novelty_warmup_steps)


def row_pvalues(values: np.ndarray, timestamps,
                config: SeriesDetectorConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, int]:
    """Combined p-value per row, and the rows per step.

    The novelty evidence exists at the last row of each complete step; the point statistics
    at every row, so a spike is reported on its own row rather than at the end of its step
    (its Bonferroni factor still counts every row of the step).
    """
    spacing = spacing_seconds(timestamps, config.spacing_rows)
    rows_per_step = (min(config.max_rows_per_step, max(1, round(config.step_seconds / spacing)))
                     if spacing else 1)
    seasonal = bool(spacing) and DAY_SECONDS / spacing >= 4
    difference = day_over_day(values, timestamps, spacing, config) if seasonal else None

    novelty = [novelty_pvalues(values, rows_per_step, 0, config)]
    if difference is not None:
        known = np.flatnonzero(np.isfinite(difference))
        first_row = known[0] if len(known) else len(values)
        novelty.append(novelty_pvalues(difference, rows_per_step, first_row, config))
    novelty_weight = (1.0 - config.point_weight) / len(novelty)
    combined = np.ones(len(values))
    step_ends = combined[rows_per_step - 1::rows_per_step]
    step_ends[:] = np.min(novelty, axis=0)[:len(step_ends)] / novelty_weight

    if config.point_weight > 0:
        point = point_pvalues(values, difference, config) * rows_per_step
        combined = np.minimum(combined, point / config.point_weight)
    return np.minimum(1.0, combined), rows_per_step


def score_series(values: np.ndarray, timestamps,
                 config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Anomaly score in [0, 1] for every row, strictly causal (row t sees rows <= t).

    Novelty scores appear on the last row of each step, extreme points on their own row;
    missing values and the first ``spacing_rows`` rows score 0.
    """
    values = np.asarray(values, dtype=float)
    if len(values) < config.spacing_rows:
        return np.zeros(len(values))
    pvalues, rows_per_step = row_pvalues(values, timestamps, config)
    pvalues[:config.spacing_rows] = 1.0
    pvalues[~np.isfinite(values)] = 1.0
    scores = pvalue_to_score(pvalues, config.alert_pvalue)
    hold = config.hold_steps * rows_per_step
    scores = suppress_repeats(scores, hold)
    return silence_after_alerts(scores, ALERT_SCORE, hold)


def alerts(scores: np.ndarray) -> np.ndarray:
    """0/1 alert per row: score >= 0.5 (the combined p-value reached ``alert_pvalue``)."""
    return (np.asarray(scores) >= ALERT_SCORE).astype(int)
