"""``synthConntrack`` and ``synthBannedIps`` of the fourteenth exam families
(``exam_families_r14``): two of the kernel's netfilter tables on a web server. Each entry of
the connection-tracking table lives as long as its connection is open plus the state's
timeout (two minutes of TIME_WAIT after every close, a minute for a half-open SYN, five days
for an established connection nobody closes), so the count is the arrivals smoothed by those
lifetimes and cut at the table's size. Each ban of fail2ban lives exactly its bantime (twice
as long for every repeat with bantime.increment, a week in the recidive jail), so the count
of banned addresses is a sum of boxes: it steps up at each ban and down a bantime later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r13_fleet import count_on_grid
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- connection tracking

TIME_WAIT = 2  # minutes: nf_conntrack_tcp_timeout_time_wait, 120 s
TABLE_SIZES = (65536, 131072, 262144, 524288, 1048576)  # nf_conntrack_max, by the RAM


def tracked(arrivals: np.ndarray, open_minutes: float, resets: list[int]) -> np.ndarray:
    """Entries a minute of connections arriving ``arrivals`` a minute, each open for an
    exponential time of mean ``open_minutes`` and then TIME_WAIT; the table is emptied at
    each of ``resets`` (a reboot)."""
    lag = np.arange(int(TIME_WAIT + 12 * open_minutes) + 2) + 0.5  # arrived mid-minute
    survival = np.exp(-np.maximum(lag - TIME_WAIT, 0) / max(open_minutes, 1e-3))
    span = len(arrivals)
    out = np.zeros(span)
    bounds = [0, *sorted(r for r in resets if 0 < r < span), span]
    for first, last in zip(bounds, bounds[1:], strict=False):
        out[first:last] = np.convolve(arrivals[first:last], survival)[:last - first]
    return out


def _gamma_poisson(rng: np.random.Generator, rate: np.ndarray, shape: float) -> np.ndarray:
    """Arrivals a minute: Poisson with a lumpy (gamma) rate, as visitors and bots come."""
    return rng.poisson(np.maximum(rate, 0) * rng.gamma(shape, 1 / shape, len(rate))
                       ).astype(float)


class Connections:
    """Connections a minute to and from a web server: the visitors' (kept alive for the
    keepalive timeout), PHP's to a remote MySQL or Redis (closed at once, each a TIME_WAIT
    entry), health checks and the agents' steady few, crawls, the nightly backup's uploads."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))  # a campaign or a post going viral
        self.load = load
        self.level = float(np.exp(rng.uniform(np.log(5), np.log(15000))))  # a minute, mean
        self.shape = rng.uniform(4, 30)
        crawls = np.zeros(span)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 2) / DAY):
            crawls[start:start + int(rng.uniform(20, 240))] += rng.uniform(0.1, 1)
        self.clients = self.level * (load + crawls)
        self.keepalive = rng.uniform(0.15, 1.2)  # minutes a client's connection stays open
        misses = rng.uniform(0.05, 0.6)  # requests reaching PHP
        self.backends = self.level * load * misses * float(rng.choice([0, 0, 1, 2, 3]))
        self.backup = np.zeros(span)
        if rng.random() < 0.6:  # uploads of the nightly backup, a connection per part
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.backup[start:start + int(rng.uniform(15, 90))] = rng.uniform(5, 200)
        checks = rng.uniform(2, 30) * int(rng.integers(1, 4))  # health checks a minute
        self.floor = checks * TIME_WAIT + rng.uniform(5, 60)  # agents, ssh, replication
        nights = common.daily_rows(grid, rng.uniform(2, 6))  # kernel updates, some nights
        self.reboots = [int(n) for n in nights[rng.random(len(nights)) < rng.uniform(0, 0.05)]]
        self.up = np.ones(span)
        for reboot in self.reboots:  # down for minutes, then an empty table
            self.up[reboot:reboot + int(rng.uniform(2, 6))] = 0

    def entries(self, rng: np.random.Generator, client_scale: np.ndarray,
                keepalive_off: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """Entries a minute; ``client_scale``: visitors' connections reaching the server;
        ``keepalive_off``: connections per former one where keepalive is off (else 0);
        ``extra``: entries of the anomalies (half-open SYNs, connections never closed)."""
        client_scale = client_scale * self.up
        clients = _gamma_poisson(rng, self.clients * client_scale, self.shape)
        closed_at_once = np.where(keepalive_off > 0, clients * keepalive_off, 0.0)
        clients = np.where(keepalive_off > 0, 0.0, clients)
        backends = _gamma_poisson(rng, self.backends * client_scale, self.shape)
        outbound = rng.poisson(self.backup * self.up).astype(float)
        total = (tracked(clients, self.keepalive, self.reboots)
                 + tracked(backends + outbound + closed_at_once, 0.01, self.reboots))
        return rng.poisson(total + self.floor * self.up).astype(float) + extra


def _conntrack_anomalies(rng: np.random.Generator, conns: Connections, onsets: list[int],
                         kinds: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    span = conns.span
    scale, keepalive_off, extra = np.ones(span), np.zeros(span), np.zeros(span)
    usual = np.median(conns.clients) * (conns.keepalive + TIME_WAIT)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "syn_flood":  # spoofed SYNs, each half-open for a minute
            end = min(later, onset + int(rng.uniform(10, 3 * 60)))
            rate = np.exp(rng.uniform(np.log(5 * usual + 2000), np.log(2e6)))
            ramp = np.minimum((np.arange(end - onset) + 1) / rng.uniform(1, 5), 1)
            extra[onset:end] += rng.poisson(rate * ramp)
        elif kind == "established_leak":  # long-polling clients vanishing without a FIN
            end = min(later, onset + int(rng.uniform(DAY, 4 * DAY)))
            lost = conns.level * conns.load[onset:end] * rng.uniform(0.0005, 0.01)
            extra[onset:end] += np.cumsum(rng.poisson(lost))  # five days' timeout: none expire
        elif kind == "keepalive_off":  # a config change: a connection for every request
            keepalive_off[onset:min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))] = (
                rng.uniform(3, 15))
        else:  # out_of_rotation: the load balancer's health check failing on this node
            scale[onset:min(later, onset + int(rng.uniform(10, 6 * 60)))] = rng.uniform(0, 0.05)
    return scale, keepalive_off, extra


def conntrack_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 2, 5, 5])))
    conns = Connections(rng, grid)
    span = len(grid)
    normal = conns.entries(rng, np.ones(span), np.zeros(span), np.zeros(span))
    fits = [size for size in TABLE_SIZES if size >= 1.5 * normal.max()] or [TABLE_SIZES[-1]]
    table = fits[int(rng.integers(0, min(2, len(fits))))]
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("syn_flood", "established_leak", "keepalive_off",
                                       "out_of_rotation"))
    onsets = [int(at[row]) for row in starts]
    for i, onset in enumerate(onsets):
        before = normal[max(0, onset - 60):onset]
        if kinds[i] == "out_of_rotation" and np.median(before) < 2 * conns.floor:
            kinds[i] = "syn_flood"  # too few visitors' entries to be missed
    entries = np.minimum(conns.entries(rng, *_conntrack_anomalies(rng, conns, onsets, kinds)),
                         table)  # a full table drops new connections
    values = entries[at]
    if name.startswith("conntrack_usage_percent"):
        values = np.round(100 * values / table, 2)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- fail2ban's banned addresses

BURN_IN = 15 * DAY  # bans of up to a week (two in a row) already running when a file starts
BANTIMES = (10, 10, 60, 60, 12 * 60, DAY, 7 * DAY)  # minutes
RECIDIVE = 7 * DAY  # the recidive jail: five bans within a day, banned a week


class Jail:
    """A jail's attackers and its settings: sources arriving a minute (no office hours, a
    level that changes from day to day, a weak day of the botnets' own), the attempts before
    a ban, the bantime (doubled at each repeat with bantime.increment, to a week at most)."""

    def __init__(self, rng: np.random.Generator, minutes: np.ndarray, clock_hours: np.ndarray,
                 level: float) -> None:
        span = len(minutes)
        days = np.repeat(rng.normal(0, rng.uniform(0.2, 0.7), span // DAY + 2), DAY)[:span]
        weak_day = 1 + rng.uniform(0, 0.4) * np.sin(2 * np.pi * (clock_hours
                                                                 - rng.uniform(0, 24)) / 24)
        self.rate = level / DAY * np.exp(days + 0.3 * common.wander(rng, span, 3 * DAY)) * weak_day
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.15) / DAY):
            self.rate[start:start + int(rng.uniform(2 * 60, DAY))] *= rng.uniform(2, 4)  # a wave
        self.bantime = float(rng.choice(BANTIMES))
        self.increment = rng.random() < 0.4
        self.persistence = rng.uniform(0.1, 0.6)  # sources that come back after a ban
        self.return_after = rng.uniform(10, DAY)
        self.attempts_a_minute = np.exp(rng.normal(0, 1))  # against maxretry within findtime
        self.maxretry = int(rng.choice([3, 5, 5, 10]))

    def delay(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Minutes from a source's first attempt to its ban (maxretry attempts)."""
        return self.maxretry / (self.attempts_a_minute * rng.lognormal(0, 0.7, count))

    def bans(self, rng: np.random.Generator, arrivals: np.ndarray, recidive: bool
             ) -> list[np.ndarray]:
        """[banned, unbanned] of each ban of the sources first seen at ``arrivals`` (and of
        their recidive bans)."""
        n = len(arrivals)
        banned, unbanned = [], []
        at, active = arrivals + self.delay(rng, n), np.ones(n, bool)
        loyal = rng.random(n) < self.persistence
        for repeat in range(12):
            length = self.bantime * (2.0 ** repeat if self.increment else 1.0)
            length = min(length, 7 * DAY) if self.increment else length
            banned.append(np.where(active, at, np.nan))
            unbanned.append(np.where(active, at + length, np.nan))
            active &= loyal & (rng.random(n) < 0.8)
            at = at + length + rng.exponential(self.return_after, n) + self.delay(rng, n)
        banned, unbanned = np.array(banned), np.array(unbanned)
        recidives = np.empty(0)
        if recidive:  # the fifth ban within a day: a week in recidive, and the source stops
            fifth = np.full(n, np.nan)
            for repeat in range(4, len(banned)):
                hit = np.isnan(fifth) & (banned[repeat] - banned[repeat - 4] <= DAY)
                fifth[hit] = banned[repeat][hit]
                banned[repeat + 1:, hit] = np.nan
            recidives = fifth[~np.isnan(fifth)]
        keep = ~np.isnan(banned)
        return [np.r_[banned[keep], recidives], np.r_[unbanned[keep], recidives + RECIDIVE]]


def _arrivals(rng: np.random.Generator, rate: np.ndarray, start: float) -> np.ndarray:
    counts = rng.poisson(np.maximum(rate, 0))
    return np.repeat(np.arange(len(rate)), counts) + rng.random(counts.sum()) + start


def banned_ips_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    span = len(grid)
    minutes = np.arange(-BURN_IN, span)
    hours = (hour_of_day(grid[:1])[0] + minutes / 60) % 24
    one_jail = name.startswith("f2b_jail_banned")
    count = 1 if one_jail else int(rng.integers(1, 5))  # sshd, wordpress, nginx-botsearch, ...
    jails = [Jail(rng, minutes, hours, float(np.exp(rng.uniform(np.log(3), np.log(2000)))))
             for _ in range(count)]
    recidive = not one_jail and rng.random() < 0.5
    sources = [_arrivals(rng, jail.rate, -BURN_IN) for jail in jails]
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("botnet_campaign", "jail_broken", "bans_not_expiring",
                                       "fail2ban_down"))
    onsets = [int(at[row]) for row in starts]
    bans = [jail.bans(rng, arrivals, recidive) for jail, arrivals in zip(
        jails, sources, strict=True)]
    main = int(np.argmax([len(b[0]) for b in bans]))

    def shown(ban_sets) -> np.ndarray:
        return sum(count_on_grid(b[0], b[1], span) for b in ban_sets)

    normal = shown(bans)
    down = np.zeros(span, bool)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        usual = float(np.median(normal[max(0, onset - 6 * 60):onset]))
        if kinds[i] in ("jail_broken", "fail2ban_down") and usual < 2:
            kinds[i] = "botnet_campaign"  # nothing banned to lose
        if kinds[i] == "bans_not_expiring" and jails[main].bantime >= 12 * 60:
            kinds[i] = "botnet_campaign"  # bans of a day or a week: nothing would change
        if kinds[i] == "botnet_campaign":  # thousands of addresses, each banned once
            end = min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))
            rise = np.minimum(np.arange(end - onset) / rng.uniform(10, 120), 1)
            rate = max(jails[main].rate.mean(), 0.02) * rng.uniform(10, 100) * rise
            new = _arrivals(rng, rate, onset)
            new = new + jails[main].delay(rng, len(new))
            bans[main][0] = np.r_[bans[main][0], new]
            bans[main][1] = np.r_[bans[main][1], new + jails[main].bantime]
            continue
        end = min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))
        hit = [main] if kinds[i] == "jail_broken" else range(len(bans))
        for j in hit:
            ban, unban = bans[j][0], bans[j][1]
            inside = (ban >= onset) & (ban < end)
            if kinds[i] == "bans_not_expiring":  # bantime -1 until the config is reverted
                bans[j][1] = np.where(inside, np.maximum(unban, end), unban)
            else:  # no new bans: a log moved or reformatted, or fail2ban itself down
                bans[j][0], bans[j][1] = ban[~inside], unban[~inside]
        if kinds[i] == "fail2ban_down":  # the exporter's count 0 until it is restarted
            down[onset:end] = True
    banned = shown(bans)
    restarts = common.daily_rows(grid, rng.uniform(5, 7))  # unattended upgrades
    for restart in restarts[rng.random(len(restarts)) < 0.05]:  # bans restored from the db
        down[restart:restart + int(rng.integers(1, 3))] = True
    banned[down] = 0
    return SyntheticSeries(name, stamps, np.round(banned[at]), starts, kinds)
