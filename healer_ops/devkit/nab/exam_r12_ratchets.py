"""``synthSwapUsed`` and ``synthUndoHistory`` of the twelfth exam families
(``exam_families_r12``): two values that rise quickly and fall slowly, for reasons of their
own. Swap is filled when memory runs short and stays filled until the pages are touched again
or their process exits; InnoDB's history of old row versions grows with every write while the
oldest open transaction needs it, and is purged at a limited rate once it no longer does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY


def spans(rng: np.random.Generator, starts: np.ndarray, minutes: tuple[float, float],
          span: int) -> np.ndarray:
    """True in the minutes of runs starting at ``starts``, each lasting ``minutes``."""
    out = np.zeros(span, bool)
    for start in starts:
        out[start:start + int(rng.uniform(*minutes))] = True
    return out


def weekly_rows(rng: np.random.Generator, grid: pd.DatetimeIndex, hour: float) -> np.ndarray:
    """The first row at or after ``hour`` o'clock on one day of the week."""
    rows = common.daily_rows(grid, hour)
    return rows[np.asarray(grid.day_of_week)[rows] == rng.integers(0, 7)]


# ---------------------------------------------------------------- swap used


def _swap_pressure(rng: np.random.Generator, grid: pd.DatetimeIndex, total: float
                   ) -> np.ndarray:
    """MB of anonymous memory that would have to leave RAM a minute: the PHP workers of busy
    peaks, the page cache flooded by the nightly backup and the weekly malware scan."""
    span = len(grid)
    load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
    peak = np.quantile(load, 0.99)
    pressure = np.maximum(load - peak * rng.uniform(0.6, 1.05), 0) / peak * total * (
        rng.uniform(0.2, 0.8))
    if rng.random() < 0.85:
        weekly_full = rng.random() < 0.4
        full_day = int(rng.integers(0, 7))
        for start in common.daily_rows(grid, rng.uniform(0, 5)):
            longer = weekly_full and grid[start].day_of_week == full_day
            length = int(rng.uniform(30, 120) * (rng.uniform(2, 4) if longer else 1))
            pressure[start:start + length] += total * rng.uniform(0.05, 0.35) * rng.lognormal(
                0, 0.3)
    if rng.random() < 0.4:
        for start in weekly_rows(rng, grid, rng.uniform(0, 6)):
            pressure[start:start + int(rng.uniform(60, 240))] += total * rng.uniform(0.05, 0.3)
    return pressure


def _swap_anomalies(rng: np.random.Generator, total: float, need: np.ndarray,
                    pushed: np.ndarray, events: dict[str, np.ndarray], onsets: list[int],
                    kinds: list[str]) -> None:
    """The anomalies on what must be swapped out (``need``: at least that much; ``pushed``:
    MB a minute swapped out on top, as pages are reclaimed) and on the simulation's events."""
    span = len(need)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "memory_leak":  # a process growing until it is killed or restarted
            end = min(span, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            # memory is tight: its growth pushes other pages out as the page cache shrinks
            pushed[onset:end] += total * rng.uniform(0.2, 0.7) / (end - onset)
            events["leaking"][onset:end] = True
            events["killed"][min(end, span - 1)] = True
        elif kind == "thrashing":  # memory exhausted: swap filled within minutes, then OOM
            end = min(span, onset + int(rng.uniform(20, 3 * 60)))
            need[onset:end] += total * rng.uniform(1, 1.5) * np.minimum(
                np.arange(end - onset) / rng.uniform(2, 10), 1)
            events["killed"][min(end, span - 1)] = True
        elif kind == "swap_lost":  # rebooted, and the swap file not enabled again
            events["reboot"][onset] = True
            events["no_swap"][onset:min(later, onset + int(rng.uniform(DAY / 2, 3 * DAY)))] = True
        else:  # swappiness_raised from now on: more swapped at each squeeze, idle pages too
            need[onset:] *= rng.uniform(3, 8)
            since, minutes = np.arange(span - onset), rng.uniform(6 * 60, 2 * DAY)
            pushed[onset:] += total * rng.uniform(0.1, 0.3) / minutes * np.exp(-since / minutes)


def _swap_simulation(rng: np.random.Generator, grid: pd.DatetimeIndex, total: float,
                     need: np.ndarray, pushed: np.ndarray, events: dict[str, np.ndarray]
                     ) -> np.ndarray:
    """MB swapped out a minute: a new squeeze swaps out what does not fit beyond what already
    is; MySQL's pages come back over weeks, the daemons' over days, PHP workers' as they are
    recycled by requests and all at once at a PHP-FPM restart; a reboot empties it."""
    span = len(grid)
    load = common.traffic(grid, rng)
    keep_mysql = np.exp(-1 / (rng.uniform(5, 30) * DAY))
    keep_daemons = np.exp(-1 / (rng.uniform(1, 7) * DAY))
    keep_php = np.exp(-load / (rng.uniform(3, 24) * 60))
    to_mysql, to_php, to_daemons = rng.dirichlet([2, 2, 1])
    need = np.minimum(need, 0.99 * total)
    mysql, php, daemons = total * rng.uniform(0, 0.2), 0.0, total * rng.uniform(0, 0.1)
    used = np.zeros(span)
    for minute in range(span):
        if events["reboot"][minute]:
            mysql = php = daemons = 0.0
        if events["fpm_restart"][minute]:
            php = 0.0
        if events["killed"][minute]:  # the OOM killer or a restart frees the culprit
            php, daemons = 0.0, 0.3 * daemons
        mysql *= keep_mysql
        daemons *= keep_daemons
        php *= keep_php[minute]
        if events["leaking"][minute]:
            daemons += pushed[minute]
        else:
            mysql += pushed[minute]  # the coldest pages: mostly the buffer pool's
        missing = need[minute] - (mysql + php + daemons)
        if missing > 0:
            if events["leaking"][minute]:
                daemons += missing
            else:
                mysql, php, daemons = (mysql + to_mysql * missing, php + to_php * missing,
                                       daemons + to_daemons * missing)
        swapped = mysql + php + daemons
        if swapped > 0.99 * total:  # no room left: held full until the OOM killer acts
            mysql, php, daemons = (part * 0.99 * total / swapped for part in (mysql, php, daemons))
        if events["no_swap"][minute]:
            mysql = php = daemons = 0.0
        used[minute] = mysql + php + daemons
    return used


def swap_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    span = len(grid)
    total = float(rng.choice([1024, 2048, 2048, 4096, 8192]))  # the swap file, MB
    swappiness = float(rng.choice([1.0, 1.0, 0.15, 0.03]))  # vm.swappiness 60, 10 or 1
    pressure = swappiness * _swap_pressure(rng, grid, total)
    fpm_restart = np.zeros(span, bool)
    fpm_restart[office_hour_rows(rng, grid, rng.uniform(0.1, 1))] = True  # deploys
    if rng.random() < 0.3:  # a cron restarting PHP-FPM every night
        fpm_restart[common.daily_rows(grid, rng.uniform(1, 6))] = True
    nights = common.daily_rows(grid, rng.uniform(2, 5))  # kernel updates
    reboot = np.zeros(span, bool)
    reboot[nights[rng.random(len(nights)) < rng.uniform(0, 0.08)]] = True
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("memory_leak", "thrashing", "swap_lost",
                                       "swappiness_raised"), once="swappiness_raised")
    onsets = [int(at[s]) for s in starts]
    while True:  # each pass turns at least one hidden swap_lost into a leak
        need, pushed = pressure.copy(), np.zeros(span)
        events = {"reboot": reboot.copy(), "fpm_restart": fpm_restart,
                  "killed": np.zeros(span, bool), "leaking": np.zeros(span, bool),
                  "no_swap": np.zeros(span, bool)}
        _swap_anomalies(rng, total, need, pushed, events, onsets, kinds)
        used = _swap_simulation(rng, grid, total, need, pushed, events)
        # swap lost where little was swapped looks like any reboot: a leak there instead
        hidden = [i for i, onset in enumerate(onsets)
                  if kinds[i] == "swap_lost" and used[onset - 1] < 0.05 * total]
        if not hidden:
            break
        kinds = ["memory_leak" if i in hidden else kind for i, kind in enumerate(kinds)]
    used = used[at]
    values = np.round(used) if rng.random() < 0.5 else np.round(100 * used / total, 2)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- InnoDB history list length


def _writes(rng: np.random.Generator, grid: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    """(write transactions a minute, their mean): sessions, transients and orders with the
    visitors, Action Scheduler batches, nightly product imports in some shops."""
    span = len(grid)
    level = float(np.exp(rng.uniform(np.log(20), np.log(3000))))
    writes = level * common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
    shape = rng.uniform(2, 10)
    writes *= rng.gamma(shape, 1 / shape, span)
    if rng.random() < 0.6:
        every = int(rng.choice([1, 5, 15, 60]))
        writes[(np.arange(span) + rng.integers(every)) % every == 0] += level * rng.uniform(
            0.2, 3)
    if rng.random() < 0.4:
        for start in common.daily_rows(grid, rng.uniform(0, 6)):
            writes[start:start + int(rng.uniform(20, 90))] += level * rng.uniform(3, 20)
    return writes, level


def _backups(rng: np.random.Generator, grid: pd.DatetimeIndex) -> list[tuple[int, int]]:
    """(start, minutes) of the nightly mysqldump --single-transaction (none in some files),
    longer on the weekly full dump in some, a little longer as the data grows."""
    if rng.random() < 0.15:
        return []
    usual, growth = rng.uniform(15, 90), rng.uniform(0, 0.01)
    full_day = int(rng.integers(0, 7)) if rng.random() < 0.4 else -1
    backups = []
    for night, start in enumerate(common.daily_rows(grid, rng.uniform(0, 5))):
        longer = rng.uniform(2, 4) if grid[start].day_of_week == full_day else 1
        backups.append((int(start), int(usual * longer * (1 + growth * night)
                                         * rng.lognormal(0, 0.15))))
    return backups


def _history_anomalies(rng: np.random.Generator, writes: np.ndarray, purge: np.ndarray,
                       read_view: np.ndarray, backups: dict[int, int], onsets: list[int],
                       kinds: list[str]) -> None:
    span = len(writes)
    for onset, kind in zip(onsets, kinds, strict=True):
        if kind == "stuck_transaction":  # a connection idle in transaction until killed
            read_view[onset:onset + int(rng.uniform(2 * 60, 3 * DAY))] = True
        elif kind == "backup_overrun":  # the dump hanging on a slow target, for hours more
            usual = backups.get(onset, 60)
            read_view[onset:onset + usual + int(rng.uniform(4 * 60, 16 * 60))] = True
        elif kind == "write_flood":  # a plugin writing on every page view
            end = onset + int(rng.uniform(3 * 60, 3 * DAY))
            writes[onset:end] *= rng.uniform(5, 30)
        else:  # purge_stalled: the purge threads starved (a slow disk, a huge DROP)
            end = min(span, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            purge[onset:end] = np.minimum(purge[onset:end],
                                          writes[onset:end].mean() * rng.uniform(0, 0.15))


def _history(writes: np.ndarray, purge: np.ndarray, read_view: np.ndarray) -> np.ndarray:
    """History list length a minute: what an open read view still needs is kept; the rest is
    purged at most ``purge`` a minute (so a released ramp drains linearly)."""
    kept = backlog = 0.0
    out = np.zeros(len(writes))
    for minute, (written, rate, held) in enumerate(zip(writes, purge, read_view, strict=True)):
        if held:
            kept += written
        else:
            backlog, kept = backlog + kept + written, 0.0
        backlog = max(backlog - rate, 0.0)
        out[minute] = kept + backlog
    return out


def undo_history_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 5, 5, 10])))
    span = len(grid)
    writes, level = _writes(rng, grid)
    purge = np.full(span, level * rng.uniform(5, 40))
    read_view = np.zeros(span, bool)
    backups = _backups(rng, grid)
    for start, minutes in backups:
        read_view[start:start + minutes] = True
    if rng.random() < 0.6:  # WooCommerce and BI reports: long SELECTs in office hours
        read_view |= spans(rng, office_hour_rows(rng, grid, rng.uniform(0.5, 4)), (2, 30), span)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("stuck_transaction", "backup_overrun", "write_flood",
                                       "purge_stalled"))
    backup_rows = np.searchsorted(at, [start for start, _ in backups])
    snap_onsets(("backup_overrun",), "stuck_transaction", backup_rows[backup_rows < len(at)],
                starts, kinds, len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    minute_of_backup = {int(at[row]): minutes for row, (_, minutes)
                        in zip(backup_rows, backups, strict=True) if row < len(at)}
    _history_anomalies(rng, writes, purge, read_view, minute_of_backup,
                       [int(at[s]) for s in starts], kinds)
    lag = rng.uniform(0.1, 1)  # minutes of writes the purge is always behind
    floor = level * lag * rng.uniform(0.2, 1) * np.exp(0.3 * common.wander(rng, span, DAY))
    history = _history(writes, purge, read_view) + floor + lag * writes * rng.gamma(
        4, 0.25, span)
    return SyntheticSeries(name, stamps, np.round(history[at]), starts, kinds)
