"""Novelty of the recent shape of a series: has anything like the last hours been seen before?

The series is cut into steps of a fixed number of rows (about an hour); each step is
summarized by its mean (the level) and its most extreme value (the one farthest from the
mean, so a one-row spike survives); a window is the last ``window_steps`` summaries. The
novelty of a window is its Euclidean distance to the nearest earlier window (a causal
nearest-neighbour "discord", the left matrix profile of time-series data mining), excluding
the windows that overlap or just precede it. A repeated pattern (a daily peak, a recurring
spike train) finds a close match and is not novel; a shape never seen before is, whatever
its size.

Calibration into p-values happens outside (``series_stats.tail_pvalues``), against the
novelty's own history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BLOCK = 256  # windows compared at once (memory: BLOCK x library floats)


def step_summaries(values: np.ndarray, rows_per_step: int) -> np.ndarray:
    """Per complete step: its mean and the value farthest from that mean (shape steps x 2).

    Missing values carry the last known value.
    """
    filled = pd.Series(values, dtype=float).ffill().fillna(0.0).to_numpy()
    steps = len(filled) // rows_per_step
    blocks = filled[:steps * rows_per_step].reshape(steps, rows_per_step)
    mean = blocks.mean(axis=1)
    high, low = blocks.max(axis=1), blocks.min(axis=1)
    extreme = np.where(high - mean >= mean - low, high, low)
    return np.column_stack([mean, extreme])


def left_nearest_distance(windows: np.ndarray, exclude: int, library: int) -> np.ndarray:
    """Distance from each window (row) to its nearest EARLIER window.

    Candidates for window i are windows i-library .. i-exclude (so overlapping and
    immediately preceding windows, which trivially resemble it, are left out); NaN when there
    is no candidate yet.
    """
    n = len(windows)
    distances = np.full(n, np.nan)
    # a value so large that its square overflows gives NaN distances: they match nothing
    # (fmin skips them) instead of making every later window's nearest distance NaN
    with np.errstate(over="ignore", invalid="ignore"):
        squares = np.einsum("ij,ij->i", windows, windows)
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            lo, hi = max(0, start - library), stop - exclude
            if hi <= lo:
                continue
            d2 = (squares[start:stop, None] + squares[None, lo:hi]
                  - 2.0 * windows[start:stop] @ windows[lo:hi].T)
            rows = np.arange(start, stop)[:, None]
            candidates = np.arange(lo, hi)[None, :]
            d2[(candidates > rows - exclude) | (candidates < rows - library)] = np.inf
            nearest = np.fmin.reduce(d2, axis=1)
            distances[start:stop] = np.where(np.isfinite(nearest),
                                             np.sqrt(np.maximum(nearest, 0.0)), np.nan)
    return distances


def window_novelty(values: np.ndarray, rows_per_step: int, window_steps: int,
                   exclude_steps: int, library_steps: int) -> np.ndarray:
    """Novelty per complete step (NaN until a window and an earlier candidate exist)."""
    summaries = step_summaries(values, rows_per_step)
    steps = len(summaries)
    novelty = np.full(steps, np.nan)
    if steps < window_steps:
        return novelty
    # window i = steps i..i+window_steps-1, means then extremes, as one vector
    windows = np.lib.stride_tricks.sliding_window_view(summaries, window_steps, axis=0)
    windows = np.ascontiguousarray(windows.reshape(len(windows), -1), dtype=float)
    novelty[window_steps - 1:] = left_nearest_distance(windows, exclude_steps, library_steps)
    return novelty
