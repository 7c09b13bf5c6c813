"""Thirteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: an inventory over a fleet (each
site adds to it at its own twice-daily check after a vendor's release and takes from it when
it applies the update, the host's weekly run takes from all of them in turn), a birth-death
count of sites down (independent episodes of heavy-tailed length, plus the pulses of what
sites share), files that only grow, in fixed extents, to the largest their tables ever held
(so a table that empties every day grows only on its busiest days) and shrink only when
rebuilt, and a sum of steps ended by a fixed timeout or cut short by a failing step.

- ``synthPendingUpdates``: updates (plugins, themes, WordPress itself) pending over the sites a
  host manages, as its management dashboard shows them, every 2-15 minutes
  (``exam_r13_fleet``). Normal: vendors' releases on their working days, found by each site
  that has the plugin at its own twice-daily check (WP-cron waiting for a visitor on quiet
  sites) and shown when the dashboard next syncs that site (every 30 minutes to 6 hours), so
  a popular release climbs over half a day; auto-updated plugins applied at the site's next
  auto-update run, the others by the host's weekly managed run (site after site over minutes
  to hours; none in some fleets) or by their owners in office hours, pinned ones only by the
  owners; a minor core release now and then; new sites onboarded with their backlog.
  Anomalies: auto-updates failing on many sites (files owned by root after a hardening
  script: pending updates pile up for days), update checks blocked (api.wordpress.org
  unreachable: the count frozen, then a catch-up), a premium plugin's license lapsed (its
  release stays pending on every site that has it), sites disconnected from the dashboard
  (their pending updates leave the count for hours to days).
- ``synthSitesDown``: sites of a fleet failing their uptime checks (a count, or the share of
  sites up), every 1-5 minutes (``exam_r13_fleet``). Normal: slow responses at the peaks (a
  check or two; confirmed only after 1-3 failed checks), owners breaking their own sites in
  office hours (minutes to days), sites left broken until removed (expired domains, DNS
  moved away; days), the weekly rolling reboot of the servers in some fleets (each server's
  sites down for minutes, one server after another), the monitor's own glitches (many sites
  failing one check). Anomalies: a server down (its sites, for minutes to hours, back one by
  one), a DNS outage (sites failing as each resolver's cached record runs out, back within
  the negative-cache time), a bad plugin update rolling out (sites breaking at their own
  auto-update time until the host rolls it back), monitoring paused for most sites (the
  usual few down sites vanish for hours to days).
- ``synthDatabaseSize``: the size on disk of a WordPress database (du of its directory, MB)
  or of the whole MySQL datadir with its binary logs (MB or GB), every 2-15 minutes. Normal:
  posts, orders and their meta growing with editors and visitors; tables of rows that expire
  (WooCommerce sessions, transients, Action Scheduler's done actions, a plugin's 404 log)
  whose files grow only on days busier than any before; files extended 1 MB at a time, 4 MB
  beyond 32 MB; a weekly OPTIMIZE shrinking some tables to what they hold; ALTER TABLE at
  plugin updates (a temporary copy, then a compact table); binary logs rotated at their
  size or by the nightly backup and purged after 1-7 days (a nightly drop). Anomalies:
  logging run away (a plugin writing a row per request: steep growth for hours to days),
  cleanup stopped (WP-cron off after a migration: the expiring tables grow every day from
  now on), a table dropped (an uninstall routine or a bad migration: a sudden drop), a
  restore from last night's backup (tables re-imported one by one: a dip, then compact
  files; the import's binary log in the datadir).
- ``synthTransactionCheck``: milliseconds (or seconds) of a synthetic checkout run by a
  headless browser every 1-15 minutes: home, product, add to cart, cart, checkout, capped at
  the run's timeout. Normal: cached pages fast and the uncached steps slower at the peaks and
  in the nightly backup, cache misses after purges and at night, a slow runner now and then,
  a rare run at the timeout or cut short by a flaky step, lasting small changes at deploys.
  Anomalies: a third-party script hanging at checkout (runs at the timeout for hours), add
  to cart broken (runs end at that step: shorter, or held by the assertion's timeout), the
  page cache bypassed (every page through PHP), autoloaded options bloating (uncached steps
  slower every hour from now on).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r13_fleet import pending_updates_series, sites_down_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
)

EXAM_FAMILIES_R13 = ("synthPendingUpdates", "synthSitesDown", "synthDatabaseSize",
                     "synthTransactionCheck")
FILES_PER_FAMILY = {"synthPendingUpdates": 9, "synthSitesDown": 9, "synthDatabaseSize": 9,
                    "synthTransactionCheck": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthPendingUpdates": frozenset({"auto_updates_failing", "update_checks_blocked",
                                      "license_lapsed", "sites_disconnected"}),
    "synthSitesDown": frozenset({"server_down", "dns_outage", "bad_update_rollout",
                                 "monitoring_paused"}),
    "synthDatabaseSize": frozenset({"logging_runaway", "cleanup_stopped", "table_dropped",
                                    "restored_from_backup"}),
    "synthTransactionCheck": frozenset({"third_party_hang", "cart_broken", "cache_bypassed",
                                        "autoload_bloat"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- database size on disk

BURN_IN = 32 * DAY  # a month of history: the expiring tables and binary logs settled


def extents(mb: np.ndarray) -> np.ndarray:
    """A tablespace file holding ``mb``: 1 MB extents, 4 MB at a time beyond 32 MB (an empty
    table's file is 0.1 MB)."""
    return np.where(mb <= 0, 0.1, np.where(mb < 32, np.ceil(mb), 4 * np.ceil(mb / 4)))


def _before(cumulative: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """What was written up to and including each of ``minutes`` (nothing before minute 0)."""
    minutes = np.asarray(minutes)
    index = np.clip(minutes, 0, len(cumulative) - 1).astype(int)
    return np.where(minutes >= 0, cumulative[index], 0.0)


class Table:
    """A table's rows (MB written a minute; rows older than ``lifetime`` deleted at each of
    ``cleanups``) and its file, which grows to the most it ever held and shrinks only when the
    table is rebuilt."""

    def __init__(self, written: np.ndarray, base: float = 0.0, lifetime: float = np.inf,
                 cleanups: np.ndarray | None = None) -> None:
        self.written, self.base, self.lifetime = written, base, lifetime
        self.cleanups = np.empty(0) if cleanups is None else cleanups
        self.rebuilds: list[int] = []
        self.dropped: int | None = None
        self.restored: tuple[int, int, int] | None = None  # (import starts, ends, backup)

    def held(self) -> np.ndarray:
        """MB of rows at each minute."""
        span = len(self.written)
        cumulative = np.cumsum(self.written)
        minute = np.arange(span)
        kept_from = np.full(span, -1.0)  # rows written after this minute are still there
        if np.isfinite(self.lifetime) and len(self.cleanups):
            last = np.searchsorted(self.cleanups, minute, side="right") - 1
            kept_from = np.where(last >= 0, self.cleanups[np.maximum(last, 0)] - self.lifetime,
                                 -1.0)
        base = np.full(span, self.base)
        if self.dropped is not None:
            gone = minute >= self.dropped
            kept_from[gone] = np.maximum(kept_from[gone], self.dropped)
            base[gone] = 0.0
        kept_from = np.floor(kept_from)
        rows = base + cumulative - _before(cumulative, kept_from)
        if self.restored is not None:  # what was written since the backup is lost
            start, _, backup = self.restored
            after = minute >= start
            lost = cumulative[start] - _before(cumulative, np.maximum(backup, kept_from[after]))
            rows[after] -= np.maximum(lost, 0)
        return np.maximum(rows, 0)

    def file(self) -> np.ndarray:
        held = self.held()
        size = np.empty(len(held))
        bounds = [0, *sorted({r for r in self.rebuilds if 0 < r < len(held)}), len(held)]
        for first, last in zip(bounds, bounds[1:], strict=False):
            size[first:last] = np.maximum.accumulate(held[first:last])
        size = extents(size)
        if self.restored is not None:  # dropped and re-imported row by row
            start, end, _ = self.restored
            size[start:end] = np.linspace(0.1, size[min(end, len(size) - 1)], end - start)
        return size


def _daily(grid: pd.DatetimeIndex, hour: float, every: float = DAY) -> np.ndarray:
    """Minutes of a job run every ``every`` minutes from ``hour`` o'clock."""
    first = int(common.daily_rows(grid, hour)[0])
    return np.arange(first % every, len(grid), every)


def _site_tables(rng: np.random.Generator, grid: pd.DatetimeIndex) -> tuple[dict, np.ndarray]:
    """({name: Table}, visitors a minute, mean 1) of a WordPress site's database."""
    span = len(grid)
    visitors = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
    for start in office_hour_rows(rng, grid, rng.uniform(0, 0.1)):  # a sale or a campaign
        visitors[start:start + int(rng.uniform(6 * 60, DAY))] *= rng.uniform(1.5, 4)
    hours = np.asarray(grid.hour)
    editors = ((np.asarray(grid.day_of_week) < 5) & (hours >= 9) & (hours < 18)).astype(float)
    content = float(np.exp(rng.uniform(np.log(80), np.log(8000))))
    orders = rng.uniform(0, 1)
    growth = content * rng.uniform(0.001, 0.01) / DAY * (
        orders * visitors + (1 - orders) * editors / editors.mean())
    tables = {"content": Table(growth * rng.gamma(2, 0.5, span), base=content)}

    def expiring(name: str, share: tuple[float, float], lifetime: float, cleanups: np.ndarray,
                 busy: np.ndarray) -> None:
        held = content * rng.uniform(*share)  # MB of rows alive when it runs steadily
        tables[name] = Table(held / lifetime * busy, base=rng.uniform(0.1, 3),
                             lifetime=lifetime, cleanups=cleanups)

    if rng.random() < 0.7:  # WooCommerce sessions, two days; its cleanup twice a day
        expiring("sessions", (0.01, 0.15), 2 * DAY, _daily(grid, rng.uniform(0, 12), DAY / 2),
                 visitors)
    expiring("transients", (0.005, 0.05), float(rng.choice([12 * 60, DAY, 7 * DAY])),
             _daily(grid, rng.uniform(0, 24)), 0.5 + 0.5 * visitors)
    if rng.random() < 0.6:  # Action Scheduler keeps done actions a month (or a week)
        expiring("actions", (0.02, 0.3), float(rng.choice([7, 30, 30])) * DAY,
                 _daily(grid, rng.uniform(0, 1), 60), 0.5 + 0.5 * visitors)
    if rng.random() < 0.4:  # a redirection or security plugin logging 404s and visits
        expiring("log", (0.02, 0.4), float(rng.choice([7, 14, 30])) * DAY,
                 _daily(grid, rng.uniform(0, 24)), 0.3 + 0.7 * visitors)
    return tables, visitors


def _maintenance(rng: np.random.Generator, grid: pd.DatetimeIndex, tables: dict) -> np.ndarray:
    """A weekly OPTIMIZE of the expiring tables (and the content in some), ALTER TABLE at
    plugin updates; returns the MB of the ALTERs' temporary copies a minute."""
    copies = np.zeros(len(grid))
    if rng.random() < 0.4:
        optimized = [name for name in tables if name != "content" or rng.random() < 0.5]
        nights = common.daily_rows(grid, rng.uniform(1, 5))
        weekly = nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]
        for name in optimized:
            tables[name].rebuilds += [int(night) for night in weekly]
    held = {name: table.held() for name, table in tables.items()}
    for start in office_hour_rows(rng, grid, rng.uniform(0.02, 0.1)):
        name = str(rng.choice(list(tables)))
        size = held[name][start]
        minutes = max(1, int(size / rng.uniform(20, 100)))  # copied at 20-100 MB a minute
        copies[start:start + minutes] += np.linspace(0, size, minutes)[:len(grid) - start]
        tables[name].rebuilds.append(start + minutes)
    return copies


class BinaryLogs:
    """MB of binary logs a minute: row images of every write and the sessions' updates,
    rotated at ``max_binlog_size`` or by the nightly backup's --flush-logs, files older than
    the expiry purged at each rotation."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, written: np.ndarray,
                 visitors: np.ndarray) -> None:
        self.per_write = rng.uniform(1, 3)
        self.updates = visitors * written.mean() * rng.uniform(0.2, 3)
        self.largest = float(rng.choice([100, 256, 512, 1024]))
        self.expiry = float(rng.choice([1, 2, 3, 7])) * DAY
        self.flushes = _daily(grid, rng.uniform(0, 5)) if rng.random() < 0.6 else np.empty(0)

    def size(self, written: np.ndarray) -> np.ndarray:
        total = np.cumsum(written * self.per_write + self.updates)
        closed: list[tuple[int, int]] = []
        changed, oldest = [0], [0]  # from which minute on, the oldest file kept starts where
        current = 0
        while True:
            by_size = int(np.searchsorted(total, total[current] + self.largest))
            later = self.flushes[self.flushes > current]
            rotated = min(by_size, int(later[0]) if len(later) else len(total))
            if rotated >= len(total):
                break
            closed.append((current, rotated))
            current = rotated
            while closed and closed[0][1] < rotated - self.expiry:
                closed.pop(0)
            changed.append(rotated)
            oldest.append(closed[0][0] if closed else current)
        kept_from = np.asarray(oldest)[np.searchsorted(changed, np.arange(len(total)),
                                                       "right") - 1]
        return total - _before(total, kept_from - 1)


def _db_anomaly(rng: np.random.Generator, kind: str, onset: int, end: int, tables: dict,
                backups: np.ndarray, visitors: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Applies one anomaly to ``tables``; returns MB a minute it writes to the binary log."""
    logged = np.zeros(len(visitors))
    if kind == "logging_runaway":  # a row per request (and the bots' requests)
        tables_size = sum(table.file()[onset] for table in tables.values())
        rate = max(tables_size * rng.uniform(0.1, 0.6), 100) / DAY * (0.3 + 0.7 * visitors)
        if "log" not in tables:
            tables["log"] = Table(np.zeros(len(visitors)), base=0.1)
        tables["log"].written = tables["log"].written.copy()
        tables["log"].written[onset:end] += rate[onset:end]
        logged[onset:end] = rate[onset:end]
    elif kind == "cleanup_stopped":  # WP-cron off: nothing expires any more
        for table in tables.values():
            table.cleanups = table.cleanups[table.cleanups < onset]
    elif kind == "table_dropped":
        sizes = {name: table.file()[onset] for name, table in tables.items()}
        big = [name for name, size in sizes.items() if size >= 0.1 * total[onset]]
        dropped = tables[str(rng.choice(big))]
        dropped.dropped = onset
        dropped.rebuilds.append(onset)  # created again, empty
    else:  # restored_from_backup: each table dropped and re-imported in turn
        backup = int(backups[backups < onset][-1]) if (backups < onset).any() else 0
        start, span = onset, len(visitors)
        for name in rng.permutation(list(tables)):
            if start >= span - 1:  # still importing when the file ends
                break
            table = tables[name]
            held = table.held()[start]
            minutes = max(2, int(held / rng.uniform(20, 80)))
            table.restored = (start, min(start + minutes, span - 1), backup)
            table.rebuilds.append(table.restored[1])
            if rng.random() < 0.7:  # the import's statements binary-logged too
                logged[start:start + minutes] += held / minutes
            start += minutes
    return logged


def _database_total(tables: dict, copies: np.ndarray) -> np.ndarray:
    return sum(table.file() for table in tables.values()) + copies


def database_size_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([2, 5, 5, 10, 15])))
    history = pd.date_range(end=grid[0], periods=BURN_IN + 1, freq="min")[:-1]
    full = history.append(grid)
    at = at + BURN_IN
    tables, visitors = _site_tables(rng, full)
    copies = _maintenance(rng, full, tables)
    datadir = name.startswith("mysql_datadir")
    system = rng.uniform(150, 2200) if datadir else 0.0  # ibdata, redo and undo logs, mysql
    backups = common.daily_rows(full, rng.uniform(0, 5))
    written = sum(table.written for table in tables.values())
    binary_logs = BinaryLogs(rng, full, written, visitors) if datadir else None
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("logging_runaway", "cleanup_stopped", "table_dropped",
                                       "restored_from_backup"), once="cleanup_stopped")
    onsets = [int(at[row]) for row in starts]
    logged = np.zeros(len(full))

    def total() -> np.ndarray:
        size = _database_total(tables, copies) + system
        if binary_logs:
            size = size + binary_logs.size(sum(t.written for t in tables.values()) + logged)
        return size

    ends = common.next_onsets(onsets, len(full))
    for i, (onset, later) in enumerate(zip(onsets, ends, strict=True)):
        expiring = sum(t.written[onset - DAY:onset].sum() for n, t in tables.items()
                       if n != "content")
        so_far = total()
        if kinds[i] == "cleanup_stopped" and expiring < 0.01 * so_far[onset]:
            kinds[i] = "logging_runaway"  # too little expires for it to show
        if kinds[i] == "table_dropped" and max(t.file()[onset] for t in tables.values()) < (
                0.1 * so_far[onset]):
            kinds[i] = "logging_runaway"  # no table big enough to be missed
        end = min(later, onset + int(rng.uniform(6 * 60, 2 * DAY)))
        logged += _db_anomaly(rng, kinds[i], onset, end, tables, backups, visitors, so_far)
    size = total()[at]
    values = np.round(size / 1024, 2) if datadir and rng.random() < 0.5 else np.ceil(size)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- synthetic checkout


class Checkout:
    """The steps of a scripted checkout at each run: cached pages (a page-cache hit, then the
    browser's rendering and third-party scripts) and uncached ones (PHP's time, slower with
    the load), in milliseconds."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, at: np.ndarray) -> None:
        runs = len(at)
        load = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, len(grid), DAY))
        self.load = load[at]
        self.php = (1 + rng.uniform(0.1, 0.8) * load) * self._slow_hours(rng, grid)
        self.php = self.php[at] * self._changes(rng, grid, at)
        self.php_ms = {"home": rng.uniform(300, 1500), "product": rng.uniform(300, 1500),
                       "add_to_cart": rng.uniform(150, 900), "cart": rng.uniform(300, 1500),
                       "checkout": rng.uniform(450, 2500)}
        render = rng.uniform(400, 2500)
        self.front_ms = {"home": render, "product": render * rng.uniform(0.8, 1.5),
                         "add_to_cart": rng.uniform(50, 300), "cart": render * 0.7,
                         "checkout": render * rng.uniform(0.8, 1.2)}
        self.third_party = rng.uniform(200, 1500) * rng.lognormal(0, 0.5, runs)
        self.hit_ms = rng.uniform(20, 150)
        self.sigma = rng.uniform(0.1, 0.3)
        self.overhead = rng.uniform(300, 1500) * rng.lognormal(0, 0.2, runs)
        self.missed = self._misses(rng, grid, at, load)
        self.extra = np.where(rng.random(runs) < 0.01, rng.uniform(1000, 6000, runs), 0)

    @staticmethod
    def _slow_hours(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
        slow = np.ones(len(grid))
        if rng.random() < 0.7:  # the nightly backup competing for the disk and the database
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                slow[start:start + int(rng.uniform(30, 90))] *= rng.uniform(1.3, 2.5)
        return slow

    @staticmethod
    def _changes(rng: np.random.Generator, grid: pd.DatetimeIndex, at: np.ndarray
                 ) -> np.ndarray:
        """Deploys changing PHP's time a little, for good."""
        level = np.ones(len(grid))
        for start in office_hour_rows(rng, grid, rng.uniform(0.02, 0.15)):
            level[start:] *= rng.lognormal(0, 0.12)
        return level[at]

    @staticmethod
    def _misses(rng: np.random.Generator, grid: pd.DatetimeIndex, at: np.ndarray,
                load: np.ndarray) -> np.ndarray:
        """Runs whose cached pages miss: the first after a purge, more at night (few visitors
        to refill expired pages)."""
        missed = rng.random(len(at)) < rng.uniform(0.01, 0.1) * (1.5 - load[at] / load.max())
        purges = office_hour_rows(rng, grid, rng.uniform(0.5, 5))
        after = np.searchsorted(at, purges)
        missed[after[after < len(at)]] = True
        return missed

    def steps(self, rng: np.random.Generator, bypassed: np.ndarray) -> dict[str, np.ndarray]:
        runs = len(self.php)
        out = {}
        for step, php_ms in self.php_ms.items():
            noise = rng.lognormal(0, self.sigma, runs)
            front = self.front_ms[step] * rng.lognormal(0, self.sigma, runs)
            server = php_ms * self.php * noise
            if step in ("home", "product"):
                server = np.where(self.missed | bypassed, server, self.hit_ms * noise)
            out[step] = server + front
        out["checkout"] = out["checkout"] + self.third_party
        return out


def transaction_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 2, 5, 5, 10, 15])))
    runs = len(at)
    checkout = Checkout(rng, grid, at)
    timeout = float(rng.choice([30_000, 45_000, 60_000, 120_000]))
    assertion = float(rng.choice([0, 5000, 10_000]))  # how long a missing element is awaited
    starts = anomaly_starts(rng, runs, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("third_party_hang", "cart_broken", "cache_bypassed",
                                       "autoload_bloat"), once="autoload_bloat")
    hung, broken, bypassed = np.zeros(runs, bool), np.zeros(runs, bool), np.zeros(runs, bool)
    for row, kind, later in zip(starts, kinds, common.next_onsets(starts, runs), strict=True):
        minutes = at - at[row]
        if kind == "autoload_bloat":  # an option growing on every request, loaded by each
            checkout.php *= 1 + np.where(minutes >= 0, minutes, 0) / DAY * rng.uniform(1, 4)
            continue
        lasting = (minutes >= 0) & (np.arange(runs) < later)
        if kind == "third_party_hang":
            lasting &= minutes < rng.uniform(60, 8 * 60)
            hung |= lasting & (rng.random(runs) < rng.uniform(0.7, 1))
            checkout.third_party[lasting] += rng.uniform(2000, 10_000)
        elif kind == "cart_broken":
            broken |= lasting & (minutes < rng.uniform(2 * 60, 3 * DAY))
        else:  # every visitor through PHP too: the server busier, most at the peaks
            lasting &= minutes < rng.uniform(3 * 60, 3 * DAY)
            bypassed |= lasting
            checkout.php[lasting] *= 1 + rng.uniform(0.3, 1.5) * checkout.load[lasting]
    steps = checkout.steps(rng, bypassed)
    total = checkout.overhead + checkout.extra + sum(steps.values())
    until_cart = checkout.overhead + steps["home"] + steps["product"]
    failed_at = until_cart + np.where(assertion > 0, assertion, steps["add_to_cart"] * 0.3)
    total = np.where(broken, failed_at, total)
    flaky = rng.random(runs) < rng.uniform(1 / 1000, 1 / 300)  # a selector not found in time
    total = np.where(flaky, until_cart * rng.uniform(0.5, 1, runs) + assertion, total)
    capped = hung | (rng.random(runs) < rng.uniform(1 / 1500, 1 / 300))
    total = np.minimum(np.where(capped, timeout, total), timeout)
    in_ms = name.startswith("synthetic_checkout_ms") or rng.random() < 0.3
    values = np.round(total) if in_ms else np.round(total / 1000, 3)
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthPendingUpdates": pending_updates_series,
              "synthSitesDown": sites_down_series,
              "synthDatabaseSize": database_size_series,
              "synthTransactionCheck": transaction_series}
STEMS = {"synthPendingUpdates": ("fleet_updates_pending", "managed_sites_updates_available"),
         "synthSitesDown": ("fleet_sites_down", "uptime_sites_up_percent"),
         "synthDatabaseSize": ("wordpress_db_size", "mysql_datadir_size"),
         "synthTransactionCheck": ("synthetic_checkout_ms", "browser_check_checkout")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R13, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1300)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
