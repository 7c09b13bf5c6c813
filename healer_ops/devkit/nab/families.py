"""Synthetic families for what the local NAB corpus lacks (beside synthetic.py's NAB kinds).

Each family is a kind of operations data, with the anomalies that matter for it, both
directions where they mean something:

- ``synthRequests``: web request counts per 5 minutes (overdispersed Poisson, daily and
  weekly cycles, crawler bursts); outages and partial drops, surges, lasting level shifts
  up and down, a day whose peak does not come (broken seasonality), slow growth.
- ``synthSparse``: sparse counts (errors per 5 minutes, mostly 0); bursts, a lasting rise
  of the rate, one huge spike.
- ``synthLatency``: heavy-tailed latencies (the mean of a few lognormal/Pareto requests
  per minute or 5 minutes, GC pauses); degradations, a slow leak until a restart, a
  heavier tail (variance), a drop to a fast error page, lasting shifts.
- ``synthGappy``: sensor-like readings at irregular 1-15 minute timestamps with holes of
  hours to days and missing values; a stuck sensor (flatline), spikes, level shifts up and
  down, variance changes, a daily cycle that stops, a slow drift.

Labels follow NAB's rule (``synthetic.label_windows``). ``generate`` mirrors
``synthetic.generate``.
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

FAMILIES = ("synthRequests", "synthSparse", "synthLatency", "synthGappy")
FILES_PER_FAMILY = {"synthRequests": 12, "synthSparse": 10, "synthLatency": 12,
                    "synthGappy": 10}


ANOMALY_COUNTS = (0, 1, 1, 2, 2, 2, 3)  # anomalies per file: one draw


def _daily_weekly(stamps: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative load profile: afternoon peak, night trough, quieter weekends."""
    hour = hour_of_day(stamps)
    peak = rng.uniform(12, 17)
    daily = np.exp(-((((hour - peak + 12) % 24) - 12) ** 2) / (2 * rng.uniform(3, 5) ** 2))
    amplitude = rng.uniform(0.3, 0.9)
    weekend = np.where(np.asarray(stamps.day_of_week) >= 5, rng.uniform(0.5, 1.0), 1.0)
    return (1 - amplitude + amplitude * 1.6 * daily) * weekend


def _regular(rng: np.random.Generator, minutes: int, days: tuple[float, float]
             ) -> pd.DatetimeIndex:
    rows = int(rng.uniform(*days) * 1440 / minutes)
    start = pd.Timestamp("2024-03-04") + pd.Timedelta(hours=int(rng.integers(0, 24)))
    return pd.date_range(start, periods=rows, freq=f"{minutes}min")


# ---------------------------------------------------------------- request counts


def requests_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps = _regular(rng, 5, (7, 21))
    rows = len(stamps)
    mean_rate = float(np.exp(rng.uniform(np.log(3), np.log(3000))))
    rate = mean_rate * _daily_weekly(stamps, rng) * rng.lognormal(0, rng.uniform(0.03, 0.2),
                                                                     rows)
    bursts = rng.random(rows) < 1 / 400  # crawlers: short benign bursts
    rate = np.where(bursts, rate * rng.uniform(1.3, 2.5, rows), rate)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    per_day = 288
    for start in starts:
        kind = str(rng.choice(["outage", "drop", "surge", "shift_up", "shift_down",
                               "no_peak", "growth"]))
        kinds.append(kind)
        if kind == "outage":
            rate[start:start + int(rng.integers(3, 48))] *= rng.uniform(0, 0.05)
        elif kind == "drop":
            rate[start:start + int(rng.integers(12, 120))] *= rng.uniform(0.2, 0.5)
        elif kind == "surge":
            rate[start:start + int(rng.integers(6, 48))] *= rng.uniform(2, 5)
        elif kind == "shift_up":
            rate[start:] *= rng.uniform(1.6, 3)
        elif kind == "shift_down":
            rate[start:] *= rng.uniform(0.3, 0.6)
        elif kind == "no_peak":  # a day at the night level: the daily peak does not come
            stop = start + per_day
            rate[start:stop] = np.minimum(rate[start:stop],
                                          np.percentile(rate[:start], 20))
        else:  # growth over two days, then stays
            ramp = np.clip((np.arange(rows) - start) / (2 * per_day), 0, 1)
            rate *= 1 + rng.uniform(1, 2) * ramp
    values = rng.poisson(np.maximum(rate, 0)).astype(float)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- sparse counts


def sparse_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps = _regular(rng, int(rng.choice([5, 5, 15, 60])), (14, 60))
    stamps = stamps[:6000]
    rows = len(stamps)
    base = rng.uniform(0.02, 0.8)
    rate = base * (0.6 + 0.4 * _daily_weekly(stamps, rng))
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    for start in starts:
        kind = str(rng.choice(["burst", "burst", "rise", "spike"]))
        kinds.append(kind)
        if kind == "burst":
            rate[start:start + int(rng.integers(2, 24))] += rng.uniform(4, 30) * max(base, 0.2)
        elif kind == "rise":
            rate[start:] *= rng.uniform(5, 12)
        else:
            rate[start] += rng.uniform(30, 200) * max(base, 0.1)
    values = rng.poisson(rate).astype(float)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- latencies


def latency_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 5, 5]))
    stamps = _regular(rng, minutes, (3, 7) if minutes == 1 else (7, 20))
    stamps = stamps[:7000]
    rows = len(stamps)
    median_ms = float(np.exp(rng.uniform(np.log(60), np.log(900))))
    load = _daily_weekly(stamps, rng)
    level = median_ms * (1 + rng.uniform(0.05, 0.4) * (load / load.mean() - 1))
    requests = np.maximum(1, rng.poisson(rng.uniform(3, 60) * load / load.mean()))
    sigma = rng.uniform(0.3, 0.8)
    tail = np.ones(rows)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    for start in starts:
        kind = str(rng.choice(["degrade", "leak", "heavier_tail", "error_page", "shift_up",
                               "shift_down"]))
        kinds.append(kind)
        hour = max(1, 60 // minutes)
        if kind == "degrade":
            level[start:start + int(rng.integers(1, 12) * hour)] *= rng.uniform(1.8, 4)
        elif kind == "leak":  # grows for hours until a restart
            length = int(rng.uniform(6, 30) * hour)
            level[start:start + length] *= np.linspace(1, rng.uniform(2.5, 5),
                                                       len(level[start:start + length]))
        elif kind == "heavier_tail":
            tail[start:start + int(rng.uniform(3, 24) * hour)] = rng.uniform(1.6, 2.5)
        elif kind == "error_page":  # fast, small error pages instead of the real ones
            level[start:start + int(rng.uniform(1, 12) * hour)] *= rng.uniform(0.1, 0.3)
        elif kind == "shift_up":
            level[start:] *= rng.uniform(1.6, 2.5)
        else:
            level[start:] *= rng.uniform(0.4, 0.65)
    # mean of `requests` lognormal latencies: lognormal per request, Pareto-ish stragglers
    scale = sigma * tail / np.sqrt(requests)
    values = level * np.exp(rng.normal(0, 1, rows) * scale + scale ** 2 / 2)
    stragglers = rng.random(rows) < 0.01 * tail
    values = np.where(stragglers, values + level * (rng.pareto(1.5, rows) + 1)
                      / requests, values)
    gc = rng.random(rows) < 1 / 700  # benign GC pauses
    values = np.where(gc, values + rng.uniform(200, 1500, rows), values)
    return SyntheticSeries(name, stamps, np.round(values, 1), starts, kinds)


# ---------------------------------------------------------------- irregular and gappy


def gappy_stamps(rng: np.random.Generator, rows: int) -> pd.DatetimeIndex:
    base = float(rng.choice([1, 2, 5, 10]))
    minutes = base * rng.uniform(0.6, 1.6, rows)
    holes = rng.random(rows) < 4 / rows
    minutes[holes] = rng.uniform(60, 60 * 48, holes.sum())
    minutes[0] = 0
    start = pd.Timestamp("2023-10-02 06:00")
    return pd.DatetimeIndex(start + pd.to_timedelta(np.cumsum(minutes), unit="min").round("s"))


def gappy_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    rows = int(rng.integers(2000, 6000))
    stamps = gappy_stamps(rng, rows)
    hour = hour_of_day(stamps)
    level = rng.uniform(-20, 200)
    amplitude = rng.uniform(0, 30)
    cycle = amplitude * np.sin(2 * np.pi * (hour - rng.uniform(0, 24)) / 24)
    noise_sd = rng.uniform(0.5, 5)
    ar = np.zeros(rows)
    shocks = rng.normal(0, noise_sd, rows)
    phi = rng.uniform(0, 0.9)
    for row in range(1, rows):
        ar[row] = phi * ar[row - 1] + shocks[row]
    values = level + cycle + ar
    starts = anomaly_starts(rng, rows, anomaly_count(rng, ANOMALY_COUNTS))
    kinds = []
    spread = float(np.std(values))
    for start in starts:
        kind = str(rng.choice(["flatline", "spike", "shift_up", "shift_down", "variance",
                               "cycle_stops", "drift"]))
        kinds.append(kind)
        if kind == "flatline":
            values[start:start + int(rng.integers(60, 400))] = values[start - 1]
        elif kind == "spike":
            values[start] += rng.choice([-1, 1]) * rng.uniform(4, 8) * spread
        elif kind == "shift_up":
            values[start:] += rng.uniform(1.5, 3) * spread
        elif kind == "shift_down":
            values[start:] -= rng.uniform(1.5, 3) * spread
        elif kind == "variance":
            stop = start + int(rng.integers(100, 500))
            values[start:stop] += rng.normal(0, rng.uniform(2, 4) * noise_sd,
                                             len(values[start:stop]))
        elif kind == "cycle_stops":
            values[start:] -= cycle[start:]
        else:
            values[start:] += np.linspace(0, rng.uniform(2, 4) * spread, rows - start)
    if amplitude < 3 and "cycle_stops" in kinds:  # nothing to stop: relabel as a shift
        kinds[kinds.index("cycle_stops")] = "shift_up"
        first = starts[kinds.index("shift_up")]
        values[first:] += 2 * spread
    values = np.round(values, 2)
    missing = rng.random(rows) < 0.005
    missing[starts] = False
    values[missing] = np.nan
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthRequests": requests_series, "synthSparse": sparse_series,
              "synthLatency": latency_series, "synthGappy": gappy_series}
STEMS = {"synthRequests": ("requests",), "synthSparse": ("errors",),
         "synthLatency": ("latency",), "synthGappy": ("sensor",)}
FAMILY_SET = FamilySet(FAMILIES, GENERATORS, STEMS, FILES_PER_FAMILY, salt=100)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
