"""Strictly causal anomaly scores for one univariate metric series.

The score of row t uses rows 0..t only. The machinery, in order:

1. Statistics that are large when a row is unusual (plain functions, reusable by the fleet
   detector): robust z-scores of the value against the rows just before it at a few window
   lengths, a robust z-score of the difference with the same time one season ago (the
   season comes from the timestamps: a day), and a robust z-score of the mean of the last
   rows (a level shift or a slow drift).
2. Calibration: each statistic becomes a tail probability against its OWN history (the
   empirical distribution plus an exponential tail fitted to its top exceedances, the
   peaks-over-threshold approach of extreme value theory). A z of 6 is routine on a spiky
   series and a page on a smooth one; a p-value means the same on both, so one threshold
   serves every series (the idea behind Elastic's renormalized scores and HTM's anomaly
   likelihood).
3. The smallest p-value wins, Bonferroni-corrected for the number of statistics, and becomes
   a score in [0, 1]: ``-log10(p) / DECADES_FOR_FULL_SCORE``.
4. One problem, one detection: a row keeps its score only if it beats every score of the
   previous ``hold`` rows by ``margin``, and nothing scores in the ``hold`` rows after an
   alert; the rows that merely continue an anomaly score 0.

Missing values (NaN) are left out of every history, score 0 and never alert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

IQR_TO_SIGMA = 1.349  # IQR of a standard normal distribution


@dataclass(frozen=True)
class SeriesDetectorConfig:
    """The detector's few parameters (rows, not time: the season comes from timestamps)."""

    windows: tuple[int, ...] = (16, 64, 288)  # local robust z-scores
    seasonal_window: int = 288  # robust z of (x_t - x_{t-season}) against this many rows
    mean_rows: int = 12  # level-shift statistic: mean of the last rows ...
    mean_window: int = 576  # ... against the median/IQR of the rows before them
    scale_floor_fraction: float = 0.05  # IQR floor: this fraction of the long-run std
    tail_quantile: float = 0.98  # exceedances above this quantile fit the exponential tail
    refit_every: int = 100  # rows between two fits of a tail
    history: int = 8640  # rows of history a tail fit uses (30 days of 5-minute data)
    warmup: int = 200  # rows before any score (nothing is known yet)
    decades_for_full_score: float = 20.0  # p = 1e-20 -> score 1
    hold: int = 100  # rows in which a detection suppresses lesser scores
    margin: float = 0.1  # a later row must beat the held score by this much
    alert_threshold: float = 0.25  # alert = score >= this, p < 1e-5 (see bench nab)


DEFAULT_CONFIG = SeriesDetectorConfig()


def scale_floor(values: np.ndarray, fraction: float) -> np.ndarray:
    """Per-row lower bound for a robust scale: ``fraction`` x the std of all earlier rows.

    Keeps z-scores finite on flat stretches (IQR 0) without making a flat series alert on
    floating-point noise; rows with fewer than two earlier values get +inf (no score).
    """
    earlier_std = pd.Series(values).expanding(min_periods=2).std().shift(1).to_numpy()
    return np.nan_to_num(fraction * earlier_std, nan=np.inf) + 1e-12


def robust_zscore(values: np.ndarray, window: int, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Signed robust z of each value against the ``window`` values before it (not itself).

    ``(x_t - median) / max(IQR / 1.349, floor)`` over rows t-window..t-1; NaN where fewer than
    a quarter of the window (at least 3 values) is known yet, or where x_t is missing.
    """
    series = pd.Series(values, dtype=float)
    rolling = series.rolling(window, min_periods=max(3, window // 4))
    median = rolling.median().shift(1).to_numpy()
    iqr = (rolling.quantile(0.75) - rolling.quantile(0.25)).shift(1).to_numpy()
    scale = np.maximum(iqr / IQR_TO_SIGMA, floor)
    return (series.to_numpy() - median) / scale


def mean_shift_zscore(values: np.ndarray, rows: int, window: int,
                      floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Robust z of the mean of the last ``rows`` values vs the ``window`` values before them."""
    series = pd.Series(values, dtype=float)
    recent_mean = series.rolling(rows, min_periods=rows).mean().to_numpy()
    rolling = series.rolling(window, min_periods=max(3, window // 4))
    median = rolling.median().shift(rows).to_numpy()
    iqr = (rolling.quantile(0.75) - rolling.quantile(0.25)).shift(rows).to_numpy()
    return (recent_mean - median) / np.maximum(iqr / IQR_TO_SIGMA, floor)


def seasonal_difference(values: np.ndarray, season: int) -> np.ndarray:
    """``x_t - x_{t-season}`` (NaN for the first season)."""
    out = np.full(len(values), np.nan)
    if 0 < season < len(values):
        out[season:] = values[season:] - values[:-season]
    return out


def rows_per_day(timestamps: pd.DatetimeIndex | pd.Series) -> int | None:
    """Rows in one day at the series' typical spacing, or None if that is not a usable season."""
    stamps = pd.Series(pd.DatetimeIndex(timestamps))
    spacing = stamps.diff().dt.total_seconds().median()
    if not spacing or not np.isfinite(spacing) or spacing <= 0:
        return None
    season = int(round(86400 / spacing))
    return season if 4 <= season <= 5000 else None


def tail_pvalues(stat: np.ndarray, quantile: float = 0.98, refit_every: int = 100,
                 history: int = 8640, warmup: int = 200) -> np.ndarray:
    """One-sided p-value of each value of ``stat`` against the earlier values (causal).

    Every ``refit_every`` rows the earlier ``history`` values are sorted; a value's p is the
    smaller of its empirical upper-tail frequency and, above the ``quantile`` threshold u, the
    exponential (generalized Pareto, shape 0) tail ``k/N exp(-(x-u)/beta)`` fitted to the k
    exceedances, which extrapolates beyond the largest value seen. p = 1 during ``warmup``
    and for NaN.
    """
    n = len(stat)
    pvalues = np.ones(n)
    for start in range(warmup, n, refit_every):
        earlier = stat[max(0, start - history):start]
        earlier = np.sort(earlier[np.isfinite(earlier)])
        if len(earlier) < warmup // 2:
            continue
        block = stat[start:start + refit_every]
        count = len(earlier)
        empirical = (count - np.searchsorted(earlier, block, side="left") + 1) / (count + 1)
        threshold = earlier[int(quantile * (count - 1))]
        excess = earlier[earlier > threshold] - threshold
        if len(excess) >= 5:
            beta = max(float(excess.mean()), 1e-12)
            with np.errstate(over="ignore", invalid="ignore"):
                tail = len(excess) / count * np.exp(-(block - threshold) / beta)
            empirical = np.where(block > threshold, np.minimum(empirical, tail), empirical)
        pvalues[start:start + refit_every] = np.where(np.isfinite(block), empirical, 1.0)
    return pvalues


def two_sided_pvalues(z: np.ndarray, **tail_kwargs) -> np.ndarray:
    """Two-sided calibrated p-values of a signed statistic (each side has its own tail)."""
    upper = tail_pvalues(z, **tail_kwargs)
    lower = tail_pvalues(-z, **tail_kwargs)
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def pvalue_to_score(pvalues: np.ndarray, decades_for_full_score: float) -> np.ndarray:
    """Map p-values to [0, 1] scores: ``-log10(p) / decades`` (clipped)."""
    surprise = -np.log10(np.maximum(pvalues, 1e-300))
    return np.clip(surprise / decades_for_full_score, 0.0, 1.0)


def suppress_repeats(scores: np.ndarray, hold: int, margin: float) -> np.ndarray:
    """Keep a score only if it beats every score of the previous ``hold`` rows by ``margin``.

    An anomaly that lasts produces one detection (its first, or a clearly worse later row)
    instead of a run of alerts; the comparison uses the unsuppressed scores, so a long
    anomaly stays suppressed for as long as it lasts plus ``hold`` rows.
    """
    previous_max = (pd.Series(scores).rolling(hold, min_periods=1).max()
                    .shift(1).fillna(0.0).to_numpy())
    return np.where(scores > previous_max + margin, scores, 0.0)


def silence_after_alerts(scores: np.ndarray, threshold: float, hold: int) -> np.ndarray:
    """Zero every score in the ``hold`` rows after an alert (score >= ``threshold``).

    The alert's trigger/recovery rule: while a problem is being reported, a second page for
    it is noise, whatever its score.
    """
    out = np.asarray(scores, dtype=float).copy()
    last_alert = None
    for row in np.flatnonzero(out >= threshold):
        if last_alert is not None and row - last_alert <= hold:
            out[row] = 0.0
        else:
            last_alert = row
    return out


def raw_pvalue(values: np.ndarray, timestamps, config: SeriesDetectorConfig = DEFAULT_CONFIG
               ) -> np.ndarray:
    """Bonferroni-corrected smallest calibrated p-value of all statistics, per row."""
    values = np.asarray(values, dtype=float)
    tail = dict(quantile=config.tail_quantile, refit_every=config.refit_every,
                history=config.history, warmup=config.warmup)
    floor = scale_floor(values, config.scale_floor_fraction)
    statistics = [robust_zscore(values, window, floor) for window in config.windows]
    statistics.append(mean_shift_zscore(values, config.mean_rows, config.mean_window, floor))
    season = rows_per_day(timestamps) if timestamps is not None else None
    if season:
        difference = seasonal_difference(values, season)
        statistics.append(robust_zscore(difference, config.seasonal_window,
                                        scale_floor(difference, config.scale_floor_fraction)))
    pvalues = np.min([two_sided_pvalues(z, **tail) for z in statistics], axis=0)
    pvalues = np.minimum(1.0, pvalues * len(statistics))
    pvalues[~np.isfinite(values)] = 1.0
    return pvalues


def score_series(values: np.ndarray, timestamps=None,
                 config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """Anomaly score in [0, 1] for every row, strictly causal (row t sees rows <= t)."""
    scores = pvalue_to_score(raw_pvalue(values, timestamps, config), config.decades_for_full_score)
    scores = suppress_repeats(scores, config.hold, config.margin)
    return silence_after_alerts(scores, config.alert_threshold, config.hold)


def alerts(scores: np.ndarray, config: SeriesDetectorConfig = DEFAULT_CONFIG) -> np.ndarray:
    """0/1 alert per row by the project's threshold."""
    return (np.asarray(scores) >= config.alert_threshold).astype(int)
