"""Exam families written after the first exam families had been looked at.

Written (generators and labels) before the engine was ever scored on them, and never used
to choose anything: their held-out figures are the fresh estimate of how the engine does on
kinds of data it was not built on. Each is a kind of operations data with the anomalies
that matter for it:

- ``synthOrders``: a diurnal request count (orders, checkouts, logins per 1-10 minutes,
  from a handful to hundreds per row, gamma-Poisson noise, weekly cycle); outages to exactly
  zero, a partial loss (one backend of several down), a bot surge, a daily pattern that
  moves by hours (a clock or time-zone change), a slow decline over days, a collector that
  repeats its last count.
- ``synthBimodal``: latency of a cached service, a mixture of fast hits and slow misses
  (the row is the mean of the requests of the minute), missing scrapes and gaps of hours;
  a variance burst (the hit ratio swinging), a cache failure (mostly misses, for hours or
  for good), a slower backend (the slow mode moves up), a fast error page, a stuck
  exporter, a slow rise.
- ``synthDisk``: disk or queue fill level in percent: a saw-tooth of slow growth and
  nightly cleanups, sensor noise; a runaway fill (a steep ramp), a cleanup that does not
  happen, a sudden loss of data (a drop), a stuck reading.

Labels follow NAB's rule (``synthetic.label_windows``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
)

EXAM_FAMILIES = ("synthOrders", "synthBimodal", "synthDisk")
FILES_PER_FAMILY = {"synthOrders": 10, "synthBimodal": 10, "synthDisk": 8}


ANOMALY_COUNTS = (0, 1, 1, 2, 2, 3)  # anomalies per file: one draw


def _regular(rng: np.random.Generator, minutes: float, days: float) -> pd.DatetimeIndex:
    rows = min(8000, int(days * 1440 / minutes))
    start = pd.Timestamp("2025-01-06") + pd.Timedelta(minutes=int(rng.integers(0, 1440)))
    return pd.date_range(start, periods=rows, freq=f"{minutes}min")


def _diurnal(hours: np.ndarray, peak: float, width: float) -> np.ndarray:
    return np.exp(-((((hours - peak + 12) % 24) - 12) ** 2) / (2 * width ** 2))


# ---------------------------------------------------------------- diurnal orders


def orders_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 5, 5, 10]))
    stamps = _regular(rng, minutes, rng.uniform(6, 24) if minutes > 1 else rng.uniform(3, 5))
    rows = len(stamps)
    hours = hour_of_day(stamps)
    peak, width = rng.uniform(10, 20), rng.uniform(2.5, 5)
    floor = rng.uniform(0.05, 0.4)
    weekday = np.asarray(stamps.day_of_week)
    week = np.where(weekday >= 5, rng.uniform(0.6, 1.3), 1.0)
    mean_rate = float(np.exp(rng.uniform(np.log(2), np.log(400)))) * minutes / 5
    shape = (floor + (1 - floor) * _diurnal(hours, peak, width)) * week
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    hour = max(1, 60 // minutes)
    stuck = []
    for start in starts:
        kind = str(rng.choice(["outage", "partial", "surge", "moved_peak", "decline",
                               "stuck"]))
        kinds.append(kind)
        if kind == "moved_peak":  # the daily pattern comes hours late from here on
            moved = _diurnal(hours - rng.choice([-1, 1]) * rng.uniform(4, 8), peak, width)
            shape[start:] = ((floor + (1 - floor) * moved) * week)[start:]
    rate = mean_rate * shape * rng.gamma(20.0, 1 / 20.0, rows)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "outage":
            rate[start:start + int(rng.uniform(0.2, 3) * hour) + 1] = 0.0
        elif kind == "partial":
            rate[start:start + int(rng.uniform(2, 24) * hour)] *= rng.uniform(0.5, 0.75)
        elif kind == "surge":
            rate[start:start + int(rng.uniform(0.3, 2) * hour) + 1] *= rng.uniform(3, 10)
        elif kind == "decline":
            ramp = np.clip((np.arange(rows) - start) / (3 * 24 * hour), 0, 1)
            rate *= 1 - rng.uniform(0.4, 0.6) * ramp
        elif kind == "stuck":
            stuck.append((start, int(rng.uniform(2, 12) * hour)))
    values = rng.poisson(rate).astype(float)
    for start, length in stuck:
        values[start:start + length] = values[start - 1]
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- bimodal latency


def bimodal_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 5]))
    stamps = _regular(rng, minutes, rng.uniform(3, 5) if minutes == 1 else rng.uniform(8, 20))
    rows = len(stamps)
    hour = max(1, 60 // minutes)
    fast, slow = rng.uniform(3, 30), rng.uniform(80, 900)
    hit = np.full(rows, rng.uniform(0.6, 0.95))
    slow_level = np.full(rows, slow)
    requests = np.maximum(1, rng.poisson(rng.uniform(2, 40), rows))
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    override = []
    for start in starts:
        kind = str(rng.choice(["variance_burst", "cache_failure", "slow_backend",
                               "error_page", "stuck", "slow_rise"]))
        kinds.append(kind)
        if kind == "variance_burst":
            stop = start + int(rng.uniform(1, 12) * hour)
            hit[start:stop] = rng.uniform(0.05, 0.98, len(hit[start:stop]))
        elif kind == "cache_failure":
            stop = start + int(rng.uniform(2, 48) * hour) if rng.random() < 0.6 else rows
            hit[start:stop] = rng.uniform(0.05, 0.3)
        elif kind == "slow_backend":
            slow_level[start:] *= rng.uniform(1.8, 3)
        elif kind == "slow_rise":
            slow_level *= 1 + rng.uniform(1, 2) * np.clip(
                (np.arange(rows) - start) / (rng.uniform(6, 36) * hour), 0, 1)
        else:
            override.append((kind, start, int(rng.uniform(0.5, 8) * hour) + 1))
    hits = rng.binomial(requests, hit)
    misses = requests - hits
    fast_sum = hits * fast * rng.lognormal(0, 0.2 / np.sqrt(np.maximum(hits, 1)), rows)
    slow_sum = misses * slow_level * rng.lognormal(0, 0.5 / np.sqrt(np.maximum(misses, 1)),
                                                  rows)
    values = (fast_sum + slow_sum) / requests
    for kind, start, length in override:
        if kind == "error_page":
            values[start:start + length] = rng.uniform(0.5, 2.5, len(values[start:start + length]))
        else:  # stuck exporter
            values[start:start + length] = values[start - 1]
    values = np.round(values, 1)
    missing = rng.random(rows) < 0.01
    missing[starts] = False
    values[missing] = np.nan
    keep = np.ones(rows, dtype=bool)
    for _ in range(int(rng.integers(0, 3))):  # scrape gaps of hours
        hole = int(rng.integers(int(0.1 * rows), rows))
        keep[hole:hole + int(rng.uniform(1, 6) * hour)] = False
    keep[starts] = True
    new_index = np.cumsum(keep) - 1
    return SyntheticSeries(name, stamps[keep], values[keep],
                           [int(new_index[s]) for s in starts], kinds)


# ---------------------------------------------------------------- disk fill level


def disk_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([5, 10, 15]))
    stamps = _regular(rng, minutes, rng.uniform(10, 28))
    rows = len(stamps)
    hour = 60 // minutes
    per_row = rng.uniform(5, 25) / (24 * hour)  # percent filled per row
    cleanup_hour = rng.uniform(0, 24)
    low = rng.uniform(15, 50)
    hours = hour_of_day(stamps)
    cleanup = np.r_[False, (np.diff((hours - cleanup_hour) % 24) < 0)]
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = [str(rng.choice(["runaway", "no_cleanup", "data_loss", "stuck"])) for _ in starts]
    growth = np.full(rows, per_row) * (1 + 0.5 * np.sin(2 * np.pi * (hours - 14) / 24))
    skip = np.zeros(rows, dtype=bool)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "runaway":
            growth[start:start + int(rng.uniform(2, 12) * hour)] *= rng.uniform(6, 20)
        elif kind == "no_cleanup":
            skip[start:start + int(rng.uniform(30, 60) * hour)] = True
    values = np.empty(rows)
    level = low
    loss = {s for s, k in zip(starts, kinds, strict=True) if k == "data_loss"}
    for row in range(rows):
        if cleanup[row] and not skip[row]:
            level = low + rng.normal(0, 1)
        if row in loss:
            level = max(1.0, level - rng.uniform(0.3, 0.6) * level)
        level = min(100.0, level + growth[row] * rng.uniform(0.5, 1.5))
        values[row] = level
    values = values + rng.normal(0, 0.05, rows)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "stuck":
            values[start:start + int(rng.uniform(6, 36) * hour)] = values[start - 1]
    return SyntheticSeries(name, stamps, np.round(np.clip(values, 0, 100), 2), starts, kinds)


GENERATORS = {"synthOrders": orders_series, "synthBimodal": bimodal_series,
              "synthDisk": disk_series}
STEMS = {"synthOrders": ("orders",), "synthBimodal": ("cache_latency",),
         "synthDisk": ("disk_used",)}
FAMILY_SET = FamilySet(EXAM_FAMILIES, GENERATORS, STEMS, FILES_PER_FAMILY, salt=200)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
