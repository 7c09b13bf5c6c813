"""``synthCronDuration`` of the fourth exam families (``exam_families_r4``): the duration of
a recurring job, one row per run, simulated run by run."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r4_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
)


@dataclass
class _CronJob:
    """How long a job's runs take: ``duration`` of a run starting at a minute after common.EPOCH."""

    every: int  # minutes between cron slots
    base_seconds: float
    daytime_extra: float  # daytime runs have more work (users queue it)
    peak_hour: float
    top_of_hour_factor: float  # some jobs do extra work once an hour
    heavy_minute: float  # minute of the day of the daily heavy run
    heavy_factor: float
    sunday_factor: float  # the weekly full pass rides on the daily one
    growth_per_day: float  # data grows, runs get a little longer
    first_minute: float

    def duration(self, minute: float) -> float:
        hour, weekday = (minute / 60) % 24, int(minute // common.MINUTES_PER_DAY) % 7
        from_peak = (hour - self.peak_hour + 12) % 24 - 12
        daytime = math.exp(-from_peak ** 2 / 32) * (0.6 if weekday >= 5 else 1.0)
        seconds = self.base_seconds * (1 + self.daytime_extra * daytime)
        if minute % 60 < self.every:
            seconds *= self.top_of_hour_factor
        if (minute - self.heavy_minute) % common.MINUTES_PER_DAY < self.every:
            seconds *= self.heavy_factor * (self.sunday_factor if weekday == 6 else 1.0)
        days = (minute - self.first_minute) / common.MINUTES_PER_DAY
        return seconds * (1 + self.growth_per_day * days)


def _cron_job(rng: np.random.Generator, every: int) -> _CronJob:
    first_minute = float(first_week_minute(rng, every))
    return _CronJob(
        every=every,
        base_seconds=float(np.exp(rng.uniform(np.log(1.5), np.log(0.25 * every * 60)))),
        daytime_extra=rng.uniform(0, 0.8), peak_hour=rng.uniform(10, 20),
        top_of_hour_factor=rng.uniform(1.5, 4) if rng.random() < 0.5 else 1.0,
        heavy_minute=rng.uniform(0, 6) * 60, heavy_factor=rng.uniform(5, 40),
        sunday_factor=rng.uniform(1.5, 3) if rng.random() < 0.5 else 1.0,
        growth_per_day=rng.uniform(0, 0.01), first_minute=first_minute)


@dataclass
class _RunAnomaly:
    kind: str
    row: int
    hours: float  # how long it lasts (inf: to the end of the file)
    factor: float
    share: float = 0.0  # bimodal: the share of runs on the slow path
    minute: float = np.nan  # set when its first run starts


def _run_anomaly(rng: np.random.Generator, kind: str, row: int) -> _RunAnomaly:
    if kind == "slowdown_drift":  # a table without an index: slower every day, for good
        return _RunAnomaly(kind, row, np.inf, rng.uniform(0.3, 2))
    if kind == "stuck_run":  # a hung call until the job's timeout kills it
        return _RunAnomaly(kind, row, rng.uniform(2, 12), 0.0)
    if kind == "runs_stop":  # cron dead or the container not rescheduled; then a catch-up
        return _RunAnomaly(kind, row, rng.uniform(2, 12), rng.uniform(2, 6))
    if kind == "bimodal":  # a change sends some runs down a slow path
        hours = np.inf if rng.random() < 0.5 else rng.uniform(24, 72)
        return _RunAnomaly(kind, row, hours, rng.uniform(2.5, 6), rng.uniform(0.25, 0.6))
    return _RunAnomaly(kind, row, rng.uniform(2, 24), 0.0)  # fails_fast: a config error


def _with_anomalies(seconds: float, row: int, minute: float, anomalies: list[_RunAnomaly],
                    draw: float) -> float:
    """The duration of run ``row`` once the anomalies that have begun are applied."""
    for a in anomalies:
        if row < a.row or minute >= a.minute + a.hours * 60:
            continue
        if a.kind == "slowdown_drift":
            seconds *= min(15.0, 1 + a.factor * (minute - a.minute) / common.MINUTES_PER_DAY)
        elif a.kind == "stuck_run" and row == a.row:
            seconds = a.hours * 3600
        elif a.kind == "runs_stop" and row < a.row + 3:  # the backlog, in a few runs
            seconds *= a.factor ** (1 / (1 + row - a.row))
        elif a.kind == "bimodal" and draw < a.share:
            seconds *= a.factor
        elif a.kind == "fails_fast":
            seconds = 0.05 + 0.5 * draw
    return seconds


def _simulate_runs(rng: np.random.Generator, job: _CronJob, rows: int,
                   anomalies: list[_RunAnomaly]) -> tuple[np.ndarray, np.ndarray]:
    """Start minutes and durations of ``rows`` runs. Cron skips a slot while the previous run
    holds the lock (flock -n), and now and then misses one."""
    noise = rng.lognormal(0, rng.uniform(0.08, 0.35), rows)
    noise *= np.where(rng.random(rows) < 0.01, rng.uniform(2, 8, rows), 1.0)  # lock waits
    delay_minutes = rng.uniform(1, 20, rows) / 60  # cron latency, container start
    draws = rng.random(rows)
    missed_chance = rng.uniform(0.001, 0.008)
    gaps = {a.row: a.hours for a in anomalies if a.kind == "runs_stop"}
    starts, durations = np.empty(rows), np.empty(rows)
    slot_minute, busy_until, row = job.first_minute, -np.inf, 0
    while row < rows:
        minute, slot_minute = slot_minute, slot_minute + job.every
        if minute < busy_until or rng.random() < missed_chance:
            continue
        if row in gaps:  # no runs for hours: the next run that happens is this row
            slot_minute += job.every * int(gaps.pop(row) * 60 / job.every)
            continue
        for a in anomalies:
            if a.row == row:
                a.minute = minute
        seconds = _with_anomalies(job.duration(minute) * noise[row], row, minute, anomalies,
                                  draws[row])
        starts[row], durations[row] = minute + delay_minutes[row], seconds
        busy_until = starts[row] + seconds / 60
        row += 1
    return starts, durations


def cron_duration_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamped_at_end = name.startswith("pushed")  # a jobs table keeps the start instead
    every = int(rng.choice([2, 5, 5, 10, 15]))
    rows = int(rng.integers(*common.ROWS_BY_STEP[every]))
    job = _cron_job(rng, every)
    onsets = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, onsets, ("stuck_run", "slowdown_drift", "runs_stop", "bimodal",
                                 "fails_fast"), once="slowdown_drift")
    anomalies = [_run_anomaly(rng, kind, row) for kind, row in zip(kinds, onsets, strict=True)]
    starts, durations = _simulate_runs(rng, job, rows, anomalies)
    minutes = starts + durations / 60 if stamped_at_end else starts
    # whole seconds, as written; a run starts at least a second after the last one ended
    stamps = pd.DatetimeIndex(common.EPOCH + pd.to_timedelta(minutes, unit="min").floor("s"))
    return SyntheticSeries(name, stamps, np.round(durations, 3), onsets, kinds)
