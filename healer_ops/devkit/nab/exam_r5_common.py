"""What the fifth exam families share (``exam_families_r5``): sampling steps and timestamps,
how many anomalies a file gets, and dropping rows without losing the onsets. The daily
rhythms and kind draws are r4's (``exam_r4_common``)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.exam_r4_common import (  # noqa: F401  (shared with r5's modules)
    MINUTES_PER_DAY,
    daily_cycle,
    daily_rows,
    kinds,
    traffic,
    wander,
)
from healer_ops.devkit.nab.synthetic import anomaly_starts, scrape_stamps, until

ROWS_BY_STEP = {1: (6000, 16000), 2: (4000, 10000), 5: (2000, 8000), 10: (2000, 4000),
                15: (2000, 3000)}
ANOMALY_COUNTS = (0, 1, 1, 2, 2, 3, 4)  # anomalies per file: one draw
EPOCH = pd.Timestamp("2026-01-05")  # a Monday
# scrape times: every 1-15 minutes with jitter, holes of 1-6 hours
stamps = partial(scrape_stamps, rows_by_step=ROWS_BY_STEP, epoch=EPOCH,
                 longest_hole_minutes=6 * 60)


def keep_rows(stamps: pd.DatetimeIndex, values: np.ndarray, keep: np.ndarray,
              onsets: list[int]) -> tuple[pd.DatetimeIndex, np.ndarray, list[int]]:
    """The rows where ``keep`` holds; an onset on a dropped row moves to the next kept row,
    and no onset lands in the first 15% of what remains."""
    new_index = np.cumsum(keep) - 1
    kept = int(keep.sum())
    moved = []
    for onset in onsets:
        later = np.flatnonzero(keep[onset:])
        row = int(new_index[onset + later[0]]) if len(later) else kept - 1
        moved.append(max(row, int(np.ceil(0.15 * kept))))
    return stamps[keep], values[keep], moved


def next_onsets(onsets: list[int], span: int) -> list[int]:
    """For each onset, the next one (or ``span``): where an anomaly must be over."""
    return [*onsets[1:], span][:len(onsets)]


def span_rows(elapsed: np.ndarray, start: int, minutes: float) -> slice:
    """Rows from ``start`` for ``minutes`` of wall time (``inf``: to the end)."""
    return slice(start, until(elapsed, start, minutes))


def spaced_starts(rng: np.random.Generator, rows: int, count: int) -> list[int]:
    """``anomaly_starts`` with twice the room between onsets, for files that lose rows
    afterwards: NAB's windows stay apart once a few hundredths of the rows are dropped."""
    if count < 2:
        return anomaly_starts(rng, rows, count)
    for _ in range(1000):
        starts = np.sort(rng.integers(int(0.15 * rows), int(0.96 * rows), count))
        if np.diff(starts).min() > 0.2 * rows / count:
            return [int(s) for s in starts]
    return [int(0.15 * rows + (i + 0.5) * 0.8 * rows / count) for i in range(count)]


def runner_minutes(rng: np.random.Generator, grid: pd.DatetimeIndex,
                   views: tuple[float, float]) -> np.ndarray:
    """Minutes when a WordPress queue runner runs: a system cron every 1-5 minutes (a run
    now and then skipped), or WP-cron, which runs only in a minute with a page view
    (``views``: the range the site's page views a minute at its busiest are drawn from)."""
    span = len(grid)
    if rng.random() < 0.5:
        period = int(rng.choice([1, 1, 2, 5]))
        return ((np.arange(span) + rng.integers(period)) % period == 0) & (
            rng.random(span) > 0.005)
    page_views = rng.uniform(*views) * traffic(grid, rng)
    return rng.random(span) < 1 - np.exp(-page_views)
