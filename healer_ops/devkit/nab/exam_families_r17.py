"""Seventeenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: the size of a file that only
grows between logrotate's runs (the visitors' day is its slope, a rotation its drop to
nothing), a count made of clumps whose size is set by what an editor's click purges (so one
save is tens of URLs at once and the timing follows editors and schedules, not visitors), a
score bounded by 1 made of counts of fast, slow and frustrated requests (as noisy as its
requests are few, with no row where there are none), and one row per finished job of a fleet
(irregular stamps; a mix of sites that repeats every day, each site's weekly full backup, the
night's contention, a ceiling at the job's timeout).

- ``synthAccessLogSize``: the size of a web server's access log (bytes, or MiB in
  hundredths), read by an exporter every 1-10 minutes. Normal: it grows by the requests'
  lines (the visitors' day, campaigns, crawls of hours, a cache preloader crawling the sitemap
  at night in some sites) and the load balancer's health checks, and drops to nothing when
  logrotate rotates it: daily at the hour of Debian's cron.daily, the systemd timer or
  anacron (with their delays), hourly in some, at the first hourly run after it passes a
  maximum size, or weekly on Sundays (a file may see no rotation). Anomalies: rotation
  skipped (logrotate failing: the log grows past every usual peak until someone forces a
  rotation in office hours), nginx not reopening its log (postrotate failing: the new file
  stays empty while the server writes into the rotated one, until a reload), verbose logging
  left on (a debugging log format with headers: every line several times longer, for hours to
  days), a scraper flood (a bot at several to tens of times the site's rate: a steep climb for
  20 minutes to 4 hours).
- ``synthCachePurges``: URLs purged at a CDN, or bans added to Varnish, per 1-15 minute
  bucket. Normal: editors saving posts in their office hours (each save purging the post, the
  home page, its archives and feeds at once, few saves at weekends), posts scheduled to go out
  at fixed hours in some sites (weekends too), approved comments purging their post, orders
  changing stock purging product pages in shops, the nightly product import purging what
  changed (all of the catalogue on Sundays in some), a rare bulk edit purging hundreds, a purge
  of everything (one request) at deploys. Anomalies: a purge loop (a plugin purging on every
  page view, following the visitors, for an hour to two days), purges failing (the CDN's API
  token revoked: none at all for hours to days, while editors work), the import looping (its
  cron broken into every 15-60 minutes: a burst of much of the catalogue over and over, for
  hours to two days), purges amplified (a cache plugin's update makes every save purge the
  whole site: the same rhythm, clumps tens of times larger, from now on).
- ``synthApdex``: the Apdex score of a WordPress site's PHP transactions in an APM, per 1-15
  minute window, in hundredths; a window without a transaction has no row
  (``exam_r17_timings``). Normal: the page cache keeps most views from PHP, so the score comes
  from cache misses, editors in wp-admin (slower, office hours only, weekdays; business sites
  have hardly anyone at weekends), admin-ajax and REST calls (fast), checkouts in shops
  (slower), WP-cron (from a system cron every 1-15 minutes or spawned by page views, heavier
  at the top of the hour in some); slower at the peak, in the nightly backup (longer on
  Sundays) and for minutes after the purges at deploys, crawls of uncached archives, a
  wandering level; few requests at night make the score jump between a few values.
  Anomalies: a slow external call (a plugin's blocking HTTP request to an API that hangs:
  many or all requests frustrated, for 20 minutes to 6 hours), the page cache bypassed (a
  cookie set for every visitor: every view reaches PHP and the server slows, for days), a
  query degrading (a table growing without an index: slower by the day for one to three
  days, until an index is added), workers too few (max_children lowered: the peak's requests
  queue and are frustrated, only at the busy hours, for days).
- ``synthBackupDurations``: seconds (or minutes, in tenths) each finished backup job of a
  hosting fleet took, a row per job stamped when it ended (``exam_r17_timings``). Normal:
  each site backed up once a day at its own slot (most in a night window on some fleets,
  spread over the day on others), a full backup on the site's weekly day (Sunday for every
  site on some fleets) and an incremental one (scan, changes, database dump) on the others, a
  few workers taking jobs from a queue (so jobs wait at night and share the storage's
  bandwidth), sites growing, a job failing now and then and retried half an hour later.
  Anomalies: storage throttled (the backup target slow: every transfer several times longer,
  for 1-12 hours), credentials expired (every job failing in seconds until someone renews
  them), jobs hanging (a stale mount: jobs killed at the timeout, the queue stalled, for 1-8
  hours), excludes lost (a config change backs up caches and plugins' own archives: every
  backup larger, from now on).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r17_timings import apdex_series, backup_durations_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R17 = ("synthAccessLogSize", "synthCachePurges", "synthApdex",
                     "synthBackupDurations")
FILES_PER_FAMILY = {"synthAccessLogSize": 9, "synthCachePurges": 9, "synthApdex": 9,
                    "synthBackupDurations": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthAccessLogSize": frozenset({"rotation_skipped", "reopen_missed", "verbose_logging",
                                     "scraper_flood"}),
    "synthCachePurges": frozenset({"purge_loop", "purges_failing", "import_loop",
                                   "purge_amplified"}),
    "synthApdex": frozenset({"external_call_slow", "cache_bypassed", "query_degrading",
                             "workers_too_few"}),
    "synthBackupDurations": frozenset({"storage_throttled", "credentials_expired",
                                       "jobs_hanging", "excludes_lost"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY


def office_minutes(grid: pd.DatetimeIndex) -> np.ndarray:
    """Weekdays from 9 to 18 o'clock, minute by minute."""
    hours = hour_of_day(grid)
    return (np.asarray(grid.day_of_week) < 5) & (hours >= 9) & (hours < 18)


# ---------------------------------------------------------------- access log size

LOG_BURN_IN = 8 * DAY  # written before the file starts: it opens part way through a log
POLICIES = ("daily", "daily", "daily", "hourly", "size", "size", "weekly")
CRON_DAILY = (6 + 25 / 60, 0.0, 3 + 5 / 60)  # Debian's cron.daily, logrotate.timer, anacron
MIB = 1024 ** 2


def _log_lines(rng: np.random.Generator, grid: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    """(request lines a minute, the mean rate): the visitors, campaigns, crawls of hours, a
    cache preloader crawling the sitemap at night in some sites."""
    span = len(grid)
    level = float(np.exp(rng.uniform(np.log(3), np.log(4000))))
    load = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
    load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.15)), span,
                         (0.5, 3), (60, 600))
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0.3, 2) / DAY):
        load[start:start + int(rng.uniform(20, 240))] += rng.uniform(0.2, 1)
    if rng.random() < 0.4:
        for start in common.daily_rows(grid, rng.uniform(1, 5)):
            load[start:start + int(rng.uniform(20, 90))] += rng.uniform(0.3, 3)
    shape = rng.uniform(3, 20)
    return rng.poisson(level * load * rng.gamma(shape, 1 / shape, span)).astype(float), level


def _rotation_checks(rng: np.random.Generator, grid: pd.DatetimeIndex, policy: str
                     ) -> np.ndarray:
    """Minutes logrotate runs at: cron.hourly's 17 past, or once a day after its timer's
    delay (Sundays only for weekly logs)."""
    if policy in ("hourly", "size"):
        return np.flatnonzero(np.asarray(grid.minute) == 17)
    base = CRON_DAILY[int(rng.integers(0, len(CRON_DAILY)))]
    days = common.daily_rows(grid, base)
    if base == 0.0:  # the timer's accuracy: a fixed delay of up to an hour
        delay = rng.uniform(0, 60) + rng.uniform(0, 2, len(days))
    elif base > 6:  # the cron.daily scripts that run before it
        delay = rng.uniform(0, 4, len(days))
    else:  # anacron's random delay
        delay = rng.uniform(0, 45, len(days))
    runs = np.minimum(days + delay.astype(int), len(grid) - 1)
    if policy == "weekly":
        runs = runs[np.asarray(grid.day_of_week)[runs] == 6]
    return runs


def _rotated(written: np.ndarray, checks: np.ndarray, maxsize: float, skipped: np.ndarray,
             forced: set[int]) -> tuple[np.ndarray, list[int]]:
    """(the log's size at every minute, the minutes it was rotated): at a check if it holds
    more than ``maxsize`` (0: anything, as notifempty says) and the check is not
    ``skipped``, and at every ``forced`` minute."""
    before = np.r_[0, np.cumsum(written)]
    resets: list[int] = []
    last = 0
    for minute in sorted({int(c) for c in checks} | forced):
        size = before[minute] - before[last]
        if minute in forced or (not skipped[minute] and size > maxsize):
            resets.append(minute)
            last = minute
    starts = np.r_[0, resets].astype(int)
    since = starts[np.searchsorted(resets, np.arange(len(written)), side="right")]
    return before[1:] - before[since], resets


def _log_anomalies(rng: np.random.Generator, office: np.ndarray, onsets: list[int],
                   kinds: list[str], reloads: np.ndarray, span: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, set[int]]:
    """(line length factor, extra lines a minute, minutes written elsewhere, checks skipped,
    forced rotations) of the anomalies (minutes of the extended grid)."""
    longer, extra = np.ones(span), np.zeros(span)
    elsewhere, skipped = np.zeros(span, bool), np.zeros(span, bool)
    forced: set[int] = set()
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "rotation_skipped":  # until someone forces a rotation in office hours
            fix = onset + int(rng.uniform(20 * 60, 3 * DAY))
            fix += int(np.argmax(office[fix:])) if fix < span else 0
            skipped[onset:min(fix, later)] = True
            if fix < later:
                forced.add(fix)
        elif kind == "reopen_missed":  # rotated, but nginx writes on into the rotated file
            forced.add(onset)
            after = reloads[reloads > onset + 60]
            end = int(after[0]) if len(after) else span
            elsewhere[onset:min(later, end, onset + int(rng.uniform(2 * 60, 2 * DAY)))] = True
        elif kind == "verbose_logging":  # a debugging format: headers, cookies, bodies
            longer[onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = (
                rng.uniform(3, 8))
        else:  # scraper_flood
            end = min(later, onset + int(rng.uniform(20, 4 * 60)))
            ramp = np.minimum((np.arange(end - onset) + 1) / rng.uniform(1, 10), 1)
            extra[onset:end] = ramp * rng.uniform(3, 30)
    return longer, extra, elsewhere, skipped, forced


def access_log_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5, 5, 10])))
    burn = LOG_BURN_IN
    ext = pd.date_range(grid[0] - pd.Timedelta(minutes=burn), periods=len(grid) + burn,
                        freq="min")
    span = len(ext)
    lines, level = _log_lines(rng, ext)
    line_bytes = rng.uniform(180, 420) * rng.lognormal(0, 0.04, span)
    checks_written = rng.poisson(rng.uniform(6, 60), span) * rng.uniform(90, 160)
    policy = str(rng.choice(POLICIES))
    checks = _rotation_checks(rng, ext, policy)
    maxsize = 0.0
    if policy == "size":  # a round size a few hours to a day of the log reaches
        target = level * DAY * 300 / rng.uniform(1.5, 8)
        maxsize = float(2 ** np.clip(np.round(np.log2(target / MIB)), 0, 11) * MIB)
    copytruncate = rng.random() < 0.3
    reloads = office_hour_rows(rng, ext, rng.uniform(0.2, 2))  # deploys reload nginx
    _, resets = _rotated(lines * line_bytes + checks_written, checks, maxsize,
                         np.zeros(span, bool), set())
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("rotation_skipped", "reopen_missed",
                                       "verbose_logging", "scraper_flood"))
    if copytruncate:  # the file truncated in place: the server keeps its handle
        kinds = ["rotation_skipped" if k == "reopen_missed" else k for k in kinds]
    rotation_minute = {int(np.searchsorted(at, r - burn)): r for r in resets if r >= burn}
    # rotations after the file's first (so its drops have been seen), in logs rotated more
    # often than weekly
    seen = sorted(row for row in rotation_minute if row < rows)[1:]
    candidates = np.array(seen if policy != "weekly" else [], int)
    office = office_minutes(ext)
    snap_onsets(("rotation_skipped", "reopen_missed"), "scraper_flood", candidates, starts,
                kinds, rows)
    snap_onsets(("verbose_logging",), "scraper_flood", np.flatnonzero(office[at + burn]),
                starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [rotation_minute[row] if kind in ("rotation_skipped", "reopen_missed")
              else int(at[row]) + burn for row, kind in zip(starts, kinds, strict=True)]
    longer, extra, elsewhere, skipped, forced = _log_anomalies(rng, office, onsets, kinds,
                                                               reloads, span)
    flood = rng.poisson(extra * max(level, 30.0))
    written = (lines + flood) * line_bytes * longer + checks_written
    written[elsewhere] = 0
    size, _ = _rotated(written, checks, maxsize, skipped, forced)
    values = size[at + burn]
    in_mib = name.startswith("access_log_size_mb")
    values = np.round(values / MIB, 2) if in_mib else np.round(values)
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- cache purges


class Purges:
    """URLs purged a minute by what a site does: editors' saves (a clump each), scheduled
    posts, approved comments, orders changing stock, a nightly import, rare bulk edits."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex, bans: bool) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        weekday = np.asarray(grid.day_of_week) < 5
        self.sunday = np.asarray(grid.day_of_week) == 6
        self.visitors = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
        self.views = float(np.exp(rng.uniform(np.log(5), np.log(3000))))  # page views a minute
        self.per_save = rng.uniform(1, 6) if bans else rng.uniform(4, 30)
        work = (daily_cycle(hours, rng.uniform(10, 15), rng.uniform(2, 3.5)) + 0.03) * np.where(
            weekday, 1, rng.uniform(0.05, 0.4))
        saves = float(np.exp(rng.uniform(np.log(2), np.log(150))))  # a day
        self.saves = np.repeat(np.arange(span), rng.poisson(saves / DAY * work / work.mean()))
        self.scheduled = np.empty(0, int)
        if rng.random() < 0.5:  # posts scheduled for fixed hours, weekends too
            slots = rng.choice(np.arange(5, 23), int(rng.integers(2, 7)), replace=False)
            chance = rng.uniform(0.3, 0.9)
            runs = np.concatenate([common.daily_rows(grid, slot) for slot in slots])
            self.scheduled = np.sort(runs[rng.random(len(runs)) < chance])
        self.other = np.zeros(span)
        comments = rng.uniform(0, 0.001) * self.views * self.visitors
        self.other += rng.poisson(comments) * rng.integers(1, 4)
        self.steady = comments  # purges a minute that go on whatever the editors do
        self.catalogue, self.urls_a_product, self.imports = 0, 0, np.empty(0, int)
        if rng.random() < 0.6:  # a shop: orders change stock, a nightly import
            orders = self.views * rng.uniform(0.0005, 0.005) * self.visitors
            self.other += rng.poisson(orders) * rng.integers(2, 5)
            self.steady = self.steady + orders
            if rng.random() < 0.8:
                self.catalogue = int(np.exp(rng.uniform(np.log(200), np.log(20000))))
                self.urls_a_product = int(rng.integers(1, 4))
                self.imports = common.daily_rows(grid, rng.uniform(0, 5))
                self.changed = rng.uniform(0.02, 0.3)
                self.full_on_sunday = rng.random() < 0.3
                self.import_minutes = int(rng.uniform(10, 60))
        for start in office_hour_rows(rng, grid, rng.uniform(0, 0.15)):  # a bulk edit
            minutes = len(self.other[start:start + int(rng.integers(1, 6))])
            self.other[start:start + minutes] += rng.multinomial(
                int(rng.uniform(50, 2000)), np.ones(minutes) / minutes)
        self.other[office_hour_rows(rng, grid, rng.uniform(0.2, 2))] += 1  # purge all: deploys
        # every URL: the posts' archives, pages, feeds, sitemaps and a shop's products
        self.site_urls = (self.per_save * rng.uniform(20, 100)
                          + self.catalogue * self.urls_a_product)

    def import_run(self, rng: np.random.Generator, purged: np.ndarray, start: int,
                   share: float, minutes: int) -> None:
        """A run of the product import from ``start``, purging ``share`` of the catalogue."""
        urls = rng.poisson(self.catalogue * share * self.urls_a_product)
        spread = rng.multinomial(urls, np.ones(minutes) / minutes)
        purged[start:start + minutes] += spread[:len(purged[start:start + minutes])]

    def minutes(self, rng: np.random.Generator, amplified_from: int) -> np.ndarray:
        """URLs purged a minute; every save from ``amplified_from`` on purges the site."""
        purged = self.other.copy()
        for minutes, scale in ((self.saves, 1.0), (self.scheduled, rng.uniform(1.5, 3))):
            urls = np.maximum(np.round(self.per_save * scale * rng.lognormal(
                0, 0.4, len(minutes))), 1)
            urls = np.where(minutes >= amplified_from, np.round(self.site_urls * rng.uniform(
                0.9, 1.1, len(minutes))), urls)
            np.add.at(purged, minutes, urls)
        for start in self.imports:
            full = self.full_on_sunday and self.sunday[start]
            share = 1.0 if full else self.changed * rng.lognormal(0, 0.3)
            self.import_run(rng, purged, int(start), min(share, 1.0), self.import_minutes)
        return purged


def cache_purges_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 2, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    purges = Purges(rng, grid, name.startswith("varnish_bans"))
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    office = office_minutes(grid)
    possible = ("purge_loop",)  # what this site can show
    steady = purges.steady.mean()
    if purges.site_urls >= 5 * (steady * step + purges.per_save):  # clumps stand out
        possible += ("purge_amplified",)
    if np.median(purges.steady[office]) * step >= 1.5:  # a silence would be seen
        possible = ("purges_failing", *possible)
    if purges.catalogue and purges.catalogue * purges.urls_a_product >= 3 * 60 * steady:
        possible = ("import_loop", *possible)  # each run stands out of an hour's purges
    kinds = common.kinds(rng, starts, possible, once="purge_amplified")
    office_rows = np.flatnonzero(office[at])
    snap_onsets(("purges_failing", "purge_amplified"), "purge_loop", office_rows, starts,
                kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    onsets = [int(at[row]) for row in starts]
    amplified = [o for o, k in zip(onsets, kinds, strict=True) if k == "purge_amplified"]
    if amplified:  # the admin checks the update by saving a post
        purges.saves = np.sort(np.r_[purges.saves, amplified[0] + int(rng.integers(0, 5))])
    purged = purges.minutes(rng, amplified[0] if amplified else span)
    written = np.r_[0, np.cumsum(purged)]
    usual = written[at + 1] - written[at + 1 - step]
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        following = usual[(at > onset) & (at <= onset + 6 * 60)]
        if kinds[i] == "purges_failing" and (following > 0).mean() < 0.5:
            kinds[i] = "purge_loop"  # too few buckets with purges to be missed
        if kinds[i] == "purge_loop":  # a plugin purging on every page view
            end = min(later, onset + int(rng.uniform(60, 2 * DAY)))
            rate = purges.views * purges.visitors[onset:end] * rng.uniform(0.02, 0.5)
            purged[onset:end] += rng.poisson(rate + rng.uniform(1, 5)) * rng.integers(1, 4)
        elif kinds[i] == "purges_failing":  # the API token revoked: none succeed
            purged[onset:min(later, onset + int(rng.uniform(3 * 60, 3 * DAY)))] = 0
        elif kinds[i] == "import_loop":  # the import's cron broken: every 15-60 minutes
            end = min(later, onset + int(rng.uniform(6 * 60, 2 * DAY)))
            period = int(rng.choice([15, 30, 60]))
            share = rng.uniform(0.3, 1)
            for run in range(onset, end, period):
                purges.import_run(rng, purged, run, share, min(purges.import_minutes,
                                                               period - 2))
    written = np.r_[0, np.cumsum(purged)]
    return SyntheticSeries(name, stamps, written[at + 1] - written[at + 1 - step], starts,
                           kinds)


GENERATORS = {"synthAccessLogSize": access_log_series, "synthCachePurges": cache_purges_series,
              "synthApdex": apdex_series, "synthBackupDurations": backup_durations_series}
STEMS = {"synthAccessLogSize": ("nginx_access_log_bytes", "access_log_size_mb"),
         "synthCachePurges": ("cdn_purged_urls", "varnish_bans_added"),
         "synthApdex": ("apm_apdex_score", "newrelic_apdex_frontend"),
         "synthBackupDurations": ("backup_job_duration_seconds", "site_backup_minutes")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R17, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1700)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
