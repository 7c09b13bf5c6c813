"""``synthActiveSites`` and ``synthMalwareFindings`` of the twenty-sixth exam families
(``exam_families_r26``): two counts a hosting platform keeps over all of its sites.

The active sites are a stock: a large number moved a few at a time by signups (live a few
minutes later, when the provisioning queue has built them), cancellations, the nightly
billing run's suspensions and the payments that lift them later, staging copies made and
deleted in office hours, agencies' batches and (for one cluster) moves between clusters.

The malware scanner walks the sites in a fixed order, a batch at a time, and writes a row
when a batch is done: the rows come at irregular times (the day's load and the nights'
backups slow the disks, the scanner is paused now and then) and count the infected or
suspicious files found in that batch. A file left on a site comes back once a pass (every
half day to three days); a site infected between two passes is found when the scanner
reaches it, and quarantined then where the platform quarantines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r13_fleet import count_on_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY
BURN_IN = 14 * DAY  # simulated before a file starts: staging copies and payments running

# ---------------------------------------------------------------- active sites

SITE_KINDS = ("provisioning_stalled", "mass_suspension", "runaway_provisioning", "cleanup_misfire")


def lasting(onset: float, minutes: float, later: float) -> float:
    """Where an anomaly of ``minutes`` from ``onset`` ends: over well before the next one
    starts at ``later`` (within the first 70% of the time between them), so each onset is
    seen against usual values."""
    return min(onset + minutes, onset + 0.7 * (later - onset))


def arrival_times(rng: np.random.Generator, rate: np.ndarray, start: float) -> np.ndarray:
    """Times (minutes) of events arriving ``rate`` a minute, the array starting at ``start``."""
    counts = rng.poisson(np.maximum(rate, 0))
    return np.repeat(np.arange(len(rate)), counts) + rng.random(counts.sum()) + start


def on_grid(times: np.ndarray, span: int) -> np.ndarray:
    """Events a minute: each counted from the first whole minute at or after its time."""
    minutes = np.ceil(times).astype(int)
    return np.bincount(minutes[(minutes >= 0) & (minutes < span)], minlength=span)


def _spread(rng: np.random.Generator, start: float, minutes: float, count: int) -> np.ndarray:
    """``count`` events at a steady rate over ``minutes`` from ``start``."""
    return start + rng.uniform(0, minutes, max(int(count), 0))


class Platform:
    """The sites of a hosting platform (or of one of its clusters) and what moves them:
    ``up`` and ``down`` hold the times of sites going live and going away, ``staging`` the
    (live, deleted) times of staging copies; ``billing`` the minutes of the nightly runs."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, cluster: bool) -> None:
        span = len(grid)
        self.span = span
        clock = grid[0] + pd.to_timedelta(np.arange(-BURN_IN, span), unit="min")
        hours = hour_of_day(clock)
        weekday = np.asarray(clock.day_of_week) < 5
        self.sites = int(np.exp(rng.uniform(np.log(300), np.log(80000))))
        office = 0.15 + daily_cycle(hours, rng.uniform(11, 16), rng.uniform(2.5, 4))
        office = office * np.where(weekday, 1.0, rng.uniform(0.3, 0.7))
        office = office / office.mean()
        signups = rng.uniform(0.0005, 0.005) * self.sites / DAY  # a minute, on average
        churn = signups * rng.uniform(0.4, 0.95)
        drift = np.exp(0.3 * common.wander(rng, len(clock), 3 * DAY))
        created = arrival_times(rng, signups * office * drift, -BURN_IN)
        self.provisioning = rng.uniform(1, 6)  # minutes the queue takes to build a site
        up = [created + rng.lognormal(np.log(self.provisioning), 0.5, len(created))]
        cancelled = rng.uniform(0.3, 0.7)  # of the churn, by the customers themselves
        down = [arrival_times(rng, churn * cancelled * office, -BURN_IN)]
        # the nightly billing run: failed renewals and ended trials suspended, some paid later
        self.run = rng.uniform(5, 30)
        self.billing = common.daily_rows(clock, rng.uniform(0, 7)) - BURN_IN
        paid = rng.uniform(0.2, 0.6)
        nightly = churn * (1 - cancelled) * DAY / (1 - paid)
        for run in self.billing:
            suspended = _spread(rng, run, self.run, rng.poisson(nightly))
            back = suspended[rng.random(len(suspended)) < paid]
            down.append(suspended)
            up.append(back + rng.exponential(rng.uniform(0.5, 3) * DAY, len(back)))
        for batch in office_hour_rows(rng, clock, rng.uniform(0, 0.3)):  # agencies' imports
            up.append(
                _spread(
                    rng,
                    batch - BURN_IN,
                    rng.uniform(20, 120),
                    self.sites * rng.uniform(0.002, 0.02),
                )
            )
        if cluster:  # sites moved onto or off this cluster on some nights
            for night in common.daily_rows(clock, rng.uniform(0, 5)) - BURN_IN:
                if rng.random() < 0.07:
                    moved = _spread(
                        rng, night, rng.uniform(10, 60), self.sites * rng.uniform(0.005, 0.04)
                    )
                    (up if rng.random() < 0.5 else down).append(moved)
        self.up, self.down = np.concatenate(up), np.concatenate(down)
        self.staging = (np.empty(0), np.empty(0))
        if rng.random() < 0.6:  # staging copies: made in office hours, deleted hours later
            made = (
                arrival_times(rng, self.sites * rng.uniform(0.002, 0.02) / DAY * office, -BURN_IN)
                + self.provisioning
            )
            life = rng.lognormal(np.log(rng.uniform(2 * 60, 2 * DAY)), 1, len(made))
            self.staging = (made, made + life)

    def count(self) -> np.ndarray:
        """Sites live at each minute of the file."""
        moves = on_grid(self.up, self.span) - on_grid(self.down, self.span)
        return self.sites + np.cumsum(moves) + count_on_grid(*self.staging, self.span)

    def stall(self, rng: np.random.Generator, onset: int, end: float) -> None:
        """The provisioning queue stuck from ``onset`` to ``end``: nothing goes live, then the
        backlog is built within minutes."""
        drain = rng.uniform(5, 30)
        stuck = (self.up >= onset) & (self.up < end)
        self.up[stuck] = end + rng.uniform(0, drain, stuck.sum())
        made, deleted = self.staging
        stuck = (made >= onset) & (made < end)
        made = np.where(stuck, end + rng.uniform(0, drain, len(made)), made)
        self.staging = (made, np.maximum(deleted, made + 1))


def _site_anomalies(
    rng: np.random.Generator, platform: Platform, onsets: list[int], kinds: list[str]
) -> None:
    span = platform.span
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "provisioning_stalled":  # a queue worker crashed, or the API's token expired
            platform.stall(rng, onset, lasting(onset, rng.uniform(60, DAY), later))
            continue
        over = lasting(onset, np.inf, later)  # what follows is over by then
        if kind == "mass_suspension":  # renewals failing at the payment processor
            hit = platform.sites * rng.uniform(0.03, 0.3)
            platform.down = np.r_[platform.down, _spread(rng, onset, platform.run, hit)]
            restored = onset + rng.uniform(2 * 60, 14 * 60)  # support's script lifts them
            if restored + 30 < over:
                platform.up = np.r_[
                    platform.up,
                    _spread(rng, restored, rng.uniform(5, 30), hit * rng.uniform(0.85, 1)),
                ]
        elif kind == "runaway_provisioning":  # a migration or API client creating in a loop
            made = platform.sites * rng.uniform(0.03, 0.3)
            length = lasting(onset, rng.uniform(30, 6 * 60), later) - onset
            platform.up = np.r_[platform.up, _spread(rng, onset, length, made)]
            removed = onset + length + rng.uniform(60, 2 * DAY)  # the duplicates deleted
            if removed + 60 < over:
                platform.down = np.r_[
                    platform.down, _spread(rng, removed, rng.uniform(10, 60), made)
                ]
        else:  # cleanup_misfire: a cleanup job's filter matching live sites
            lost = platform.sites * rng.uniform(0.02, 0.25)
            platform.down = np.r_[platform.down, _spread(rng, onset, rng.uniform(5, 40), lost)]
            batches = int(rng.integers(3, 11))  # restored from backups, a batch at a time
            times = onset + np.sort(rng.uniform(2 * 60, 3 * DAY, batches))
            sizes = rng.multinomial(int(lost * rng.uniform(0.6, 1)), np.ones(batches) / batches)
            for time, size in zip(times, sizes, strict=True):
                if time + 30 < over:
                    platform.up = np.r_[platform.up, _spread(rng, time, 30, size)]


def active_sites_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    platform = Platform(rng, grid, cluster=name.startswith("cluster_sites"))
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, SITE_KINDS)
    runs = platform.billing[platform.billing >= 0]
    after = np.searchsorted(at, runs)
    fits = after < rows
    after, runs = after[fits], runs[fits]
    runs_seen = after[at[after] - runs < 2 * step]  # the first scrape after a billing run
    snap_onsets(("mass_suspension",), "runaway_provisioning", runs_seen, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [int(at[row]) for row in starts]
    for i, row in enumerate(starts):
        if kinds[i] == "mass_suspension":  # the run's own minute
            onsets[i] = int(runs[np.flatnonzero(after == row)[0]])
    _site_anomalies(rng, platform, onsets, kinds)
    return SyntheticSeries(name, stamps, platform.count()[at].astype(float), starts, kinds)


# ---------------------------------------------------------------- malware findings

MALWARE_KINDS = ("exploit_wave", "account_compromised", "false_positive_signature", "scanner_blind")
SCAN_ROWS = {
    2: (5000, 14000),
    3: (4000, 12000),
    5: (2500, 8000),
    8: (2000, 5000),
    12: (2000, 3500),
}  # a batch's median minutes: rows


class Scanner:
    """The scanner's passes: ``batches`` batches of ``batch_size`` sites a pass in a fixed
    order; each row's batch and the minutes since the file's start when it was done."""

    def __init__(self, rng: np.random.Generator) -> None:
        minutes = int(rng.choice(list(SCAN_ROWS)))
        rows = int(rng.integers(*SCAN_ROWS[minutes]))
        self.batches = max(int(rng.uniform(12 * 60, 3 * DAY) / minutes), 20)
        sites = np.exp(rng.uniform(np.log(3000), np.log(150000)))
        self.batch_size = int(np.clip(sites / self.batches, 20, 200))
        self.sites = self.batches * self.batch_size
        self.offset = int(rng.integers(self.batches))
        first = first_week_minute(rng)
        durations = minutes * rng.lognormal(0, rng.uniform(0.2, 0.5), rows)
        hours = ((first + np.cumsum(durations)) / 60) % 24
        slow = (
            1
            + rng.uniform(0.1, 0.4) * daily_cycle(hours, rng.uniform(11, 16), 3)
            + rng.uniform(0.3, 1) * daily_cycle(hours, rng.uniform(1, 5), 1)
        )  # backups
        durations *= slow / np.median(slow)
        if rng.random() < 0.5:  # paused: the scanner updated or restarted, a host rebooted
            for _ in range(int(rng.integers(1, 4))):
                durations[int(rng.integers(1, rows))] += rng.uniform(15 * minutes, 12 * 60)
        self.done = np.cumsum(np.maximum(durations, 0.25))
        self.stamps = (
            pd.DatetimeIndex(
                common.EPOCH + pd.Timedelta(minutes=first) + pd.to_timedelta(self.done, unit="min")
            )
            .round("s")
            .as_unit("ns")
        )
        self.rows = rows
        self.batch = (np.arange(rows) + self.offset) % self.batches
        self.quarantine = rng.random() < 0.5  # infected files quarantined when found

    def found(
        self,
        batch: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        files: np.ndarray,
        once: np.ndarray,
        blind: np.ndarray,
    ) -> np.ndarray:
        """Files found a row: each finding's ``files`` in ``batch`` from ``start`` to ``end``
        (minutes), whenever the scanner passes it and is not blind; ``once``: gone when
        found (quarantined)."""
        counts = np.zeros(self.rows)
        after = np.searchsorted(self.done, start)
        row = after + (batch - self.offset - after) % self.batches
        pending = np.ones(len(batch), bool)
        while True:
            inside = pending & (row < self.rows)
            inside[inside] &= self.done[row[inside]] < end[inside]
            if not inside.any():
                return counts
            seen = inside & ~blind[np.minimum(row, self.rows - 1)]
            np.add.at(counts, row[seen], files[seen])
            pending = inside & ~(seen & once)
            row = row + self.batches


class Findings:
    """What there is to find: (batch, start, end, files, quarantined when found)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, batch, start, end, files, once) -> None:
        n = len(batch)
        self.parts.append(
            (
                np.asarray(batch),
                np.broadcast_to(start, n).astype(float),
                np.broadcast_to(end, n).astype(float),
                np.asarray(files, float),
                np.broadcast_to(once, n).astype(bool),
            )
        )

    def infections(
        self, rng: np.random.Generator, scanner: Scanner, arrive: np.ndarray, cleaned_days: float
    ) -> None:
        """Sites infected at ``arrive``: a few to hundreds of files each (a web shell, every
        index.php injected), cleaned by their owners days later unless quarantined."""
        n = len(arrive)
        self.add(
            rng.integers(0, scanner.batches, n),
            arrive,
            arrive + rng.exponential(cleaned_days * DAY, n),
            np.ceil(rng.lognormal(0.7, 1.1, n)),
            scanner.quarantine,
        )

    def count(self, scanner: Scanner, blind: np.ndarray) -> np.ndarray:
        if not self.parts:
            return np.zeros(scanner.rows)
        return scanner.found(
            *(np.concatenate(column) for column in zip(*self.parts, strict=True)), blind=blind
        )


def _usual_findings(rng: np.random.Generator, scanner: Scanner) -> tuple[Findings, float]:
    """Suspicious files their owners keep (adminer.php, a nulled theme's obfuscated code:
    reported every pass, never quarantined) and the sites infected now and then."""
    findings = Findings()
    kept = rng.binomial(scanner.sites, rng.uniform(0.0005, 0.01))
    findings.add(
        rng.integers(0, scanner.batches, kept),
        -np.inf,
        np.inf,
        rng.geometric(rng.uniform(0.4, 0.9), kept),
        False,
    )
    span = scanner.done[-1]
    rate = scanner.sites * rng.uniform(0.0002, 0.002) / DAY
    arrive = rng.uniform(-BURN_IN, span, rng.poisson(rate * (span + BURN_IN)))
    cleaned_days = rng.uniform(1, 10)
    findings.infections(rng, scanner, arrive, cleaned_days)
    return findings, cleaned_days


def malware_findings_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    scanner = Scanner(rng)
    rows, done = scanner.rows, scanner.done
    findings, cleaned_days = _usual_findings(rng, scanner)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, MALWARE_KINDS)
    blind, extra = np.zeros(rows, bool), np.zeros(rows)
    normal = findings.count(scanner, blind)
    ends = [*(done[row - 1] for row in starts[1:]), np.inf][: len(starts)]
    for i, (row, later) in enumerate(zip(starts, ends, strict=True)):
        onset = (done[row - 1] + done[row]) / 2  # between the last batch before and this one
        day_before = normal[(done >= done[row] - DAY) & (done < done[row])]
        if kinds[i] == "scanner_blind" and (day_before > 0).mean() < 0.3:
            kinds[i] = "exploit_wave"  # too little found to be missed
        if kinds[i] == "exploit_wave":  # a plugin's hole exploited across the fleet
            infected = rng.binomial(scanner.sites, rng.uniform(0.01, 0.05))
            length = lasting(onset, rng.uniform(6 * 60, 3 * DAY), later) - onset
            findings.infections(
                rng,
                scanner,
                onset + length * rng.beta(1, rng.uniform(1.5, 4), infected),
                cleaned_days,
            )
        elif kinds[i] == "account_compromised":  # a reseller's sites injected file by file
            sites = int(rng.integers(20, 400))
            span = int(np.clip(np.ceil(sites / scanner.batch_size), 1, 40))
            per_batch = [
                np.ceil(
                    rng.lognormal(
                        3, 1, rng.binomial(min(sites, scanner.batch_size), rng.uniform(0.5, 1))
                    )
                ).sum()
                for _ in range(span)
            ]
            findings.add(
                (scanner.batch[row] + np.arange(span)) % scanner.batches,
                onset,
                lasting(onset, rng.uniform(2 * 60, 3 * DAY), later),
                np.maximum(per_batch, 1),
                scanner.quarantine,
            )
        elif kinds[i] == "false_positive_signature":  # a popular plugin's file flagged
            share = min(max(rng.uniform(0.1, 0.5), 3 / scanner.batch_size), 0.9)
            hit = (done >= onset) & (done < lasting(onset, rng.uniform(60, 12 * 60), later))
            extra[hit] += rng.binomial(scanner.batch_size, share, hit.sum()) * int(
                rng.integers(1, 4)
            )
        else:  # scanner_blind: its signatures failed to load, a licence expired
            blind |= (done >= onset) & (done < lasting(onset, rng.uniform(3 * 60, 3 * DAY), later))
    values = findings.count(scanner, blind) + extra
    values[blind] = 0
    return SyntheticSeries(name, scanner.stamps, values, starts, kinds)
