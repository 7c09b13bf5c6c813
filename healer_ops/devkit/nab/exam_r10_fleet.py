"""``synthWebNodes`` and ``synthCpuTemperature`` of the tenth exam families
(``exam_families_r10``): the machines under the sites. An autoscaling group's healthy nodes
move by its rules (minutes of high load before a launch, a boot before a node is healthy, a
cooldown between scale-ins), so they lag the load in whole steps; a CPU's temperature is the
room's plus a rise with the load, through a heat sink that takes minutes to warm."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY


def minute_grid(rng: np.random.Generator, minutes: int
                ) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DatetimeIndex]:
    """(scrape stamps, each stamp's minute on the grid, a grid of every minute they span)."""
    stamps = common.stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    start = stamps[0].floor("min") - pd.Timedelta(minutes=minutes)
    at = ((stamps - start).total_seconds() // 60).astype(int)
    return stamps, np.asarray(at), start + pd.to_timedelta(np.arange(at[-1] + 1), unit="min")


def decaying(rng: np.random.Generator, starts: np.ndarray, span: int, size: tuple[float, float],
             minutes: tuple[float, float]) -> np.ndarray:
    """Surges starting at ``starts`` of ``size`` times the level, fading over ``minutes``."""
    out = np.zeros(span)
    for start in starts:
        since = np.arange(span - start)
        out[start:] += rng.uniform(*size) * np.exp(-since / rng.uniform(*minutes))
    return out


# ---------------------------------------------------------------- autoscaled web nodes


def _desired(rng: np.random.Generator, grid: pd.DatetimeIndex) -> tuple[np.ndarray, int, int]:
    """(load a minute in nodes' worth, the group's minimum, its maximum): the visitors, sales,
    nightly jobs in some files."""
    span = len(grid)
    load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
    load *= 1 + decaying(rng, office_hour_rows(rng, grid, 0.05), span, (0.5, 3), (120, 720))
    if rng.random() < 0.4:  # imports, reports or a sitemap rebuild, every night
        for start in common.daily_rows(grid, rng.uniform(0, 6)):
            load[start:start + int(rng.uniform(20, 60))] += rng.uniform(0.5, 1.5)
    low = int(rng.choice([1, 2, 2, 3, 4]))
    peak = low + int(rng.integers(1, 15))
    load *= peak / np.quantile(load, 0.98)
    return load, low, peak + int(rng.integers(1, 6))


def _node_anomalies(rng: np.random.Generator, load: np.ndarray, floor: np.ndarray,
                    top: int, onsets: list[int], kinds: list[str]) -> dict[str, np.ndarray]:
    """Flags a minute for the simulation: flapping (with its forced target), launches
    failing, scale-in stuck; a runaway raises the load."""
    span = len(load)
    flags = {"flap": np.full(span, -1), "fail": np.zeros(span, bool),
             "stuck": np.zeros(span, bool)}
    for onset, kind in zip(onsets, kinds, strict=True):
        if kind == "flapping":  # added nodes push the metric under the scale-in threshold
            end = min(span, onset + int(rng.uniform(2 * 60, DAY)))
            period, extra = rng.uniform(4, 15), int(rng.integers(1, 4))
            base = np.maximum(np.ceil(load[onset:end]), floor[onset:end])
            upper = ((np.arange(end - onset) // period) % 2).astype(bool)
            flags["flap"][onset:end] = np.minimum(base + extra * upper, top)
        elif kind == "launch_failing":
            flags["fail"][onset:onset + int(rng.uniform(2 * 60, 12 * 60))] = True
        elif kind == "scale_in_stuck":
            flags["stuck"][onset:onset + int(rng.uniform(6 * 60, 3 * DAY))] = True
        else:  # runaway_scale_out
            load[onset:onset + int(rng.uniform(2 * 60, 2 * DAY))] *= rng.uniform(3, 10)
    return flags


def _autoscale(rng: np.random.Generator, desired: np.ndarray, flags: dict[str, np.ndarray]
               ) -> np.ndarray:
    """Healthy nodes a minute: launches after ``wait`` minutes above target, healthy after a
    boot; scale-in one node after ``calm`` minutes below and a cooldown; spot nodes lost."""
    wait, calm, cooldown = int(rng.integers(2, 4)), int(rng.integers(5, 16)), rng.uniform(5, 15)
    boot, lost = rng.uniform(3, 8), rng.uniform(0, 0.5) / DAY  # per node a minute
    fail_every = rng.uniform(60, 6 * 60)
    healthy, pending, high, low, last_in = int(desired[0]), [], 0, 0, -np.inf
    out = np.zeros(len(desired))
    for minute, want in enumerate(desired):
        flapping = flags["flap"][minute] >= 0
        if flapping:
            want = flags["flap"][minute]
        ready = [t for t in pending if t <= minute]
        pending = [t for t in pending if t > minute]
        if not flags["fail"][minute]:
            healthy += len(ready)
        elif healthy and rng.random() < 1 / fail_every:  # replaced by one that never joins
            healthy -= 1
        if healthy and rng.random() < healthy * lost:
            healthy -= 1
        high = high + 1 if want > healthy + len(pending) else 0
        if high >= (1 if flapping else wait):
            pending += [minute + rng.uniform(0.6, 1.4) * boot
                        for _ in range(int(want) - healthy - len(pending))]
            high = 0
        low = low + 1 if want < healthy and not pending else 0
        if (low >= (1 if flapping else calm) and minute - last_in >= (1 if flapping else cooldown)
                and not flags["stuck"][minute]):
            healthy, low, last_in = healthy - 1, 0, minute
        out[minute] = healthy
    return out


def _deploys(rng: np.random.Generator, grid: pd.DatetimeIndex, nodes: np.ndarray) -> None:
    """Rolling deploys take one node out at a time; blue/green doubles the group for minutes."""
    blue_green = rng.random() < 0.3
    for start in office_hour_rows(rng, grid, rng.uniform(0.1, 1)):
        if blue_green:
            nodes[start:start + int(rng.uniform(5, 15))] *= 2
        else:
            nodes[start:start + int(nodes[start] * rng.uniform(2, 4))] -= 1


def web_nodes_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 5, 5])))
    load, low, top = _desired(rng, grid)
    floor = np.full(len(grid), float(low))
    if rng.random() < 0.3:  # scheduled scaling before the weekday morning peak
        hours = hour_of_day(grid)
        morning = (np.asarray(grid.day_of_week) < 5) & (hours >= rng.uniform(6, 8)) & (
            hours < rng.uniform(10, 12))
        floor[morning] = min(top, low + int(rng.integers(1, 4)))
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("flapping", "launch_failing", "scale_in_stuck",
                                       "runaway_scale_out"))
    flags = _node_anomalies(rng, load, floor, top, [int(at[s]) for s in starts], kinds)
    desired = np.clip(np.ceil(load), floor, top)
    nodes = _autoscale(rng, desired, flags)
    _deploys(rng, grid, nodes)
    values = nodes[at]
    slow = rng.random(len(values)) < rng.uniform(0.001, 0.01)  # a health check timed out
    values[slow] -= 1
    return SyntheticSeries(name, stamps, np.maximum(values, 0), starts, kinds)


# ---------------------------------------------------------------- CPU temperature


def _utilisation(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """0..1 a minute: the visitors, cron bursts, nightly backups, weekly malware scans."""
    span = len(grid)
    busy = rng.uniform(0.03, 0.5) * common.traffic(grid, rng) * np.exp(
        0.2 * common.wander(rng, span, DAY))
    shape = rng.uniform(3, 20)  # requests are lumpy minute to minute
    busy *= rng.gamma(shape, 1 / shape, span)
    if rng.random() < 0.6:  # WP-cron or a system cron's heavy task every 5-60 minutes
        every = int(rng.choice([5, 15, 30, 60]))
        busy[np.arange(span) % every == rng.integers(every)] += rng.uniform(0.1, 0.5)
    for start in common.daily_rows(grid, rng.uniform(0, 5)):  # compressing the backup
        busy[start:start + int(rng.uniform(20, 90))] += rng.uniform(0.1, 0.5)
    if rng.random() < 0.4:
        rows = common.daily_rows(grid, rng.uniform(0, 6))
        for start in rows[np.asarray(grid.day_of_week)[rows] == rng.integers(0, 7)]:
            busy[start:start + int(rng.uniform(120, 360))] += rng.uniform(0.2, 0.5)
    return np.clip(busy, 0, 1)


def _room(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """The inlet temperature: the room's setpoint, its wander and day, cooling maintenance."""
    span = len(grid)
    room = rng.uniform(18, 27) + rng.uniform(0.2, 1) * common.wander(rng, span, DAY)
    room += rng.uniform(0, 1) * np.sin(2 * np.pi * (hour_of_day(grid) - 15) / 24)
    if rng.random() < 0.25:
        start = int(rng.integers(0, span))
        room[start:start + int(rng.uniform(60, 240))] += rng.uniform(1, 3)
    return room


def _thermal_anomalies(rng: np.random.Generator, busy: np.ndarray, room: np.ndarray,
                       resistance: np.ndarray, onsets: list[int], kinds: list[str]
                       ) -> list[slice]:
    """The anomalies on the physics; returns the minutes the BMC repeats its reading."""
    stale = []
    ends = common.next_onsets(onsets, len(room))
    for onset, kind, later in zip(onsets, kinds, ends, strict=True):
        if kind == "fan_failure":  # until the fan is replaced
            resistance[onset:onset + int(rng.uniform(4 * 60, 3 * DAY))] *= rng.uniform(1.3, 1.8)
        elif kind == "cooling_failure":  # a CRAC unit down: warming, holding, recovering
            up, hold, down = rng.uniform(20, 90), rng.uniform(30, 300), rng.uniform(30, 90)
            since = np.arange(len(room) - onset, dtype=float)
            shape = np.clip(np.minimum(since / up, 1 - (since - up - hold) / down), 0, 1)
            room[onset:] += rng.uniform(5, 15) * shape
        elif kind == "runaway_process":
            end = onset + int(rng.uniform(3 * 60, 3 * DAY))
            busy[onset:end] = np.maximum(busy[onset:end], rng.uniform(0.85, 1))
        else:  # bmc_stale
            end = onset + int(rng.uniform(2 * 60, 2 * DAY))
            stale.append(slice(onset, min(end, later)))  # reset before it hides the next
    return stale


def temperature_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5])))
    busy, room = _utilisation(rng, grid), _room(rng, grid)
    reboots = np.flatnonzero(rng.random(len(grid)) < rng.uniform(0, 0.15) / DAY)
    for start in reboots:  # cold for the reboot, then the boot's burst
        busy[start:start + 3] = 0
        busy[start + 3:start + 6] = 0.9
    resistance = np.full(len(grid), rng.uniform(25, 50))  # C of rise at full load
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("fan_failure", "cooling_failure", "runaway_process",
                                       "bmc_stale"))
    stale = _thermal_anomalies(rng, busy, room, resistance, [int(at[s]) for s in starts], kinds)
    idle = rng.uniform(8, 20)
    heat = room + idle * resistance / resistance[0] + resistance * busy ** rng.uniform(0.6, 0.9)
    keep = np.exp(-1 / rng.uniform(1, 6))  # the heat sink's lag
    celsius = lfilter([1 - keep], [1, -keep], heat, zi=[keep * heat[0]])[0]
    celsius = np.minimum(celsius, rng.uniform(95, 100))  # throttling at Tjmax
    celsius += rng.normal(0, rng.uniform(0.2, 0.8), len(celsius))
    resolution = float(rng.choice([1, 1, 0.125]))
    celsius = np.round(celsius / resolution) * resolution
    for minutes in stale:  # the BMC answers with its cached reading
        celsius[minutes] = celsius[minutes.start]
    return SyntheticSeries(name, stamps, celsius[at], starts, kinds)
