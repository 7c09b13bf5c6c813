"""What the fourth exam families share: sampling steps and timestamps, daily and
weekly rhythms, and where and which anomalies start (``exam_families_r4``)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.synthetic import hour_of_day, scrape_stamps

ROWS_BY_STEP = {1: (5000, 16000), 2: (3000, 10000), 5: (2000, 8000), 10: (2000, 4000),
                15: (2000, 3000)}
ANOMALY_COUNTS = (0, 1, 1, 2, 2, 3)  # anomalies per file: one draw
EPOCH = pd.Timestamp("2025-09-01")  # a Monday
MINUTES_PER_DAY = 1440
# scrape times: every 1-15 minutes with jitter, holes of 1-8 hours
stamps = partial(scrape_stamps, rows_by_step=ROWS_BY_STEP, epoch=EPOCH,
                 longest_hole_minutes=8 * 60)


def daily_cycle(hours: np.ndarray, peak: float, width: float) -> np.ndarray:
    """0..1: a bell around ``peak`` o'clock, wrapping at midnight."""
    return np.exp(-((((hours - peak + 12) % 24) - 12) ** 2) / (2 * width ** 2))


def traffic(stamps: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Visitors of hosted sites, mean 1: a day peak, a night trough, quieter weekends."""
    daily = daily_cycle(hour_of_day(stamps), rng.uniform(10, 21), rng.uniform(3, 6))
    floor = rng.uniform(0.05, 0.4)
    weekend = np.where(np.asarray(stamps.day_of_week) >= 5, rng.uniform(0.5, 0.95), 1.0)
    shape = (floor + (1 - floor) * daily) * weekend
    return shape / shape.mean()


def wander(rng: np.random.Generator, rows: int, span: int) -> np.ndarray:
    """A slow random walk of unit scale: changes over about ``span`` rows."""
    smooth = np.convolve(rng.normal(0, 1, rows + span), np.ones(span) / np.sqrt(span), "same")
    return smooth[span // 2: span // 2 + rows]


def daily_rows(stamps: pd.DatetimeIndex, hour: float) -> np.ndarray:
    """The first row at or after ``hour`` o'clock each day."""
    shifted = (hour_of_day(stamps) - hour) % 24
    return np.flatnonzero(np.r_[False, np.diff(shifted) < 0])


def kinds(rng: np.random.Generator, starts: list[int], choices: tuple[str, ...],
           once: str | None = None) -> list[str]:
    """One kind per onset; ``once``: a lasting change that may occur once a file (two would
    compound), later draws of it become the first choice."""
    kinds = [str(rng.choice(choices)) for _ in starts]
    if once in kinds:
        first = kinds.index(once)
        kinds = [choices[0] if k == once and i > first else k for i, k in enumerate(kinds)]
    return kinds
