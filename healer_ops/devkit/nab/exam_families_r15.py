"""Fifteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a ratio over a rolling window
(every failure pulls it down when it happens and gives it back exactly a window later, so the
file rises for no reason of its own day), a sawtooth whose period is set by the rate it counts
(Redis snapshots when enough changes are made, or enough seconds have passed since the last:
every minute at the peak, every hour at night), a comb of crontab minutes on top of requests
that page views spawn at most once a minute a site (so a busy site's part saturates), and
payments due on the day of the month and at the hour their customers signed up, months ago,
drained by a queue runner as fast as it can (no weekly rhythm; a backlog leaves at capacity).

- ``synthUptimeRatio``: a site's uptime over the last 24 hours, 7 or 30 days as an uptime
  monitor shows it (percent of checks passed, 2-4 decimals), or an SLO's error budget left
  (percent of the failures a 7, 28 or 30 day target allows; below 0 when it is spent), every
  1-15 minutes. Normal: flat for hours, a step down at each failed check (slow responses at
  the peaks, the probes' own false alarms, a deploy's minute of 502s, PHP-FPM or MySQL
  restarted for a few minutes, a weekly maintenance window in some files, a reboot for a kernel
  update now and then) and a step back up exactly a window later, when it leaves the window.
  Anomalies: an outage (the site down for a quarter of an hour to hours: a slide as long as it
  lasts), intermittent failures (a pool at its limit: a share of the checks failing for hours
  to days, most at the peaks), a nightly downtime (a new nightly job locking the tables: the
  site down at the same time every night from tonight on), the probes blocked (a firewall rule
  banning the monitor's addresses: every check failing for half a day to days).
- ``synthRedisPersistence``: a Redis object cache's rdb_changes_since_last_save, or the
  seconds since its last snapshot (rdb_last_save_time), every 1-5 minutes. Normal: the changes
  (the cache's writes with the visitors, keys expiring) counted up until a save rule fires
  (Redis 7's 3600 s/1, 300 s/100, 60 s/10000 changes; older or a host's own rules), so the
  sawtooth is short by day and long at night; the counter kept from the start of a snapshot
  that takes seconds on big datasets; FLUSHALL at deploys and plugin updates (a synchronous
  save: both reset at an odd time, then the cache refills), a nightly BGSAVE for the backup in
  some files, weekly restarts in others. Anomalies: snapshots failing (a full disk or a fork
  refused: nothing resets for hours to days, with stop-writes-on-bgsave-error the writes
  refused too), a write storm (a plugin writing a key on every request: the changes many times
  the usual, the saves every minute), writes stopped (WordPress no longer reaching the cache:
  only keys expiring, so the counter crawls and the saves come seldom), a save loop (a backup
  script's cron line run every minute: a snapshot a minute, day and night).
- ``synthWpCronRequests``: requests to wp-cron.php on a shared server (from its access logs)
  per 1-5 minutes (``exam_r15_scheduled``). Normal: sites with a crontab line (DISABLE_WP_CRON
  and a system or external cron) firing on the hour's multiples of 5, 15, 30 minutes (a comb
  at 1-minute steps, aliased at longer ones), day and night; sites spawning it from page views
  (the first view finding an event due, then a lock for 60 seconds: busy sites saturate at one
  a minute), some sites doing both, sites moved onto the server in office hours, scanners
  trying the URL for minutes, a reboot for a kernel update now and then. Anomalies: a spawn
  loop (a site's lock not kept: a request for every page view of a busy site, for hours to
  days), the system cron stopped (crond gone after a migration: the comb gone for hours to
  days), loopback blocked (a WAF rule or basic auth stopping the spawned requests: only the
  comb left), a cron flood (a bot hammering wp-cron.php, or an external cron every second:
  many times the usual, day or night, for minutes to hours).
- ``synthRenewalPayments``: WooCommerce Subscriptions' renewals paid per 2-15 minutes, or
  their revenue (``exam_r15_scheduled``). Normal: monthly renewals on the day of the month and
  at the minute each customer signed up (so the day's shape is the signups' and the week has
  none; a month's last day takes the 29th to 31st), yearly ones on their anniversaries, weekly
  ones in some shops, cohorts of a past campaign renewing the same day, all a shop's renewals
  synchronised to one day in some shops (a batch drained for hours at the runner's capacity);
  the queue runner a system cron, or WP-cron waiting for a page view (renewals due at night
  paid at the first visit); cards declined and retried 12, 24, 48, 96 and 168 hours later (the
  echoes of a batch); the gateway's own short outages. Anomalies: renewals stalled (a fatal
  error in one action, or WP-cron off: nothing paid for hours to days, then the backlog at
  capacity), gateway declines (an expired API key, off-session payments refused: most
  renewals failing for hours, retried 12 hours on), duplicate renewals (a migration leaving
  two scheduled actions for a renewal: payments up to doubled for days), dates reset (an
  import setting next payment dates to now: a batch at capacity, then their renewals gone
  from the rest of the month).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r15_scheduled import ends_by, renewal_series, wp_cron_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R15 = ("synthUptimeRatio", "synthRedisPersistence", "synthWpCronRequests",
                     "synthRenewalPayments")
FILES_PER_FAMILY = {"synthUptimeRatio": 9, "synthRedisPersistence": 9, "synthWpCronRequests": 9,
                    "synthRenewalPayments": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthUptimeRatio": frozenset({"outage", "intermittent_failures", "nightly_downtime",
                                   "probe_blocked"}),
    "synthRedisPersistence": frozenset({"bgsave_failing", "write_storm", "writes_stopped",
                                        "save_loop"}),
    "synthWpCronRequests": frozenset({"spawn_loop", "system_cron_stopped", "loopback_blocked",
                                      "cron_flood"}),
    "synthRenewalPayments": frozenset({"renewals_stalled", "gateway_declines",
                                       "duplicate_renewals", "dates_reset"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- rolling uptime

WINDOW_DAYS = (1, 7, 7, 30, 30)  # an uptime monitor's last 24 hours, 7 or 30 days
SLO_WINDOW_DAYS = (7, 28, 30)
SLO_TARGETS = (95.0, 98.0, 99.0, 99.5, 99.9, 99.95)  # percent of checks passed


def in_rolling_window(failed: np.ndarray, checked: np.ndarray, window: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(failed checks, checks) in the ``window`` minutes up to and including each minute."""
    failed_so_far, checked_so_far = np.r_[0, np.cumsum(failed)], np.r_[0, np.cumsum(checked)]
    end = np.arange(1, len(failed) + 1)
    start = np.maximum(end - window, 0)
    return failed_so_far[end] - failed_so_far[start], checked_so_far[end] - checked_so_far[start]


class Monitor:
    """An uptime monitor's checks of a site every 1-5 minutes and the chance each fails: slow
    responses at the peaks, the probes' own false alarms, a deploy's minute of 502s, PHP-FPM or
    MySQL restarted, a weekly maintenance window in some files, a reboot now and then."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        every = int(rng.choice([1, 1, 2, 3, 5]))
        self.checked = (np.arange(span) + rng.integers(every)) % every == 0
        self.load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, DAY))
        slow = self.load ** 2 / np.mean(self.load ** 2)
        self.fail = (rng.uniform(0.05, 3) * slow + rng.uniform(0.02, 0.5)) * every / DAY
        for deploy in office_hour_rows(rng, grid, rng.uniform(0.1, 2)):
            if rng.random() < 0.3:
                self.fail[deploy:deploy + int(rng.integers(1, 4))] = rng.uniform(0.5, 1)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.01, 0.2) / DAY):
            self.fail[start:start + int(np.clip(rng.lognormal(np.log(4), 0.8), 1, 45))] = 1
        if rng.random() < 0.4:  # a maintenance page, weekly
            nights = common.daily_rows(grid, rng.uniform(1, 5))
            length = int(rng.uniform(5, 30))
            for night in nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]:
                self.fail[night:night + length] = 1
        nights = common.daily_rows(grid, rng.uniform(2, 6))
        for reboot in nights[rng.random(len(nights)) < rng.uniform(0, 0.04)]:
            self.fail[reboot:reboot + int(rng.uniform(2, 6))] = 1

    def failed(self, rng: np.random.Generator) -> np.ndarray:
        return self.checked & (rng.random(len(self.fail)) < self.fail)


def _uptime_anomalies(rng: np.random.Generator, monitor: Monitor, onsets: list[int],
                      kinds: list[str]) -> None:
    fail = monitor.fail
    for onset, kind, later in zip(onsets, kinds, ends_by(onsets, len(fail)), strict=True):
        if kind == "outage":  # the database crashed, the disk full, the server down
            minutes = np.clip(rng.lognormal(np.log(60), 0.9), 15, 6 * 60)
            fail[onset:min(later, onset + int(minutes))] = 1
        elif kind == "intermittent_failures":  # a pool at its limit: checks time out
            end = min(later, onset + int(rng.uniform(3 * 60, 2 * DAY)))
            share = rng.uniform(0.15, 0.6) * (0.3 + 0.7 * monitor.load[onset:end]
                                              / monitor.load.max())
            fail[onset:end] = np.maximum(fail[onset:end], share)
        elif kind == "nightly_downtime":  # a new nightly job locking the tables
            length = rng.uniform(10, 45)
            for night in range(onset, later, DAY):
                fail[night:min(later, night + int(length * rng.uniform(0.8, 1.2)))] = 1
        else:  # probe_blocked: a firewall rule banning the monitor's addresses
            fail[onset:min(later, onset + int(rng.uniform(12 * 60, 4 * DAY)))] = 1


def uptime_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 5, 5, 10, 15])))
    budget = name.startswith("slo_error_budget")
    window = int(rng.choice(SLO_WINDOW_DAYS if budget else WINDOW_DAYS)) * DAY
    history = pd.date_range(end=grid[0], periods=window + 1, freq="min")[:-1]
    at = at + window  # the window is full from the file's first row
    monitor = Monitor(rng, history.append(grid))
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("outage", "intermittent_failures", "nightly_downtime",
                                       "probe_blocked"), once="nightly_downtime")
    hours = hour_of_day(stamps)
    snap_onsets(("nightly_downtime",), "outage", np.flatnonzero((hours >= 0.5) & (hours < 5)),
                starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    _uptime_anomalies(rng, monitor, [int(at[row]) for row in starts], kinds)
    failed, checks = (counts[at] for counts in in_rolling_window(
        monitor.failed(rng), monitor.checked, window))
    if budget:  # a target the site meets: the first window spends at most half its budget
        allowed = [t for t in SLO_TARGETS if failed[0] <= 0.5 * (1 - t / 100) * checks[0]
                   and (1 - t / 100) * checks[0] >= 8]
        target = float(rng.choice(allowed[-2:] or SLO_TARGETS[:1]))
        spent = failed / ((1 - target / 100) * checks)
        values = np.round(100 * (1 - spent), int(rng.choice([1, 2])))
    else:
        values = np.round(100 * (1 - failed / checks), int(rng.choice([2, 3, 3, 4])))
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- Redis snapshots

SAVE_RULES = (((3600, 1), (300, 100), (60, 10000)),  # Redis 7's default: seconds, changes
              ((900, 1), (300, 10), (60, 10000)),  # older Redis, many distributions' config
              ((300, 1), (60, 1000)))  # a host's own


def save_period(rate: float, rules: tuple) -> float:
    """Minutes between snapshots at ``rate`` changes a minute: each rule waits for its seconds
    and its changes, the first to have both fires."""
    return min(max(seconds / 60, changes / max(rate, 1e-9)) for seconds, changes in rules)


def _reaching(total: np.ndarray, level: float) -> float:
    """The (fractional) minute at which the running ``total`` reaches ``level``."""
    i = int(np.searchsorted(total, level))
    if i == 0:
        return 0.0
    if i >= len(total):
        return np.inf
    return i - 1 + (level - total[i - 1]) / (total[i] - total[i - 1])


def _counted_before(total: np.ndarray, since: float) -> float:
    """Where the counter starts from: the changes of the ``since`` minutes before the first,
    at the file's mean rate, counted below 0."""
    return -since * float(total[-1] - total[0]) / (len(total) - 1)


def snapshots(rng: np.random.Generator, total: np.ndarray, rules: tuple, forced: np.ndarray,
              failing: list[tuple[float, float]], minutes_a_save: float, since: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of each snapshot that succeeds. ``total``: the changes made by each minute
    (running, 0 at the first); ``forced``: minutes of a BGSAVE, FLUSHALL's or a restart's SAVE;
    ``failing``: (from, to) minutes when every snapshot fails (Redis retries every 5 seconds);
    ``since``: minutes before the first minute that the last snapshot ended."""
    span = len(total) - 1
    forced = np.sort(forced)
    starts, ends = [], []
    last_end, base = -since, _counted_before(total, since)

    def next_start(after: float, due: float) -> float:
        pending = forced[np.searchsorted(forced, after):]
        return min(due, pending[0]) if len(pending) else due

    while True:
        due = min(max(last_end + seconds / 60, _reaching(total, base + changes))
                  for seconds, changes in rules)
        start = next_start(last_end, due)
        for first, last in sorted(failing):
            if first <= start < last:  # the first retry after the fix succeeds
                start = next_start(last, max(due, last))
        if start >= span:
            return np.array(starts), np.array(ends)
        starts.append(start)
        last_end = start + minutes_a_save * rng.lognormal(0, 0.2)
        ends.append(last_end)
        base = float(np.interp(start, np.arange(span + 1), total))


class RedisCache:
    """A WordPress object cache in Redis: changes a minute with the visitors (sets on misses,
    transients, sessions), keys expiring a TTL later, FLUSHALL at deploys and plugin updates
    (the cache refilling after), a nightly BGSAVE for the backup or a weekly restart in some
    files; its save rules and how long a snapshot of its dataset takes."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        self.level = float(np.exp(rng.uniform(np.log(2), np.log(30000))))  # changes a minute
        flushes = office_hour_rows(rng, grid, rng.uniform(0, 1))
        if rng.random() < 0.15:  # a nightly flush cron
            flushes = np.r_[flushes, common.daily_rows(grid, rng.uniform(0, 5))]
        self.flushes = np.sort(flushes)
        refill = decaying(rng, self.flushes, span, (1, 5), (10, 60))
        self.app = self.level * load * (1 + refill) * rng.gamma(10, 0.1, span)
        self.expiring = rng.uniform(0.05, 0.4)  # of the keys written, those with a TTL
        self.smoothing = np.exp(-1 / rng.uniform(60, DAY))  # their TTLs, minutes
        forced = [self.flushes + rng.uniform(0, 1)]  # FLUSHALL then SAVE: the counter at 0
        if rng.random() < 0.4:  # the backup's BGSAVE
            forced.append(common.daily_rows(grid, rng.uniform(0, 5)) + rng.uniform(0, 1))
        if rng.random() < 0.3:  # a weekly restart (SHUTDOWN SAVE)
            nights = common.daily_rows(grid, rng.uniform(2, 6))
            forced.append(nights[np.asarray(grid.day_of_week)[nights] == rng.integers(0, 7)]
                          + 0.5)
        self.forced = np.concatenate(forced).astype(float)
        self.rules = SAVE_RULES[int(rng.choice([0, 0, 1, 1, 2]))]
        dataset = float(np.exp(rng.uniform(np.log(5), np.log(3000))))  # MB
        self.minutes_a_save = (dataset / rng.uniform(100, 400) + rng.uniform(0.01, 0.5)) / 60

    def changes(self, rng: np.random.Generator, app_scale: np.ndarray, refused: np.ndarray
                ) -> np.ndarray:
        """Changes a minute: the writes let in and the keys expiring (``refused``: minutes
        when Redis refuses writes)."""
        app = self.app * app_scale * ~refused
        expired = self.expiring * lfilter([1 - self.smoothing], [1, -self.smoothing], app)
        return rng.poisson(app + expired).astype(float)


def _redis_anomalies(rng: np.random.Generator, cache: RedisCache, onsets: list[int],
                     kinds: list[str], age_file: bool) -> dict:
    span = cache.span
    out = {"scale": np.ones(span), "refused": np.zeros(span, bool), "failing": [],
           "forced": [cache.forced]}
    for i, (onset, later) in enumerate(zip(onsets, ends_by(onsets, span), strict=True)):
        rate = cache.app[max(0, onset - 60):onset + 1].mean() * (1 + cache.expiring)
        period = save_period(rate, cache.rules)
        storm = rng.uniform(10, 100)
        after = {"write_storm": (storm * rate, save_period(storm * rate, cache.rules)),
                 "writes_stopped": (cache.expiring * rate, save_period(cache.expiring * rate,
                                                                        cache.rules)),
                 "save_loop": (rate, 1.0)}.get(kinds[i])
        if after:  # seen in the seconds since a save, or in the changes counted up to it
            new_rate, new_period = after
            seen = (abs(np.log(new_period / period)) > np.log(1.5) if age_file else
                    abs(np.log(new_rate * new_period / (rate * period))) > np.log(1.7))
            if not seen:
                kinds[i] = "bgsave_failing"
        if kinds[i] == "bgsave_failing":  # a full disk, or a fork refused for want of memory
            end = min(later, onset + int(rng.uniform(60, 2 * DAY)))
            out["failing"].append((float(onset), float(end)))
            if rng.random() < 0.6:  # stop-writes-on-bgsave-error: writes refused meanwhile
                out["refused"][onset:end] = True
        elif kinds[i] == "write_storm":  # a plugin writing a key on every request
            out["scale"][onset:min(later, onset + int(rng.uniform(60, 2 * DAY)))] = storm
        elif kinds[i] == "writes_stopped":  # WordPress no longer reaching the cache
            out["scale"][onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = 0
        else:  # save_loop: a backup script's cron line run every minute
            end = min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            out["forced"].append(np.arange(onset, end) + rng.uniform(0, 0.05))
    return out


def redis_persistence_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5])))
    cache = RedisCache(rng, grid)
    age_file = name.startswith("redis_rdb_last_save_age")
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("bgsave_failing", "write_storm", "writes_stopped",
                                       "save_loop"))
    anomalies = _redis_anomalies(rng, cache, [int(at[row]) for row in starts], kinds, age_file)
    total = np.r_[0, np.cumsum(cache.changes(rng, anomalies["scale"], anomalies["refused"]))]
    since = rng.uniform(0, save_period(cache.app[:60].mean(), cache.rules))
    begun, ended = snapshots(rng, total, cache.rules, np.concatenate(anomalies["forced"]),
                             anomalies["failing"], cache.minutes_a_save, since)
    times = np.asarray((stamps - grid[0]).total_seconds()) / 60
    last = np.searchsorted(ended, times, "right") - 1
    minutes = np.arange(len(total))
    ended = np.r_[ended, -since]  # [-1]: the snapshot before the file
    base = np.r_[np.interp(begun, minutes, total), _counted_before(total, since)]
    if age_file:
        values = np.round((times - ended[last]) * 60)
    else:
        values = np.floor(np.maximum(np.interp(times, minutes, total) - base[last], 0))
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthUptimeRatio": uptime_series, "synthRedisPersistence": redis_persistence_series,
              "synthWpCronRequests": wp_cron_series, "synthRenewalPayments": renewal_series}
STEMS = {"synthUptimeRatio": ("uptime_ratio_percent", "slo_error_budget_remaining"),
         "synthRedisPersistence": ("redis_rdb_changes_since_last_save",
                                   "redis_rdb_last_save_age_seconds"),
         "synthWpCronRequests": ("wp_cron_requests", "nginx_wp_cron_hits"),
         "synthRenewalPayments": ("wcs_renewals_paid", "subscription_renewal_revenue")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R15, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1500)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
