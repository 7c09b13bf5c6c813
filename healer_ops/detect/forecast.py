"""Trend forecasts: a robust (Theil-Sen) line through recent values, and when it crosses a limit.

scipy.stats.theilslopes fits one series per call; detection needs a fit at every candidate
hour of every site, so the same estimator (median of pairwise slopes, intercept = median of
y - slope * x) is computed here for many series at once. tests check it against scipy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trend:
    """Fits of K series: slope per unit of x, the fitted value at x_now, Kendall's tau."""

    slope: np.ndarray
    level: np.ndarray
    tau: np.ndarray
    points: np.ndarray


def theil_sen(x: np.ndarray, y: np.ndarray, x_now: float | None = None) -> Trend:
    """Theil-Sen fits of each row of y (K x L, NaN = missing) against the shared x (L,).

    Returns the slope, the fitted value at x_now (default: the last x), Kendall's tau of
    the pairs (how consistently the series moves one way) and the number of points used.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    x = np.asarray(x, dtype=float)
    i, j = np.triu_indices(x.size, k=1)
    dy = y[:, j] - y[:, i]
    dx = x[j] - x[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.where(dx != 0, dy / dx, np.nan)
    valid = ~np.isnan(slopes)
    pairs = valid.sum(axis=1)
    slope = _nanmedian_rows(slopes, pairs)
    intercept = _nanmedian_rows(y - slope[:, None] * x[None, :], (~np.isnan(y)).sum(axis=1))
    x_now = x[-1] if x_now is None else x_now
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (np.sum(slopes > 0, axis=1) - np.sum(slopes < 0, axis=1)) / pairs
    return Trend(slope=slope, level=intercept + slope * x_now, tau=np.where(pairs > 0, tau, 0.0),
                 points=(~np.isnan(y)).sum(axis=1))


def time_to_cross(level: np.ndarray, slope: np.ndarray, limit: float | np.ndarray) -> np.ndarray:
    """Units of x until the fitted line reaches `limit` from below (0 when already there,
    inf when it is not rising)."""
    level, slope = np.asarray(level, dtype=float), np.asarray(slope, dtype=float)
    gap = np.asarray(limit, dtype=float) - level
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.where(slope > 0, gap / slope, np.inf)
    return np.where(gap <= 0, 0.0, eta)


def rolling_trends(values: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                   span: int) -> Trend:
    """Theil-Sen fits of values[row - span + 1 .. row, col] for each (row, col) requested.

    `values` is a (T x S) grid (rows are equally spaced in time, NaN = missing); x counts
    rows, so slopes are per row.
    """
    rows = np.asarray(rows, dtype=int)
    cols = np.asarray(cols, dtype=int)
    offsets = np.arange(-span + 1, 1)
    index = rows[:, None] + offsets[None, :]
    inside = index >= 0
    windows = np.where(inside, values[np.clip(index, 0, None), cols[:, None]], np.nan)
    if rows.size == 0:
        empty = np.empty(0)
        return Trend(empty, empty, empty, np.empty(0, dtype=int))
    return theil_sen(offsets.astype(float), windows, x_now=0.0)


def _nanmedian_rows(a: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = np.full(a.shape[0], np.nan)
    some = counts > 0
    if some.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rows with no valid pair
            out[some] = np.nanmedian(a[some], axis=1)
    return out
