"""``synthReplicaLag`` of the fifth exam families (``exam_families_r5``): a MySQL replica's lag
in seconds, near zero most of the time, with the shapes replication really has."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
)


def _trapezoid(elapsed: np.ndarray, start: int, rise_minutes: float, hold_minutes: float,
               fall_minutes: float) -> tuple[slice, np.ndarray]:
    """0..1 over the rows of a ramp up, a plateau and a ramp down from row ``start``."""
    span = common.span_rows(elapsed, start, rise_minutes + hold_minutes + fall_minutes)
    since = elapsed[span] - elapsed[start]
    up = np.clip(since / rise_minutes, 0, 1)
    down = np.clip((rise_minutes + hold_minutes + fall_minutes - since) / fall_minutes, 0, 1)
    return span, np.minimum(up, down)


def _nightly_imports(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
                     nights: np.ndarray) -> np.ndarray:
    """A product feed or a search reindex each night: the single-threaded applier falls
    behind, holds at a plateau while the import writes, then catches up. Longer on Sundays."""
    lag = np.zeros(len(elapsed))
    plateau = float(np.exp(rng.uniform(np.log(20), np.log(1800))))
    hold = rng.uniform(15, 120)
    sunday = np.asarray(stamps.day_of_week) == 6
    weekly = rng.uniform(1.5, 3) if rng.random() < 0.5 else 1.0
    for row in nights:
        longer = weekly if sunday[row] else 1.0
        span, shape = _trapezoid(elapsed, row, rng.uniform(5, 20), hold * longer
                                 * rng.uniform(0.7, 1.3), rng.uniform(3, 15) * longer)
        level = plateau * (1 + 0.3 * (longer - 1)) * rng.uniform(0.7, 1.3)  # longer, not higher
        lag[span] += level * shape * rng.lognormal(0, 0.08, len(shape))
    return lag


def _daytime_lag(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray
                 ) -> np.ndarray:
    """Seconds behind from ordinary writes: mostly nothing, a little in busy hours, and a rare
    one-reading jump when a big transaction commits (Seconds_Behind_Master does that)."""
    rows = len(elapsed)
    busy = common.traffic(stamps, rng) * rng.uniform(0.05, 1.5)
    lag = rng.exponential(1, rows) * busy * (rng.random(rows) < rng.uniform(0.1, 0.6))
    per_row = rng.uniform(0.3, 3) / common.MINUTES_PER_DAY * np.median(np.diff(elapsed))
    jumps = rng.random(rows) < per_row
    lag[jumps] += np.exp(rng.uniform(np.log(5), np.log(120), int(jumps.sum())))
    return lag


def _replication_stopped(rng: np.random.Generator, lag: np.ndarray, elapsed: np.ndarray,
                         start: int) -> None:
    """The SQL thread stopped on an error: lag grows with wall time until someone skips the
    event, then the replica catches up at a few times real time."""
    hours = rng.uniform(0.5, 12)
    grow = common.span_rows(elapsed, start, hours * 60)
    lag[grow] = lag[start] + 60 * (elapsed[grow] - elapsed[start])
    behind, speed = lag[grow.stop - 1], rng.uniform(3, 12)
    if grow.stop < len(lag):
        catch_up = common.span_rows(elapsed, grow.stop, behind / (speed - 1) / 60)
        since = elapsed[catch_up] - elapsed[grow.stop]
        lag[catch_up] = np.maximum(behind - (speed - 1) * 60 * since, lag[catch_up])


def _flapping_link(rng: np.random.Generator, lag: np.ndarray, elapsed: np.ndarray,
                   start: int) -> None:
    """The IO thread loses the primary every few minutes and waits for the net timeout: a
    saw of growing lag and catch-ups, for hours."""
    span = common.span_rows(elapsed, start, rng.uniform(1, 10) * 60)
    period, phase = rng.uniform(4, 40), rng.uniform(0, 1)
    cycle = ((elapsed[span] - elapsed[start]) / period + phase) % 1
    lag[span] += 60 * period * rng.uniform(0.3, 0.9) * cycle * rng.lognormal(0, 0.1,
                                                                             len(cycle))


def replica_lag_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    heartbeat = name.startswith("heartbeat")  # pt-heartbeat: fractions, a floor above zero
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.05, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    lag = _daytime_lag(rng, stamps, elapsed)
    nights = common.daily_rows(stamps, rng.uniform(0, 6))
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("replication_stopped", "lag_stuck", "flapping_link",
                                       "cannot_keep_up"), once="cannot_keep_up")
    if rng.random() < 0.75:  # some sites import nothing at night
        lag += _nightly_imports(rng, stamps, elapsed, nights)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "replication_stopped":
            _replication_stopped(rng, lag, elapsed, start)
        elif kind == "flapping_link":
            _flapping_link(rng, lag, elapsed, start)
        elif kind == "cannot_keep_up":  # a smaller instance from now on: busy hours lag
            busy = common.traffic(stamps[start:], rng)
            lag[start:] += rng.uniform(30, 300) * np.clip(busy - 0.8, 0, None) ** 2
    if heartbeat:
        values = np.round(lag + rng.uniform(0.05, 0.8) * rng.lognormal(0, 0.3, rows), 2)
    else:
        values = np.floor(lag)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "lag_stuck":  # the exporter repeats a stale reading for hours
            stale = max(values[start - 1], np.round(rng.uniform(3, 120), 2 if heartbeat else 0))
            values[common.span_rows(elapsed, start, rng.uniform(2, 24) * 60)] = stale
    return SyntheticSeries(name, stamps, values, starts, kinds)
