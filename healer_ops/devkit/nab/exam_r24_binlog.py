"""``synthBinlogSize`` of the twenty-fourth exam families (``exam_families_r24``): the binary
logs of a WordPress site's MySQL primary on disk (mysqld_exporter's
``mysql_binlog_size_bytes`` and ``mysql_binlog_files``). Every write the site makes (sessions,
transients, orders, cron's options, imports) is appended to the open binlog; the file is closed
when it reaches ``max_binlog_size`` or when the logs are flushed (the nightly backup, a restart),
and at each such rotation the server deletes the closed files older than
``binlog_expire_logs_seconds``. So the gauge is the writes of the last few days: it climbs with
every write, steps down only at rotations, and follows the site's week slowly."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY
MIB = 2 ** 20
MAX_BINLOG_MIB = (100, 256, 512, 1024, 1024)  # max_binlog_size: 1 GiB is MySQL's default
EXPIRE_DAYS = (1, 2, 3, 5, 7, 7, 10, 14)  # binlog_expire_logs_seconds, as hosts set it
BINLOG_HEADER = 158  # bytes: a new binlog's magic number and format description event
BINLOG_KINDS = ("write_storm", "purge_stalled", "manual_purge", "writes_moved")


@dataclass
class Purges:
    """When the binlogs were rotated and purged: from each event's minute on, the bytes written
    before the oldest file kept and before the open file, and the files opened and purged so
    far."""

    minutes: list[int] = field(default_factory=lambda: [0])
    purged_bytes: list[float] = field(default_factory=lambda: [0.0])
    rotated_bytes: list[float] = field(default_factory=lambda: [0.0])
    opened: list[int] = field(default_factory=lambda: [1])
    purged: list[int] = field(default_factory=lambda: [0])

    def add(self, minute: int, purged_bytes: float, rotated_bytes: float, opened: int,
            purged: int) -> None:
        self.minutes.append(minute)
        self.purged_bytes.append(purged_bytes)
        self.rotated_bytes.append(rotated_bytes)
        self.opened.append(opened)
        self.purged.append(purged)

    def open_file(self, written: np.ndarray, minute: int) -> float:
        """Bytes in the binlog open at the end of ``minute``."""
        latest = int(np.searchsorted(self.minutes, minute, side="right")) - 1
        return float(np.sum(written[:minute + 1]) - self.rotated_bytes[latest])

    def on_disk(self, written: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bytes, files) of binlogs on disk at the end of each minute."""
        cumulative = np.cumsum(written)
        latest = np.searchsorted(self.minutes, np.arange(len(written)), side="right") - 1
        files = np.asarray(self.opened)[latest] - np.asarray(self.purged)[latest]
        header = BINLOG_HEADER * files
        return cumulative - np.asarray(self.purged_bytes)[latest] + header, files


def rotate_and_purge(written: np.ndarray, flushes: np.ndarray, max_size: float, expire: int,
                     stalled: np.ndarray, manual: set[int]) -> Purges:
    """Rotations of the binlogs written ``written`` bytes a minute: when the open file reaches
    ``max_size`` or at a flush (``flushes``: sorted minutes); at each rotation the closed files
    older than ``expire`` minutes are deleted, unless purging is ``stalled`` then; at a minute in
    ``manual`` an operator flushes and purges every closed file."""
    cumulative = np.cumsum(written)
    span = len(written)
    events = np.unique(np.r_[flushes, sorted(manual)].astype(int))
    closed_at, closed_bytes = [], []
    purges = Purges()
    opened_bytes, minute, purged = 0.0, -1, 0
    while True:
        by_size = int(np.searchsorted(cumulative, opened_bytes + max_size))
        later = events[events > minute]
        rotation = min(by_size, int(later[0]) if len(later) else span)
        if rotation >= span:
            return purges
        minute, opened_bytes = rotation, float(cumulative[rotation])
        closed_at.append(rotation)
        closed_bytes.append(opened_bytes)
        if rotation in manual:
            purged = len(closed_at)
        elif not stalled[rotation]:
            while purged < len(closed_at) and closed_at[purged] < rotation - expire:
                purged += 1
        purges.add(rotation, closed_bytes[purged - 1] if purged else 0.0, opened_bytes,
                   len(closed_at) + 1, purged)


class Writes:
    """Bytes a minute a WordPress site appends to its binlog: what its visitors cause
    (sessions, carts, transients), a floor of its own (cron, options), queue runs, a nightly
    import, a weekly cleanup's big deletes, bulk edits in office hours."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, least: float) -> None:
        span = len(grid)
        self.level = float(np.exp(rng.uniform(np.log(least), np.log(5e6))))  # bytes a minute
        load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, 3 * DAY))
        shape = rng.uniform(2, 10)
        self.visitors = self.level * load * rng.gamma(shape, 1 / shape, span)
        rate = self.visitors + self.level * rng.uniform(0.05, 0.5)
        runs = common.runner_minutes(rng, grid, (0.2, 20))
        rate[runs] += self.level * rng.uniform(0.1, 2) * rng.lognormal(0, 0.5, runs.sum())
        if rng.random() < 0.6:  # a nightly import or feed sync
            for start in common.daily_rows(grid, rng.uniform(0, 6)):
                rate[start:start + int(rng.uniform(10, 90))] += self.level * rng.uniform(2, 20)
        if rng.random() < 0.4:  # a weekly cleanup: old sessions, logs and revisions deleted
            sundays = common.daily_rows(grid, rng.uniform(1, 5))
            for start in sundays[np.asarray(grid.day_of_week)[sundays] == 6]:
                rate[start:start + int(rng.uniform(10, 60))] += self.level * rng.uniform(5, 40)
        for start in office_hour_rows(rng, grid, rng.uniform(0, 0.5)):  # bulk edits, imports
            rate[start:start + int(rng.uniform(5, 60))] += self.level * rng.uniform(2, 15)
        self.rate = rate


def _flushes(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Minutes the logs are flushed: the nightly backup's --flush-logs (on some servers) and
    restarts for updates, some nights."""
    flushes = []
    if rng.random() < 0.6:
        flushes += list(common.daily_rows(grid, rng.uniform(0, 5)))
    nights = common.daily_rows(grid, rng.uniform(2, 6))
    flushes += list(nights[rng.random(len(nights)) < rng.uniform(0, 0.05)])
    return np.sort(np.asarray(flushes, dtype=int))


def _seen_kind(kind: str, onset: int, writes: Writes, normal: Purges, visible: float) -> str:
    """``kind``, or a write storm where the gauge would not show it: ``visible``, the bytes a
    change must amount to (a percent of the gauge, or two files where files are counted)."""
    purged = np.asarray(normal.minutes)[1:][np.diff(normal.purged) > 0]
    if kind == "purge_stalled" and not ((purged > onset) & (purged < onset + DAY)).any():
        return "write_storm"  # no purge due within a day: a stall would change nothing yet
    if kind == "manual_purge" and normal.open_file(writes.rate, onset) > 0.5 * normal.on_disk(
            writes.rate)[0][onset]:
        return "write_storm"  # most of it in the open file: nothing to purge
    if kind == "writes_moved" and writes.rate[onset:onset + 6 * 60].sum() < visible:
        return "write_storm"  # the gauge would hardly have moved in hours anyway
    return kind


def _storm(rng: np.random.Generator, writes: Writes, onset: int, end: int, visible: float
           ) -> np.ndarray:
    """Bytes a minute a write storm adds: a plugin rewriting a row on every view (with the
    visitors) or a bulk job (steady), at least twice the usual writes and ``visible`` in all."""
    if rng.random() < 0.5:
        added = writes.visitors[onset:end] * rng.uniform(3, 40)
    else:
        added = np.full(end - onset, writes.level * rng.uniform(3, 60))
    usual = writes.rate[max(0, onset - DAY):onset].mean()
    return added * max(1.0, 2 * usual / added.mean(), visible / added.sum())


def _binlog_anomalies(rng: np.random.Generator, writes: Writes, onsets: list[int],
                      kinds: list[str], normal: Purges, file_size: float | None
                      ) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """(bytes written a minute, minutes purging is stalled, minutes of a manual purge);
    ``file_size``: max_binlog_size where files are counted, else None."""
    rate = writes.rate.copy()
    span = len(rate)
    stalled = np.zeros(span, bool)
    manual: set[int] = set()
    on_disk = normal.on_disk(writes.rate)[0]
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        visible = 2 * file_size if file_size else 0.01 * on_disk[onset]
        kinds[i] = _seen_kind(kinds[i], onset, writes, normal, visible)
        if kinds[i] == "write_storm":
            end = min(later, onset + int(np.exp(rng.uniform(np.log(30), np.log(12 * 60)))))
            rate[onset:end] += _storm(rng, writes, onset, end, visible)
        elif kinds[i] == "purge_stalled":  # expire set to 0, or a purge script stuck
            stalled[onset:min(later, onset + int(rng.uniform(DAY, 5 * DAY)))] = True
        elif kinds[i] == "manual_purge":  # PURGE BINARY LOGS to free the disk
            manual.add(onset)
        else:  # writes_moved: a failover made another server the primary
            rate[onset:min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))] = 0.0
    return rate, stalled, manual


def binlog_size_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 5, 5, 10, 15])))
    expire = int(rng.choice(EXPIRE_DAYS)) * DAY
    burn_in = expire + 2 * DAY  # files already on disk when the file starts
    full = pd.date_range(grid[0] - pd.Timedelta(minutes=burn_in), periods=burn_in + len(grid),
                         freq="min")
    counting_files = name.startswith("mysql_binlog_files")
    writes = Writes(rng, full, 300e3 if counting_files else 10e3)
    flushes = _flushes(rng, full)
    sizes = np.asarray(MAX_BINLOG_MIB) * MIB
    if counting_files:  # a server whose file count moves: several files a day
        sizes = sizes[sizes <= writes.rate.mean() * DAY / 4] if (
            sizes <= writes.rate.mean() * DAY / 4).any() else sizes[:1]
    max_size = float(rng.choice(sizes))
    span = len(full)
    normal = rotate_and_purge(writes.rate, flushes, max_size, expire, np.zeros(span, bool),
                              set())
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, BINLOG_KINDS)
    onsets = [burn_in + int(at[row]) for row in starts]
    rate, stalled, manual = _binlog_anomalies(rng, writes, onsets, kinds, normal,
                                             max_size if counting_files else None)
    size, files = rotate_and_purge(rate, flushes, max_size, expire, stalled, manual).on_disk(
        rate)
    shown = files if counting_files else np.round(size)
    return SyntheticSeries(name, stamps, shown[burn_in + at].astype(float), starts, kinds)
