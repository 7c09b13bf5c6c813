"""Synthetic NAB-like corpora of the kinds `healer-ops detect` is scored on but cannot see.

Three kinds, modelled on NAB v1.1 categories that are not in ../shared/data/nab:

- ``synthAWS`` (like realAWSCloudwatch): regular 5-minute rows, mostly 4,032 (14 days), some
  4,730 or ~1,250; CPU percent, byte counters or request counts, quantized (CloudWatch's
  few decimals, integer counts), flat idle stretches, periodic job spikes, benign random
  spikes; anomalies are persistent level shifts, spike bursts, outages (drop to the floor),
  a slow leak, or a burst of variance.
- ``synthAdExchange`` (like realAdExchange): hourly rows, ~1,550-1,650; noisy positive prices
  (cpc, cpm) with a weak daily cycle, missing hours and sometimes a gap of days; anomalies are
  spikes, dips and level shifts lasting days.
- ``synthTraffic`` (like realTraffic): ~1,100-2,500 rows at irregular ~5-minute timestamps
  (10-20 minute holes, a few gaps of hours, rare duplicate timestamps); speed (integer mph),
  occupancy (percent) or travel time (integer seconds) with rush hours on weekdays;
  anomalies are incidents (speed drops, occupancy or travel time jumps), a stuck sensor
  and persistent shifts (road works).

Labels follow NAB's rule: each anomaly gets a window of 10% of the file's rows divided by the
number of anomalies, centered on the row where it starts; files without anomalies occur too.
Everything is drawn from one seed, so a corpus is reproducible.

``write_corpus`` writes a NAB folder (``data/<category>/<file>.csv``, one category per kind
and seed such as ``synthAWS1``, and ``labels/combined_windows.json``) that
`healer-ops bench nab --nab DIR` scores like the real one; ``--with-local`` copies the local
NAB files in too, so one threshold is optimized over seen and unseen kinds together, as in
the real evaluation. `healer-ops bench nab-synthetic` does all of it and reports per seed::

    healer-ops bench nab-synthetic --seed 1 --seed 2 --seed 3
    python -m healer_ops.devkit.nab.synthetic --out .healer/nab-synthetic --with-local
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = ("synthAWS", "synthAdExchange", "synthTraffic")
FILES_PER_KIND = {"synthAWS": 17, "synthAdExchange": 6, "synthTraffic": 7}  # as in NAB v1.1
WINDOW_FRACTION = 0.10  # NAB: windows cover 10% of the rows, shared by the anomalies


@dataclass
class SyntheticSeries:
    """One generated file: timestamps, values, and the rows where anomalies start."""

    name: str
    timestamps: pd.DatetimeIndex
    values: np.ndarray
    anomaly_rows: list[int] = field(default_factory=list)
    anomaly_kinds: list[str] = field(default_factory=list)


def label_windows(rows: int, anomaly_rows: list[int]) -> list[tuple[int, int]]:
    """NAB windows as (first row, last row): 10% of the rows / anomalies, centered."""
    if not anomaly_rows:
        return []
    half = int(WINDOW_FRACTION * rows / len(anomaly_rows) / 2)
    return [(max(0, row - half), min(rows - 1, row + half)) for row in sorted(anomaly_rows)]


def anomaly_starts(rng: np.random.Generator, rows: int, count: int) -> list[int]:
    """``count`` onsets in the last 85% of the file, far enough apart for separate windows."""
    if count == 0:
        return []
    gap = int(WINDOW_FRACTION * rows / count) + 2
    for _ in range(1000):
        starts = np.sort(rng.integers(int(0.15 * rows), int(0.96 * rows), count))
        # never inside the scorer's probation (int() rounds 15% down); clamped, not redrawn,
        # so every file whose onsets were already past it keeps them
        starts = np.maximum(starts, math.ceil(0.15 * rows))
        if count == 1 or np.diff(starts).min() > gap:
            return [int(s) for s in starts]
    return [int(0.15 * rows + (i + 0.5) * 0.8 * rows / count) for i in range(count)]


def anomaly_count(rng: np.random.Generator,
                  counts: tuple[int, ...] = (0, 1, 1, 2, 2, 2, 3, 3)) -> int:
    """How many anomalies a file gets: one draw from ``counts`` (each family its own mix)."""
    return int(rng.choice(counts))


def benign_spikes(rng: np.random.Generator, rows: int, per_row: float) -> np.ndarray:
    """Multipliers >= 1: rare unlabelled spikes, the routine noise of real metrics."""
    hits = rng.random(rows) < per_row
    return np.where(hits, 1.0 + rng.lognormal(0.0, 0.6, rows), 1.0)


def hour_of_day(stamps: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(stamps.hour + stamps.minute / 60.0)


def elapsed_minutes(stamps: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((stamps - stamps[0]).total_seconds()) / 60.0


def until(elapsed: np.ndarray, start: int, minutes: float) -> int:
    """The first row at least ``minutes`` after row ``start`` (a span in time, not rows)."""
    return max(start + 1, int(np.searchsorted(elapsed, elapsed[start] + minutes)))


def office_hour_rows(rng: np.random.Generator, stamps: pd.DatetimeIndex,
                     per_day: float) -> np.ndarray:
    """Rows of deploys: weekdays 09-18 only, ``per_day`` of them a day on average."""
    hours = hour_of_day(stamps)
    office = (np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18)
    elapsed = elapsed_minutes(stamps)
    spacing = np.diff(elapsed, prepend=elapsed[0])
    chance = per_day * spacing / (9 * 60) * 7 / 5
    return np.flatnonzero(office & (rng.random(len(stamps)) < chance))


def snap(candidates: np.ndarray, start: int, others: list[int], rows: int) -> int | None:
    """The candidate row nearest ``start`` if it keeps the onset rules, else None."""
    if not len(candidates):
        return None
    row = int(candidates[np.abs(candidates - start).argmin()])
    gap = int(0.1 * rows / (len(others) + 1)) + 2
    if not 0.15 * rows <= row < 0.96 * rows or any(abs(row - o) <= gap for o in others):
        return None
    return row


def snap_onsets(needing: tuple[str, ...], fallback: str, candidates: np.ndarray,
                starts: list[int], kinds: list[str], rows: int) -> None:
    """Move onsets of the ``needing`` kinds onto a candidate row; where none fits, the
    anomaly becomes ``fallback`` (an anomaly of that kind is only seen at those rows)."""
    for i, kind in enumerate(kinds):
        if kind in needing:
            snapped = snap(candidates, starts[i], starts[:i] + starts[i + 1:], rows)
            if snapped is None:
                kinds[i] = fallback
            else:
                starts[i] = snapped


def first_week_minute(rng: np.random.Generator, step: int = 1) -> int:
    """Minutes after an epoch where a file starts: somewhere in its first week, on the grid
    of ``step`` minutes."""
    return step * int(rng.integers(0, 7 * 1440 // step))


def scrape_stamps(rng: np.random.Generator, minutes: int, jitter: float, holes: int, *,
                  rows_by_step: dict[int, tuple[int, int]], epoch: pd.Timestamp,
                  longest_hole_minutes: float) -> pd.DatetimeIndex:
    """Scrape times every ``minutes`` (relative jitter) from a minute of the first week after
    ``epoch``, as many as ``rows_by_step`` allows, with ``holes`` gaps of an hour or more."""
    rows = int(rng.integers(*rows_by_step[minutes]))
    steps = minutes * rng.uniform(1 - jitter, 1 + jitter, rows)
    for _ in range(holes):
        steps[int(rng.integers(1, rows))] = rng.uniform(60, longest_hole_minutes)
    steps[0] = first_week_minute(rng)
    return pd.DatetimeIndex(epoch + pd.to_timedelta(np.cumsum(steps), unit="min").round("s"))

# ---------------------------------------------------------------- AWS CloudWatch-like


def aws_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    rows = int(rng.choice([4032, 4032, 4032, 4730, 1250 + int(rng.integers(-10, 10))]))
    stamps = pd.date_range("2014-02-14 14:30", periods=rows, freq="5min")
    metric = rng.choice(["cpu", "cpu", "bytes", "count", "rds"])
    t = np.arange(rows)
    daily = np.sin(2 * np.pi * (hour_of_day(stamps) - 8) / 24)
    drift = np.cumsum(rng.normal(0, 1, rows))
    drift = drift / max(np.abs(drift).max(), 1e-9)
    if metric in ("cpu", "rds"):
        level = float(np.exp(rng.uniform(np.log(0.1), np.log(60))))
        amplitude = rng.uniform(0, 0.3) if metric == "cpu" else rng.uniform(0.1, 0.4)
        sigma = rng.uniform(0.03, 0.25)
        base = level * (1 + amplitude * daily + 0.15 * drift)
        values = base * rng.lognormal(0, sigma, rows)
    elif metric == "bytes":
        level = float(10 ** rng.uniform(5, 8))
        base = level * (1 + rng.uniform(0, 0.3) * daily + 0.2 * drift)
        values = base * rng.lognormal(0, rng.uniform(0.3, 0.9), rows)
    else:  # request counts
        rate = rng.uniform(0.5, 40)
        base = rate * (1 + rng.uniform(0.2, 0.7) * daily)
        values = rng.poisson(np.maximum(base, 0.05)).astype(float)
    values = values * benign_spikes(rng, rows, 1 / 300)
    if rng.random() < 0.5:  # a periodic job (every 1, 2, 6 or 24 hours)
        every = int(rng.choice([12, 24, 72, 288]))
        values[(t + int(rng.integers(every))) % every == 0] *= rng.uniform(1.5, 4)
    if rng.random() < 0.3:  # idle instance: flat stretches at the floor
        for _ in range(int(rng.integers(1, 4))):
            start, length = int(rng.integers(rows)), int(rng.integers(24, 200))
            values[start:start + length] = np.min(values)
    scale = float(np.median(values))
    starts = anomaly_starts(rng, rows, anomaly_count(rng))
    kinds = []
    for start in starts:
        kind = str(rng.choice(["level_shift", "spikes", "outage", "leak", "variance"]))
        kinds.append(kind)
        spread = float(np.subtract(*np.percentile(values[:start], [90, 10]))) or scale
        if kind == "level_shift":  # persists to the end: detect once, then adapt
            factor = rng.uniform(1.6, 4) if rng.random() < 0.7 else rng.uniform(0.2, 0.5)
            values[start:] *= factor
        elif kind == "spikes":
            length = int(rng.integers(1, 6))
            values[start:start + length] += rng.uniform(3, 8) * spread
        elif kind == "outage":
            length = int(rng.integers(6, 72))
            values[start:start + length] = values.min() * rng.uniform(0, 0.5)
        elif kind == "leak":  # grows for hours, then drops back (restart)
            length = int(rng.integers(36, 144))
            values[start:start + length] += np.linspace(0, rng.uniform(2, 5) * spread, length)
        else:
            length = int(rng.integers(36, 200))
            noise = rng.normal(0, rng.uniform(2, 4) * spread, length)
            values[start:start + length] = np.abs(values[start:start + length] + noise)
    decimals = 0 if metric in ("bytes", "count") else int(np.clip(2 - np.floor(np.log10(scale)),
                                                                   0, 4))
    values = np.round(np.maximum(values, 0), decimals)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- ad exchange-like


def adexchange_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    rows = int(rng.integers(1550, 1650))
    stamps = pd.date_range("2011-07-01", periods=rows, freq="h")
    level = rng.uniform(0.05, 0.6) if "cpc" in name else rng.uniform(0.3, 3.0)
    daily = np.sin(2 * np.pi * (hour_of_day(stamps) - rng.uniform(0, 24)) / 24)
    weekly = np.sin(2 * np.pi * np.asarray(stamps.day_of_week) / 7)
    drift = np.cumsum(rng.normal(0, 1, rows))
    drift = drift / max(np.abs(drift).max(), 1e-9)
    base = level * (1 + rng.uniform(0.05, 0.3) * daily + rng.uniform(0, 0.15) * weekly
                    + 0.25 * drift)
    values = base * rng.lognormal(0, rng.uniform(0.15, 0.45), rows)
    values = values * benign_spikes(rng, rows, 1 / 200)
    starts = anomaly_starts(rng, rows, anomaly_count(rng))
    kinds = []
    for start in starts:
        kind = str(rng.choice(["spike", "dip", "level_shift"]))
        kinds.append(kind)
        if kind == "spike":
            values[start:start + int(rng.integers(1, 4))] *= rng.uniform(2.5, 5)
        elif kind == "dip":
            values[start:start + int(rng.integers(3, 24))] *= rng.uniform(0.05, 0.35)
        else:
            factor = rng.uniform(1.7, 3) if rng.random() < 0.5 else rng.uniform(0.3, 0.55)
            values[start:start + int(rng.integers(48, 240))] *= factor
    keep = rng.random(rows) > 0.01  # missing hours ...
    if rng.random() < 0.4:  # ... and sometimes days without data
        hole = int(rng.integers(int(0.2 * rows), int(0.8 * rows)))
        keep[hole:hole + int(rng.integers(24, 120))] = False
    keep[starts] = True
    new_index = np.cumsum(keep) - 1
    return SyntheticSeries(name, stamps[keep], np.round(values[keep], 6),
                           [int(new_index[s]) for s in starts], kinds)


# ---------------------------------------------------------------- traffic-like


def irregular_stamps(rng: np.random.Generator, rows: int) -> pd.DatetimeIndex:
    """~5-minute readings: jitter, 10-20 minute holes, a few gaps of hours, rare duplicates."""
    minutes = rng.choice([5, 5, 5, 5, 4, 6, 10, 15, 20], rows).astype(float)
    gaps = rng.random(rows) < 3 / rows
    minutes[gaps] = rng.uniform(60, 720, gaps.sum())
    minutes[rng.random(rows) < 0.002] = 0  # the same timestamp twice
    minutes[0] = 0
    offsets = pd.to_timedelta(np.round(np.cumsum(minutes)), unit="min")
    return pd.DatetimeIndex(pd.Timestamp("2015-09-01 11:00") + offsets)


def rush_hours(stamps: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """0..1 congestion: weekday morning and evening peaks of random strength."""
    hour = hour_of_day(stamps)
    weekday = np.asarray(stamps.day_of_week) < 5
    morning = np.exp(-((hour - rng.uniform(7, 8.5)) ** 2) / 1.2) * rng.uniform(0.3, 1)
    evening = np.exp(-((hour - rng.uniform(16, 18)) ** 2) / 1.5) * rng.uniform(0.3, 1)
    return np.where(weekday, morning + evening, 0.2 * evening)


def traffic_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    rows = int(rng.choice([2500, 2500, 2380, 2162, 1127 + int(rng.integers(0, 20))]))
    stamps = irregular_stamps(rng, rows)
    congestion = rush_hours(stamps, rng)
    metric = name.split("_")[0]
    starts = anomaly_starts(rng, rows, anomaly_count(rng))
    kinds = [str(rng.choice(["incident", "stuck", "shift"])) for _ in starts]
    incident = np.zeros(rows)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "incident":
            incident[start:start + int(rng.integers(6, 36))] = rng.uniform(0.6, 1.0)
        elif kind == "shift":  # road works: days of different traffic
            incident[start:start + int(rng.integers(288, 1000))] = rng.uniform(0.3, 0.5)
    if metric == "speed":
        free = rng.uniform(55, 72)
        values = (free * (1 - 0.45 * congestion - 0.7 * incident)
                  + rng.normal(0, rng.uniform(1.5, 4), rows))
        values = np.round(np.clip(values, 3, None))
    elif metric == "occupancy":
        night = rng.uniform(1, 5)
        values = (night + rng.uniform(8, 25) * congestion + 45 * incident) * rng.lognormal(
            0, 0.2, rows)
        values = np.round(np.clip(values, 0, 100), 2)
    else:  # TravelTime
        free = rng.uniform(150, 600)
        values = free * (1 + 0.8 * congestion + 2.0 * incident) * rng.lognormal(0, 0.12, rows)
        values = np.round(values * benign_spikes(rng, rows, 1 / 250))
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "stuck":  # a sensor repeating its last reading for hours
            values[start:start + int(rng.integers(36, 150))] = values[start - 1]
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- families of files

Maker = Callable[[np.random.Generator, str], SyntheticSeries]


def series_of(make: Maker, names: list[str], seed: int, salt: int) -> list[SyntheticSeries]:
    """One series per name, all drawn in turn from one generator seeded by (seed, salt)."""
    rng = np.random.default_rng([seed, salt])
    return [make(rng, name) for name in names]


@dataclass(frozen=True)
class FamilySet:
    """The families of one module: family ``i`` draws from (seed, ``salt`` + i), so each
    family's files stay the same whatever else is added; its files are named
    ``<stem>_<i>``, cycling through its ``stems``."""

    families: tuple[str, ...]
    makers: dict[str, Maker]
    stems: dict[str, tuple[str, ...]]
    files: dict[str, int]
    salt: int

    def file_names(self, family: str, count: int) -> list[str]:
        stems = self.stems[family]
        return [f"{stems[i % len(stems)]}_{i}" for i in range(count)]

    def generate(self, family: str, seed: int, count: int | None = None
                 ) -> list[SyntheticSeries]:
        """``count`` series of ``family`` (default: its number of files)."""
        salt = self.salt + self.families.index(family)
        names = self.file_names(family, count or self.files[family])
        return series_of(self.makers[family], names, seed, salt)


GENERATORS = {"synthAWS": aws_series, "synthAdExchange": adexchange_series,
              "synthTraffic": traffic_series}


def file_names(kind: str, count: int) -> list[str]:
    if kind == "synthAdExchange":
        return [f"exchange-{i // 2 + 2}_{('cpc', 'cpm')[i % 2]}_results" for i in range(count)]
    if kind == "synthTraffic":
        return [f"{('speed', 'occupancy', 'TravelTime')[i % 3]}_{i}" for i in range(count)]
    return [f"aws_metric_{i}" for i in range(count)]


def generate(kind: str, seed: int, count: int | None = None) -> list[SyntheticSeries]:
    """``count`` series of one kind (default: as many files as NAB v1.1 has of it)."""
    salt = KINDS.index(kind)
    names = file_names(kind, count or FILES_PER_KIND[kind])
    return series_of(GENERATORS[kind], names, seed, salt)


def _window_stamp(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M:%S") + ".000000"


def generate_any(kind: str, seed: int, count: int | None = None) -> list[SyntheticSeries]:
    """``generate`` for a NAB kind here or a family of ``families`` or the exam modules."""
    if kind in KINDS:
        return generate(kind, seed, count)
    from healer_ops.devkit.nab import families
    from healer_ops.devkit.nab.exam_rounds import EXAM_ROUNDS

    for module, names in EXAM_ROUNDS:
        if kind in names:
            return module.generate(kind, seed, count)

    return families.generate(kind, seed, count)


def write_corpus(out_dir: Path, seeds: tuple[int, ...] = (1,), local_nab: Path | None = None,
                 kinds: tuple[str, ...] = KINDS) -> dict:
    """Write a NAB folder of synthetic series (one category per kind and seed).

    ``kinds``: NAB kinds of this module and/or families of ``families``. With ``local_nab``
    the labelled files of that NAB folder are copied in too. Returns {category: files}.
    """
    out_dir = Path(out_dir)
    windows: dict[str, list[list[str]]] = {}
    counts: dict[str, int] = {}
    for seed in seeds:
        for kind in kinds:
            category = f"{kind}{seed}"
            (out_dir / "data" / category).mkdir(parents=True, exist_ok=True)
            for series in generate_any(kind, seed):
                rel = f"{category}/{series.name}.csv"
                write_series(out_dir / "data" / rel, series.timestamps, series.values)
                windows[rel] = [[_window_stamp(series.timestamps[first]),
                                 _window_stamp(series.timestamps[last])]
                                for first, last in label_windows(len(series.values),
                                                                 series.anomaly_rows)]
                counts[category] = counts.get(category, 0) + 1
    if local_nab:
        local = json.loads((Path(local_nab) / "labels" / "combined_windows.json").read_text())
        for rel, spans in local.items():
            target = out_dir / "data" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(local_nab) / "data" / rel, target)
            windows[rel] = spans
            counts[rel.split("/")[0]] = counts.get(rel.split("/")[0], 0) + 1
    (out_dir / "labels").mkdir(parents=True, exist_ok=True)
    (out_dir / "labels" / "combined_windows.json").write_text(json.dumps(windows, indent=1))
    return counts


def write_series(path: Path, stamps: pd.DatetimeIndex, values: np.ndarray) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["timestamp", "value"])
        for stamp, value in zip(stamps.strftime("%Y-%m-%d %H:%M:%S"), values, strict=True):
            writer.writerow([stamp, repr(float(value))])


def main(argv: list[str] | None = None) -> None:
    from healer_ops.devkit.nab.bench import DEFAULT_NAB_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="NAB folder to write")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--with-local", action="store_true",
                        help=f"also copy the labelled files of {DEFAULT_NAB_DIR}")
    args = parser.parse_args(argv)
    counts = write_corpus(args.out, tuple(args.seeds),
                          DEFAULT_NAB_DIR if args.with_local else None)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
