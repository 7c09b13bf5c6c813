"""``synthPendingUpdates`` and ``synthSitesDown`` of the thirteenth exam families
(``exam_families_r13``): counts over the fleet of WordPress sites a host manages. Each site
does its own thing at its own times (WordPress looks for updates and applies them twice a day
from the minute it was installed; a site breaks when its owner breaks it), so the fleet's
count moves one site at a time, and moves together only when something they share does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.synthetic import SyntheticSeries, anomaly_count, anomaly_starts

DAY = common.MINUTES_PER_DAY
TWICE_DAILY = DAY / 2  # WordPress's update checks and auto-updates recur every 12 hours
BURN_IN = 21 * DAY  # simulated before the file starts, so it opens on a settled fleet
KEY_SPAN = 1e6  # minutes: more than a simulation spans (one block of sort keys per group)


def next_tick(times, phase, period):
    """The first time at or after ``times`` on the grid ``phase`` + k * ``period`` (inf stays
    inf)."""
    times = np.asarray(times, float)
    finite = np.isfinite(times)
    safe = np.where(finite, times, 0.0)
    return np.where(finite, safe + (phase - safe) % period, np.inf)


class Clock:
    """Hours and weekdays of minutes counted from a grid's first minute (may be negative)."""

    def __init__(self, grid: pd.DatetimeIndex) -> None:
        self.offset = (grid[0] - common.EPOCH).total_seconds() / 60  # the epoch is a Monday

    def hours(self, minutes) -> np.ndarray:
        return ((np.asarray(minutes) + self.offset) % DAY) / 60

    def weekday(self, minutes) -> np.ndarray:
        return ((np.asarray(minutes) + self.offset) // DAY) % 7

    def midnights(self, start: float, end: float) -> np.ndarray:
        return np.arange(float(next_tick(start, -self.offset, DAY)), end, DAY)

    def busy_times(self, rng: np.random.Generator, start: float, end: float, per_day: float,
                   hours: tuple[float, float] = (8, 19), weekend: float = 0.2,
                   off_hours: float = 0.1) -> np.ndarray:
        """Sorted times in [start, end) of events ``per_day`` a day on average, mostly within
        ``hours`` of weekdays (``weekend`` and ``off_hours``: how much rarer elsewhere)."""
        def weight(minutes: np.ndarray) -> np.ndarray:
            hour = self.hours(minutes)
            busy = np.where((hour >= hours[0]) & (hour < hours[1]), 1.0, off_hours)
            return busy * np.where(self.weekday(minutes) >= 5, weekend, 1.0)

        mean = weight(np.arange(0, 7 * DAY, 15.0)).mean()
        count = rng.poisson(per_day / mean * (end - start) / DAY)
        times = rng.uniform(start, end, count)
        return np.sort(times[rng.random(count) < weight(times)])


def count_on_grid(shown: np.ndarray, hidden: np.ndarray, span: int,
                  weight: np.ndarray | None = None) -> np.ndarray:
    """How many of the intervals [shown, hidden) hold at each minute 0 .. span - 1."""
    weight = np.ones(len(shown)) if weight is None else weight
    diff = np.zeros(span + 1)
    np.add.at(diff, np.clip(np.ceil(shown), 0, span).astype(int), weight)
    np.add.at(diff, np.clip(np.ceil(hidden), 0, span).astype(int), -weight)
    return np.cumsum(diff)[:span]


# ---------------------------------------------------------------- updates pending


class UpdateFleet:
    """The sites a host manages: what each has installed, when it looks for updates, when they
    can be applied (its auto-updates, its owner, the host's managed run) and when the
    management dashboard syncs it."""

    def __init__(self, rng: np.random.Generator, clock: Clock, span: int) -> None:
        self.start, self.end = -BURN_IN, float(span)
        self.sites = n = int(np.exp(rng.uniform(np.log(15), np.log(600))))
        plugins = int(rng.integers(40, 200))
        popularity = rng.uniform(0.6, 0.9) * np.arange(1, plugins + 1) ** -rng.uniform(0.3, 0.6)
        self.installed = rng.random((n, plugins + 1)) < np.r_[1.0, popularity]  # 0: WordPress
        self.releases_a_day = np.r_[1 / 40, rng.uniform(1 / 40, 1 / 6, plugins)]
        auto = rng.random((n, plugins + 1)) < rng.uniform(0.2, 0.95)
        auto[:, 0] = rng.random() < 0.7  # minor core releases, unless the host turned them off
        pinned = ~auto & (rng.random((n, plugins + 1)) < rng.uniform(0.03, 0.15))
        # 0: auto-updated; 1: left to the managed run and the owner; 2: the owner's alone
        self.group = np.where(auto, 0, np.where(pinned, 2, 1))
        self.check_phase = rng.uniform(0, TWICE_DAILY, n)
        self.cron_delay = np.exp(rng.uniform(np.log(0.5), np.log(90), n))  # waiting for a visit
        self.sync_every = float(rng.choice([30, 60, 120, 240, 360]))
        self.sync_phase = rng.uniform(0, self.sync_every, n)
        self.passes = self._managed_runs(rng, clock)
        self.keys = self._chances(rng, clock)

    def _managed_runs(self, rng: np.random.Generator, clock: Clock) -> np.ndarray:
        """(sites, runs): when the host's managed-update run reaches each site, once or twice a
        week at a fixed hour, site after site (none in some fleets)."""
        if rng.random() < 0.35:
            return np.empty((self.sites, 0))
        midnights = clock.midnights(self.start, self.end)
        days = rng.choice(5, size=int(rng.integers(1, 3)), replace=False)
        hour = rng.uniform(1, 5) if rng.random() < 0.6 else rng.uniform(9, 11)
        runs = midnights[np.isin(clock.weekday(midnights), days)] + 60 * hour
        order = rng.permutation(self.sites) / self.sites
        return runs[None, :] + order[:, None] * rng.uniform(30, 6 * 60)

    def _chances(self, rng: np.random.Generator, clock: Clock) -> np.ndarray:
        """Sorted keys ``group * KEY_SPAN + minute`` of every chance to apply an update, one
        group per site and way of applying (``group`` above)."""
        n = self.sites
        visits_a_day = np.where(rng.random(n) < 0.3, 0.0,
                                np.exp(rng.uniform(np.log(0.02), np.log(1), n)))
        auto_phase = rng.uniform(0, TWICE_DAILY, n)
        keys = []
        for site in range(n):
            runs = np.arange(float(next_tick(self.start, auto_phase[site], TWICE_DAILY)),
                             self.end, TWICE_DAILY)
            runs += rng.exponential(self.cron_delay[site], len(runs))
            visits = clock.busy_times(rng, self.start, self.end, visits_a_day[site])
            passes = self.passes[site]
            for group, times in enumerate((np.r_[runs, visits, passes], np.r_[visits, passes],
                                           visits)):
                keys.append((3 * site + group) * KEY_SPAN + (times - self.start))
        return np.sort(np.concatenate(keys))

    def first_chance(self, group: np.ndarray, times: np.ndarray) -> np.ndarray:
        """The first chance of each ``group`` at or after ``times`` (inf if none)."""
        wanted = group * KEY_SPAN + (times - self.start)
        index = np.searchsorted(self.keys, wanted)
        found = self.keys[np.minimum(index, len(self.keys) - 1)]
        ok = (index < len(self.keys)) & (found < (group + 1) * KEY_SPAN)
        return np.where(ok, found - group * KEY_SPAN + self.start, np.inf)

    def releases(self, rng: np.random.Generator, clock: Clock, plugin: int | None = None,
                 at: float | None = None) -> tuple[np.ndarray, ...]:
        """(site, plugin, released, WP-cron's delay) of each release on each site that has it:
        every plugin's releases (vendors' working days), or one release of ``plugin`` at
        ``at``."""
        parts = []
        for index, per_day in enumerate(self.releases_a_day):
            if plugin is not None and index != plugin:
                continue
            released = np.array([at]) if plugin is not None else clock.busy_times(
                rng, self.start, self.end, per_day, hours=(7, 21), weekend=0.3, off_hours=0.2)
            sites = np.flatnonzero(self.installed[:, index])
            parts.append((np.repeat(sites, len(released)), np.full(len(sites) * len(released),
                                                                    index),
                          np.tile(released, len(sites))))
        site, plugin_of, released = (np.concatenate(column) for column in zip(*parts, strict=True))
        return site, plugin_of, released, rng.exponential(self.cron_delay[site])

    def pending(self, pairs: tuple[np.ndarray, ...], blocks: list[tuple]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(site, shown, hidden) of each pending update as the dashboard shows it. ``blocks``:
        (start, end, sites hit, plugin hit or -1, checks fail too): no update is applied there
        (and with the checks failing, none found)."""
        site, plugin, released, delay = pairs
        group = 3 * site + self.group[site, plugin]
        found = next_tick(released, self.check_phase[site], TWICE_DAILY) + delay
        cleared = self.first_chance(group, released)
        for start, end, sites_hit, plugin_hit, checks_fail in sorted(blocks, key=lambda b: b[0]):
            hit = sites_hit[site] & ((plugin == plugin_hit) | (plugin_hit < 0))
            if checks_fail:
                late = hit & (found >= start) & (found < end)
                found[late] = next_tick(end, self.check_phase[site[late]], TWICE_DAILY) + delay[
                    late]
            held = hit & (cleared >= start) & (cleared < end)
            cleared[held] = self.first_chance(group[held], np.full(held.sum(), end))
        # a newer release found while one is pending is the same pending update
        order = np.lexsort((found, cleared, plugin, site))
        site, plugin, found, cleared = site[order], plugin[order], found[order], cleared[order]
        first = np.r_[True, (site[1:] != site[:-1]) | (plugin[1:] != plugin[:-1])
                      | (cleared[1:] != cleared[:-1])]
        keep = first & (cleared > found)
        site, found, cleared = site[keep], found[keep], cleared[keep]
        phase = self.sync_phase[site]
        return (site, next_tick(found, phase, self.sync_every),
                next_tick(cleared, phase, self.sync_every))

    def synced(self, times: float, sites: np.ndarray) -> np.ndarray:
        return next_tick(np.full(len(sites), times), self.sync_phase[sites], self.sync_every)


def _onboarded(rng: np.random.Generator, clock: Clock, fleet: UpdateFleet
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shown, hidden, count) of the backlog each newly onboarded site arrives with, cleared by
    the next managed run or by the onboarding team within days."""
    joins = clock.busy_times(rng, fleet.start, fleet.end, rng.uniform(0.05, 0.4), weekend=0.1)
    backlog = np.round(rng.lognormal(np.log(8), 0.8, len(joins))) + 1
    runs = np.r_[fleet.passes.min(axis=0, initial=np.inf), np.inf]  # when each run starts
    team = joins + rng.uniform(60, 3 * DAY, len(joins))
    cleared = runs[np.searchsorted(runs, joins)]
    cleared = np.minimum(cleared + rng.uniform(0, 60, len(joins)), team)
    phase = rng.uniform(0, fleet.sync_every, len(joins))
    return (next_tick(joins, phase, fleet.sync_every),
            next_tick(cleared, phase, fleet.sync_every), backlog)


def _updates_count(fleet: UpdateFleet, pairs: tuple[np.ndarray, ...], blocks: list[tuple],
                   cuts: list[tuple], joins: tuple[np.ndarray, ...], span: int) -> np.ndarray:
    """Updates pending a minute on the dashboard; ``cuts``: (sites, start, end) the dashboard
    lost touch with (their pending updates not counted meanwhile)."""
    site, shown, hidden = fleet.pending(pairs, blocks)
    for sites_cut, start, end in cuts:
        hit = sites_cut[site]
        first, last = fleet.synced(start, site[hit]), fleet.synced(end, site[hit])
        before, after = (shown[hit], np.minimum(hidden[hit], first)), (
            np.maximum(shown[hit], last), hidden[hit])
        shown = np.r_[shown[~hit], before[0], after[0]]
        hidden = np.r_[hidden[~hit], before[1], after[1]]
        site = np.r_[site[~hit], site[hit], site[hit]]
    keep = hidden > shown
    return count_on_grid(shown[keep], hidden[keep], span) + count_on_grid(
        joins[0], joins[1], span, joins[2])


def pending_updates_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([2, 5, 5, 10, 15])))
    span = len(grid)
    clock = Clock(grid)
    fleet = UpdateFleet(rng, clock, span)
    pairs = fleet.releases(rng, clock)
    joins = _onboarded(rng, clock, fleet)
    normal = _updates_count(fleet, pairs, [], [], joins, span)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("auto_updates_failing", "update_checks_blocked",
                                       "license_lapsed", "sites_disconnected"))
    everyone = np.ones(fleet.sites, bool)
    popular = np.flatnonzero(fleet.installed[:, 1:].sum(axis=0) >= max(3, 0.15 * fleet.sites))
    blocks, cuts = [], []
    onsets = [int(at[row]) for row in starts]
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span), strict=True)):
        if kinds[i] == "sites_disconnected" and normal[onset] < 10:
            kinds[i] = "auto_updates_failing"  # nothing to lose from the count
        if kinds[i] == "license_lapsed" and not len(popular):
            kinds[i] = "auto_updates_failing"
        if kinds[i] == "auto_updates_failing":  # files owned by root after a hardening script
            sites = rng.random(fleet.sites) < rng.uniform(0.3, 1)
            blocks.append((onset, min(later, onset + rng.uniform(DAY, 4 * DAY)), sites, -1,
                           False))
        elif kinds[i] == "update_checks_blocked":  # api.wordpress.org unreachable
            blocks.append((onset, min(later, onset + rng.uniform(DAY / 2, 3 * DAY)), everyone,
                           -1, True))
        elif kinds[i] == "license_lapsed":  # a premium plugin's release that cannot be applied
            plugin = 1 + int(rng.choice(popular))
            extra = fleet.releases(rng, clock, plugin, float(onset))
            pairs = tuple(np.r_[old, new] for old, new in zip(pairs, extra, strict=True))
            blocks.append((onset, min(later, onset + rng.uniform(2 * DAY, 6 * DAY)), everyone,
                           plugin, False))
        else:  # sites_disconnected: the dashboard's connector lost on a share of the sites
            sites = rng.random(fleet.sites) < rng.uniform(0.3, 0.8)
            cuts.append((sites, onset, min(later, onset + rng.uniform(3 * 60, 2 * DAY))))
    count = _updates_count(fleet, pairs, blocks, cuts, joins, span)
    return SyntheticSeries(name, stamps, np.round(count[at]), starts, kinds)


# ---------------------------------------------------------------- sites down


class Outages:
    """Episodes of single sites failing their checks: [start, end) minutes."""

    def __init__(self) -> None:
        self.start: list[np.ndarray] = []
        self.end: list[np.ndarray] = []

    def add(self, start: np.ndarray, end: np.ndarray) -> None:
        self.start.append(np.asarray(start, float))
        self.end.append(np.asarray(end, float))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.start), np.concatenate(self.end)


def _usual_outages(rng: np.random.Generator, clock: Clock, grid: pd.DatetimeIndex, sites: int,
                   every: float) -> Outages:
    """Slow responses at the peaks (a check or two), owners breaking their sites in office
    hours (minutes to days), sites left broken until they are removed (expired domains, DNS
    moved away), the weekly rolling reboots of the servers, the monitor's own glitches."""
    span = len(grid)
    outages = Outages()
    load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, DAY))
    blips = rng.poisson(sites * rng.uniform(0.005, 0.05) / DAY * load)
    start = np.repeat(np.arange(span), blips) + rng.random(blips.sum())
    outages.add(start, start + rng.exponential(rng.uniform(1, 4) * every, len(start)))
    broken = clock.busy_times(rng, -7 * DAY, span, sites * rng.uniform(0.002, 0.01))
    outages.add(broken, broken + np.minimum(rng.lognormal(np.log(rng.uniform(20, 60)), 1.2,
                                                          len(broken)), 7 * DAY))
    left = rng.uniform(-30 * DAY, span, rng.poisson(sites * rng.uniform(1e-3, 4e-3) * (
        span / DAY + 30)))
    outages.add(left, left + rng.lognormal(np.log(rng.uniform(2, 6) * DAY), 0.8, len(left)))
    if rng.random() < 0.5 and sites > 1:
        per_server = int(rng.integers(20, 150))
        servers = int(np.ceil(sites / per_server))
        midnights = clock.midnights(0, span)
        day = int(rng.integers(0, 5))
        for night in midnights[clock.weekday(midnights) == day] + 60 * rng.uniform(1, 4):
            for server in range(servers):
                begin = night + server * rng.uniform(5, 15)
                count = min(per_server, sites - server * per_server)
                outages.add(np.full(count, begin), begin + rng.uniform(2, 8) + rng.uniform(
                    0, 2, count))
    glitches = rng.uniform(0, span, rng.poisson(rng.uniform(0.05, 0.3) * span / DAY))
    for glitch in glitches:  # the monitor's own network: one check fails for many sites
        count = int(sites * rng.uniform(0.02, 0.15))
        outages.add(np.full(count, glitch), np.full(count, glitch + every / 2))
    return outages


def _seen_down(rng: np.random.Generator, outages: Outages, every: float, confirm: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """[from, to) each episode counts as down: from the ``confirm``-th failed check of its site
    (each site checked every ``every`` minutes at its own phase) to the first check passed."""
    start, end = outages.arrays()
    phase = rng.uniform(0, every, len(start))
    confirmed = next_tick(start, phase, every) + (confirm - 1) * every
    recovered = next_tick(end, phase, every)
    seen = confirmed < end
    return confirmed[seen], recovered[seen]


def _fleet_anomaly(rng: np.random.Generator, kind: str, onset: int, later: int, sites: int,
                   outages: Outages) -> None:
    if kind == "server_down":  # every site on it, back one by one as PHP and MySQL start
        count = max(3, int(sites * rng.uniform(0.02, 0.25)))
        end = onset + min(later - onset, rng.uniform(10, 4 * 60))
        outages.add(np.full(count, float(onset)), end + rng.exponential(rng.uniform(1, 10),
                                                                        count))
    elif kind == "dns_outage":  # failing as each resolver's cached record runs out
        count = max(3, int(sites * rng.uniform(0.3, 1)))
        ttl = float(rng.choice([5, 10, 30, 60]))
        end = onset + min(later - onset, rng.uniform(20, 3 * 60))
        start = onset + np.r_[0, rng.uniform(0, ttl, count - 1)]
        outages.add(start, np.maximum(end + rng.uniform(0, rng.uniform(1, 15), count),
                                      start + 1))
    else:  # bad_update_rollout: sites break at their own auto-update time until a rollback
        count = max(3, int(sites * rng.uniform(0.1, 0.6)))
        rollback = onset + min(later - onset, rng.uniform(60, 10 * 60))
        start = onset + np.r_[0, rng.uniform(0, TWICE_DAILY, count - 1)]
        start = start[start < rollback]
        outages.add(start, rollback + rng.uniform(0, 30, len(start)))


def sites_down_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    span = len(grid)
    clock = Clock(grid)
    sites = int(np.exp(rng.uniform(np.log(30), np.log(3000))))
    every = float(rng.choice([1, 1, 2, 3, 5]))  # minutes between checks of a site
    confirm = int(rng.choice([1, 2, 2, 3]))  # failed checks before a site counts as down
    usual = _seen_down(rng, _usual_outages(rng, clock, grid, sites, every), every, confirm)
    normal = count_on_grid(*usual, span)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("server_down", "dns_outage", "bad_update_rollout",
                                       "monitoring_paused"))
    onsets = [int(at[row]) for row in starts]
    pauses, outages = [], Outages()
    outages.add(np.empty(0), np.empty(0))
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span), strict=True)):
        if kinds[i] == "monitoring_paused" and np.median(normal[max(0, onset - 360):onset]) < 2:
            kinds[i] = "server_down"  # nothing down to hide
        if kinds[i] == "monitoring_paused":  # a bulk edit pausing most sites' checks
            pauses.append((onset, onset + min(later - onset, rng.uniform(3 * 60, 3 * DAY)),
                           rng.uniform(0.8, 1)))
        else:
            _fleet_anomaly(rng, kinds[i], onset, later, sites, outages)
    shown, hidden = (np.r_[old, new] for old, new in zip(
        usual, _seen_down(rng, outages, every, confirm), strict=True))
    for start, end, share in pauses:
        hit = rng.random(len(shown)) < share
        shown = np.r_[shown[~hit], shown[hit], np.maximum(shown[hit], end)]
        hidden = np.r_[hidden[~hit], np.minimum(hidden[hit], start), hidden[hit]]
    keep = hidden > shown
    down = count_on_grid(shown[keep], hidden[keep], span)[at]
    if name.startswith("uptime_sites_up_percent"):  # the dashboard's share of sites up
        values = np.round(100 * (sites - np.minimum(down, sites)) / sites, 2)
    else:
        values = down
    return SyntheticSeries(name, stamps, values, starts, kinds)
