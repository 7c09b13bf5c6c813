"""Causal statistics of a series (plain functions on numpy arrays).

Every function here is causal: its output at row t depends on rows 0..t only:
:func:`robust_zscore`, :func:`mean_shift_zscore`, :func:`seasonal_difference` (with
:func:`scale_floor` for flat stretches). Calibration into p-values is in ``calibrate``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

IQR_TO_SIGMA = 1.349  # IQR of a standard normal distribution


def scale_floor(values: np.ndarray, fraction: float) -> np.ndarray:
    """Per-row lower bound for a robust scale: ``fraction`` x the std of all earlier rows.

    Keeps z-scores finite on flat stretches (IQR 0) without making a flat series alert on
    floating-point noise; rows with fewer than two earlier values get +inf (no score).
    """
    earlier_std = pd.Series(values, dtype=float).expanding(min_periods=2).std().shift(1)
    return np.nan_to_num(fraction * earlier_std.to_numpy(), nan=np.inf) + 1e-12


def _rolling(series: pd.Series, window: int):
    """The rolling window every robust statistic here uses: known once a quarter of it (at
    least 3 values) is."""
    return series.rolling(window, min_periods=max(3, window // 4))


def _iqr_before(rolling, lag: int) -> np.ndarray:
    """The interquartile range of the window ending ``lag`` rows before each row."""
    return (rolling.quantile(0.75) - rolling.quantile(0.25)).shift(lag).to_numpy()


def robust_zscore(values: np.ndarray, window: int, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Signed robust z of each value against the ``window`` values before it (not itself).

    ``(x_t - median) / max(IQR / 1.349, floor)`` over rows t-window..t-1; NaN where fewer than
    a quarter of the window (at least 3 values) is known yet, or where x_t is missing.
    """
    series = pd.Series(values, dtype=float)
    rolling = _rolling(series, window)
    median = rolling.median().shift(1).to_numpy()
    return (series.to_numpy() - median) / np.maximum(_iqr_before(rolling, 1) / IQR_TO_SIGMA,
                                                     floor)


def mean_shift_zscore(values: np.ndarray, rows: int, window: int,
                      floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Robust z of the mean of the last ``rows`` values vs the ``window`` values before them."""
    series = pd.Series(values, dtype=float)
    recent_mean = series.rolling(rows, min_periods=rows).mean().to_numpy()
    rolling = _rolling(series, window)
    median = rolling.median().shift(rows).to_numpy()
    return (recent_mean - median) / np.maximum(_iqr_before(rolling, rows) / IQR_TO_SIGMA,
                                               floor)


def seasonal_difference(values: np.ndarray, season: float, seasons: int = 1,
                        positions: np.ndarray | None = None,
                        tolerance: float = 0.0, kinds: np.ndarray | None = None,
                        lookback: int | None = None) -> np.ndarray:
    """``x_t`` minus the median of the same time in the last ``seasons`` seasons.

    ``positions`` place the rows in time (seconds; default: row numbers, ``season`` in rows).
    The reference k seasons back is the earlier row nearest to ``position_t - k * season``,
    if it is at most ``tolerance`` away from it (a gap leaves that season out), so irregular
    or gappy timestamps compare the same time of day. With several seasons (as far
    as known) the reference ignores one odd day, so an anomaly does not come back as a false
    "echo" one season later. With ``kinds`` only seasons of the row's own kind count (e.g.
    weekend days for a weekend row), up to ``seasons`` of them within ``lookback`` seasons.
    NaN where no season back is known.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if positions is None:
        positions = np.arange(n, dtype=float)
    # a timestamp earlier than the row before counts as that row's time: references stay
    # strictly earlier rows (causal) and the search runs on a sorted array
    positions = np.maximum.accumulate(np.asarray(positions, dtype=float))
    earlier = np.full((seasons, n), np.nan)
    found = np.zeros(n, dtype=int)
    for k in range(1, (lookback or seasons) + 1):
        target = positions - k * season
        after = np.minimum(np.searchsorted(positions, target, side="left"), n - 1)
        before = np.maximum(after - 1, 0)
        rows = np.where(np.abs(positions[before] - target) < np.abs(positions[after] - target),
                        before, after)
        usable = ((np.abs(target - positions[rows]) <= tolerance) & (rows < np.arange(n))
                  & (found < seasons))
        if kinds is not None:
            usable &= kinds[rows] == kinds
        columns = np.flatnonzero(usable)
        earlier[found[columns], columns] = values[rows[columns]]
        found[columns] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: first season
        return values - np.nanmedian(earlier, axis=0)


COUNT_MEAN = 20.0  # integer series with a smaller mean are judged as counts (Poisson-like)
MOSTLY_ZERO = 0.5  # non-negative series with at least this share of zeros: sparse, count-like
RIGHT_SKEW = 1.5  # (q90 - q50) / (q50 - q10) beyond this: a right-skewed, multiplicative metric


def stabilizer(values: np.ndarray, rows: int):
    """A variance-stabilizing transform chosen once from the first ``rows`` known values.

    - small non-negative counts (integers, mean under ``COUNT_MEAN``): Anscombe's
      ``2 sqrt(x + 3/8)``, under which Poisson noise has the same spread at every rate;
      and the same for any non-negative series that is mostly zeros (``MOSTLY_ZERO``: an
      error share, a sparse rate), a count in disguise: unchanged, its rare bursts would
      set every scale, and a log would put its zeros far below everything else;
    - non-negative right-skewed metrics (latencies, byte counts, volumes: the spread grows
      with the level, rare large values): ``log(x + c)`` with ``c`` a small share of the
      typical value, so a tail of stragglers no longer dominates the spread and a drop to
      a fast error page counts as much as a rise;
    - anything else (symmetric, or with negative values): unchanged.

    Returns ``(name, function)``; the function is monotone, so records, runs of identical
    values and directions keep their meaning. Causal: only the first ``rows`` values choose.
    """
    first = np.asarray(values[:rows], dtype=float)
    first = first[np.isfinite(first)]
    if len(first) < 10 or first.min() < 0:
        return "none", _identity
    if first.min() == 0 and np.mean(first == 0) >= MOSTLY_ZERO:
        return "sqrt", _anscombe
    if first.max() == first.min():
        return "none", _identity
    if np.all(first == np.round(first)) and first.mean() < COUNT_MEAN:
        return "sqrt", _anscombe
    q10, q50, q90 = np.percentile(first, [10, 50, 90])
    skew = (q90 - q50) / max(q50 - q10, 1e-12 * max(abs(q50), 1.0))
    if skew <= RIGHT_SKEW:
        return "none", _identity
    offset = max(0.1 * q10 + 0.02 * q50, 1e-9 * q90, 1e-12)
    return "log", lambda x: np.log(np.maximum(np.asarray(x, dtype=float), 0.0) + offset)


def _identity(x):
    return np.asarray(x, dtype=float)


def _anscombe(x):
    return 2.0 * np.sqrt(np.maximum(np.asarray(x, dtype=float), 0.0) + 0.375)
