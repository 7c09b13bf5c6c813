"""Causal building blocks for anomaly scores (plain functions on numpy arrays).

Every function here is causal: its output at row t depends on rows 0..t only. They are
shared by the univariate detector (`series.py`) and may be reused by the fleet detector:

- statistics: :func:`robust_zscore`, :func:`mean_shift_zscore`, :func:`seasonal_difference`
  (with :func:`scale_floor` for flat stretches);
- calibration: :func:`tail_pvalues` / :func:`two_sided_pvalues` turn any statistic into a
  p-value against its own history, so one threshold means the same on a quiet and a noisy
  series (Elastic's renormalization and HTM's anomaly likelihood serve the same purpose);
- presentation: :func:`pvalue_to_score` (p -> [0, 1]);
- one problem, one detection: :func:`suppress_repeats`, :func:`silence_after_alerts`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

IQR_TO_SIGMA = 1.349  # IQR of a standard normal distribution
MIN_EXCEEDANCES = 10  # fewer points above the threshold cannot fit a tail


def scale_floor(values: np.ndarray, fraction: float) -> np.ndarray:
    """Per-row lower bound for a robust scale: ``fraction`` x the std of all earlier rows.

    Keeps z-scores finite on flat stretches (IQR 0) without making a flat series alert on
    floating-point noise; rows with fewer than two earlier values get +inf (no score).
    """
    earlier_std = pd.Series(values, dtype=float).expanding(min_periods=2).std().shift(1)
    return np.nan_to_num(fraction * earlier_std.to_numpy(), nan=np.inf) + 1e-12


def robust_zscore(values: np.ndarray, window: int, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Signed robust z of each value against the ``window`` values before it (not itself).

    ``(x_t - median) / max(IQR / 1.349, floor)`` over rows t-window..t-1; NaN where fewer than
    a quarter of the window (at least 3 values) is known yet, or where x_t is missing.
    """
    series = pd.Series(values, dtype=float)
    rolling = series.rolling(window, min_periods=max(3, window // 4))
    median = rolling.median().shift(1).to_numpy()
    iqr = (rolling.quantile(0.75) - rolling.quantile(0.25)).shift(1).to_numpy()
    return (series.to_numpy() - median) / np.maximum(iqr / IQR_TO_SIGMA, floor)


def mean_shift_zscore(values: np.ndarray, rows: int, window: int,
                      floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Robust z of the mean of the last ``rows`` values vs the ``window`` values before them."""
    series = pd.Series(values, dtype=float)
    recent_mean = series.rolling(rows, min_periods=rows).mean().to_numpy()
    rolling = series.rolling(window, min_periods=max(3, window // 4))
    median = rolling.median().shift(rows).to_numpy()
    iqr = (rolling.quantile(0.75) - rolling.quantile(0.25)).shift(rows).to_numpy()
    return (recent_mean - median) / np.maximum(iqr / IQR_TO_SIGMA, floor)


def seasonal_difference(values: np.ndarray, season: float, seasons: int = 1,
                        positions: np.ndarray | None = None,
                        tolerance: float = 0.0) -> np.ndarray:
    """``x_t`` minus the median of the same time in the last ``seasons`` seasons.

    ``positions`` place the rows in time (seconds; default: row numbers, ``season`` in rows).
    The reference k seasons back is the earlier row nearest to ``position_t - k * season``,
    if it is at most ``tolerance`` away from it (a gap leaves that season out), so irregular
    or gappy timestamps compare the same time of day. With several seasons (as far
    as known) the reference ignores one odd day, so an anomaly does not come back as a false
    "echo" one season later. NaN where no season back is known.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if positions is None:
        positions = np.arange(n, dtype=float)
    # a timestamp earlier than the row before counts as that row's time: references stay
    # strictly earlier rows (causal) and the search runs on a sorted array
    positions = np.maximum.accumulate(np.asarray(positions, dtype=float))
    earlier = np.full((seasons, n), np.nan)
    for k in range(1, seasons + 1):
        target = positions - k * season
        after = np.minimum(np.searchsorted(positions, target, side="left"), n - 1)
        before = np.maximum(after - 1, 0)
        rows = np.where(np.abs(positions[before] - target) < np.abs(positions[after] - target),
                        before, after)
        usable = (np.abs(target - positions[rows]) <= tolerance) & (rows < np.arange(n))
        earlier[k - 1, usable] = values[rows[usable]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: first season
        return values - np.nanmedian(earlier, axis=0)


def tail_pvalues(stat: np.ndarray, quantile: float = 0.98, refit_every: int = 100,
                 history: int = 8640, warmup: int = 200) -> np.ndarray:
    """One-sided p-value of each value of ``stat`` against the earlier values (causal).

    Every ``refit_every`` rows the earlier ``history`` values are sorted; a value's p is the
    smaller of its empirical upper-tail frequency ``(#earlier >= x + 1) / (N + 1)`` and, above
    the ``quantile`` threshold u, the exponential (generalized Pareto, shape 0) tail
    ``k/N exp(-(x-u)/beta)`` fitted to the k exceedances, which extrapolates beyond the
    largest value seen (peaks over threshold). p = 1 for NaN and until ``warmup`` rows and
    ``warmup // 2`` finite values exist.
    """
    stat = np.asarray(stat, dtype=float)
    n = len(stat)
    pvalues = np.ones(n)
    for start in range(warmup, n, refit_every):
        earlier = stat[max(0, start - history):start]
        earlier = np.sort(earlier[np.isfinite(earlier)])
        if len(earlier) < max(warmup // 2, 1):
            continue
        block = stat[start:start + refit_every]
        count = len(earlier)
        empirical = (count - np.searchsorted(earlier, block, side="left") + 1) / (count + 1)
        threshold = earlier[int(quantile * (count - 1))]
        excess = earlier[earlier > threshold] - threshold
        if len(excess) >= MIN_EXCEEDANCES:
            beta = max(float(excess.mean()), 1e-12)
            with np.errstate(over="ignore", invalid="ignore"):
                tail = len(excess) / count * np.exp(-(block - threshold) / beta)
            empirical = np.where(block > threshold, np.minimum(empirical, tail), empirical)
        pvalues[start:start + refit_every] = np.where(np.isfinite(block), empirical, 1.0)
    return pvalues


def two_sided_pvalues(z: np.ndarray, **tail_kwargs) -> np.ndarray:
    """Two-sided calibrated p-values of a signed statistic (each side has its own tail)."""
    upper = tail_pvalues(z, **tail_kwargs)
    lower = tail_pvalues(-np.asarray(z, dtype=float), **tail_kwargs)
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def pvalue_to_score(pvalues: np.ndarray, alert_pvalue: float) -> np.ndarray:
    """Map p-values to scores in [0, 1): ``1 - 0.5 ** (log p / log alert_pvalue)``.

    p = 1 -> 0, p = alert_pvalue -> 0.5, p = alert_pvalue^2 -> 0.75, p -> 0 -> 1: monotone,
    so the order of the evidence is kept, and 0.5 is the alert threshold on every series.
    """
    surprise = np.log(np.clip(pvalues, 1e-300, 1.0)) / np.log(alert_pvalue)
    return 1.0 - np.power(0.5, surprise)


def suppress_repeats(scores: np.ndarray, hold: int) -> np.ndarray:
    """Keep a score only if it beats every score of the previous ``hold`` rows, else 0.

    An anomaly that lasts produces one detection (its first row, or a worse later row)
    instead of a run of high scores; the comparison uses the unsuppressed scores.
    """
    scores = np.asarray(scores, dtype=float)
    previous_max = (pd.Series(scores).rolling(hold, min_periods=1).max()
                    .shift(1).fillna(0.0).to_numpy())
    return np.where(scores > previous_max, scores, 0.0)


def silence_after_alerts(scores: np.ndarray, threshold: float, hold: int) -> np.ndarray:
    """Zero every score in the ``hold`` rows after an alert (score >= ``threshold``).

    The trigger/recovery rule of an alert: while a problem is being reported, a second page
    for it is noise, whatever its score.
    """
    out = np.asarray(scores, dtype=float).copy()
    last_alert = None
    for row in np.flatnonzero(out >= threshold):
        if last_alert is not None and row - last_alert <= hold:
            out[row] = 0.0
        else:
            last_alert = row
    return out
