"""Fourteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a count of log lines made of
requests times the lines each erroring code path writes (so it moves in multiples, jumps for
good when an update adds or fixes a warning, and storms for the minutes a deploy is half
copied), a percentile of a sample of real visitors' page loads whose mix of devices and
places changes through the day (a window with too few beacons has no row), the entries of a
table that each live for their connection plus a state's timeout (the arrivals smoothed over
minutes, or over days for connections nobody closes, cut at the table's size), and a sum of
boxes of fixed lengths (each ban lasts exactly its bantime).

- ``synthPhpErrorLog``: lines written to PHP's error log (or WordPress' debug.log) per 1-5
  minute bucket, counted by a log shipper. Normal: warnings and deprecations of code paths
  that log the same few lines on every request through them (so the count follows the
  visitors in multiples), changed for good by plugin updates and deploys in office hours and
  by nightly auto-updates (a new warning, one fixed), a storm of fatal errors for the minute
  or two a deploy is half copied, WP-cron's jobs logging at each run, scanners probing old
  plugin paths (bursts of minutes), the nightly backup's warnings about unreadable files, many
  zero buckets on quiet sites. Anomalies: a fatal loop (an update breaking a page type: a
  fatal error and its stack trace on every request of it, for half an hour to hours), a cron
  job failing (a scheduled action's fatal error at every queue run, retried, for hours to
  days, whatever the visitors do), the log silenced (its file unwritable after a deploy
  changed the owner, or the disk full: nothing for hours to days), memory creeping (an
  autoloaded option or a menu growing: "Allowed memory size exhausted" on a share of requests
  that grows over a day or days until the limit is raised).
- ``synthRumLcp``: the 75th percentile of Largest Contentful Paint from real visitors' beacons
  (web-vitals, sampled), per window of 5-15 minutes, in milliseconds or seconds; a window with
  fewer beacons than the dashboard's minimum has no row, so small sites have no night. Normal:
  phones slower than desktops (more phones in the evening and at weekends, fewer in office
  hours), far-away visitors at the site's night on international sites, repeat visitors with
  the images cached, page-cache hits fast and misses with PHP's time (more misses at night and
  after the purges at deploys), campaigns and viral posts bringing first-time phone visitors
  for hours, a slow device now and then. Anomalies: a heavy hero image (an editor putting a
  multi-megabyte original on the home page: slower for hours to days), a render-blocking
  script (an A/B test's anti-flicker snippet hiding the page until its script loads or its
  timeout), the origin overloaded (cache purged at the peak, PHP slow: minutes to two hours),
  the LCP element changed (a consent banner's text painted first becomes the LCP of every
  first view: the figure drops, from now on).
- ``synthConntrack``: node_nf_conntrack_entries of a web server (or the table's use in
  percent of nf_conntrack_max), every 1-5 minutes (``exam_r14_netfilter``). Normal: the
  visitors' connections (open for the keepalive timeout, then TIME_WAIT for two minutes),
  PHP's connections to a remote MySQL or Redis (a TIME_WAIT entry each), health checks and
  agents, crawls of hours, the nightly backup's uploads, campaigns, a reboot for a kernel
  update now and then (an empty table). Anomalies: a SYN flood (half-open entries: often the
  table full for minutes to hours), an established leak (a long-polling endpoint's clients
  vanishing without a FIN: entries that live five days pile up for days until the service is
  restarted), keepalive turned off (a connection per request, each leaving a TIME_WAIT entry,
  for hours to days), the server out of rotation (the load balancer's health check failing:
  only the checks and agents left, for minutes to hours).
- ``synthBannedIps``: addresses banned by fail2ban now, over its jails or in one jail (the
  exporter's f2b_jail_banned_current), every 1-5 minutes (``exam_r14_netfilter``). Normal:
  bots arriving day and night at a level that changes from day to day (a weak day of the
  botnets' own), each banned after maxretry attempts and unbanned exactly a bantime later
  (10 minutes to a week), repeat offenders coming back (with bantime.increment banned twice as
  long each time), five bans in a day sending an address to the recidive jail for a week,
  waves of scanning after a new exploit, fail2ban restarted by unattended upgrades (its bans
  restored from its database). Anomalies: a botnet campaign (thousands of addresses each
  banned once: the count climbs for as long as it lasts and falls a bantime later), a jail
  broken (its log moved or reformatted: no new bans, the count decaying to what other jails
  hold as bans expire, for hours to days), bans not expiring (bantime set to -1 until the
  config is reverted: the count ratchets up with every ban), fail2ban down (the count 0 until
  it is restarted).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r14_netfilter import banned_ips_series, conntrack_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R14 = ("synthPhpErrorLog", "synthRumLcp", "synthConntrack", "synthBannedIps")
FILES_PER_FAMILY = {"synthPhpErrorLog": 9, "synthRumLcp": 9, "synthConntrack": 9,
                    "synthBannedIps": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthPhpErrorLog": frozenset({"fatal_loop", "cron_failing", "log_silenced",
                                   "memory_creep"}),
    "synthRumLcp": frozenset({"hero_image_heavy", "render_blocking_script", "origin_overload",
                              "lcp_element_changed"}),
    "synthConntrack": frozenset({"syn_flood", "established_leak", "keepalive_off",
                                 "out_of_rotation"}),
    "synthBannedIps": frozenset({"botnet_campaign", "jail_broken", "bans_not_expiring",
                                 "fail2ban_down"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- PHP error log lines


def _share(rng: np.random.Generator) -> float:
    """The share of requests through a code path that warns: one in ten thousand to a fifth."""
    return float(np.exp(rng.uniform(np.log(1e-4), np.log(0.2))))


def _code_paths(rng: np.random.Generator, grid: pd.DatetimeIndex, requests: np.ndarray,
                paths: int) -> np.ndarray:
    """Lines a minute of code paths that warn on every request through them (a share of the
    requests, a fixed number of lines each), changed by updates and deploys; a storm of fatal
    errors while a deploy is half copied."""
    span = len(grid)
    live = [(0, _share(rng), int(rng.integers(1, 12))) for _ in range(paths)]
    done = []  # (start, end, share, lines)
    updates = list(office_hour_rows(rng, grid, rng.uniform(0.2, 1.5)))
    if rng.random() < 0.6:  # auto-updates in the night
        nights = common.daily_rows(grid, rng.uniform(0, 6))
        updates += list(nights[rng.random(len(nights)) < rng.uniform(0.05, 0.3)])
    lines = np.zeros(span)
    for update in sorted(int(u) for u in updates):
        draw = rng.random()
        if draw < 0.3 or not live:  # a new warning
            live.append((update, _share(rng), int(rng.integers(1, 12))))
        elif draw < 0.5:  # one fixed
            start, share, per = live.pop(int(rng.integers(len(live))))
            done.append((start, update, share, per))
        elif draw < 0.8:  # one more or less often hit
            index = int(rng.integers(len(live)))
            start, share, per = live[index]
            done.append((start, update, share, per))
            live[index] = (update, min(share * rng.lognormal(0, 0.8), 0.5), per)
        if rng.random() < 0.5:  # files half copied: fatal errors on every request
            minutes = slice(update, update + int(rng.integers(1, 4)))
            lines[minutes] += rng.poisson(requests[minutes] * rng.uniform(0.2, 1)) * int(
                rng.integers(1, 15))
    for start, end, share, per in done + [(s, span, share, per) for s, share, per in live]:
        lines[start:end] += rng.poisson(requests[start:end] * share) * per
    return lines


def _background_lines(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """WP-cron's jobs logging at each run, scanners probing old plugin paths, the nightly
    backup's warnings about unreadable files."""
    span = len(grid)
    lines = np.zeros(span)
    runs = common.runner_minutes(rng, grid, (0.2, 20))
    lines[runs] += rng.poisson(rng.uniform(0, 3), runs.sum())
    if rng.random() < 0.5:  # an hourly job's warnings
        hourly = np.flatnonzero(np.asarray(grid.minute) == rng.integers(0, 60))
        lines[hourly] += rng.poisson(rng.uniform(3, 40), len(hourly))
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0.5, 6) / DAY):
        minutes = slice(start, start + int(rng.uniform(2, 60)))
        hits = rng.poisson(rng.uniform(5, 100) * rng.uniform(0.05, 0.5), len(lines[minutes]))
        lines[minutes] += hits * int(rng.integers(1, 4))
    if rng.random() < 0.4:
        for start in common.daily_rows(grid, rng.uniform(0, 5)):
            minutes = slice(start, start + int(rng.uniform(10, 60)))
            lines[minutes] += rng.poisson(rng.uniform(2, 50), len(lines[minutes]))
    return lines


def _error_anomalies(rng: np.random.Generator, grid: pd.DatetimeIndex, requests: np.ndarray,
                     lines: np.ndarray, onsets: list[int], kinds: list[str]) -> np.ndarray:
    span = len(lines)
    silenced = np.zeros(span, bool)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        before = slice(max(0, onset - DAY), onset)
        per_request = lines[before].sum() / max(requests[before].sum(), 1)
        share = rng.uniform(0.02, 0.3)
        if kinds[i] == "log_silenced" and lines[max(0, onset - 6 * 60):onset].mean() < 0.5:
            kinds[i] = "fatal_loop"  # too little logged to be missed
        if kinds[i] == "memory_creep" and per_request > 2 * share:
            kinds[i] = "cron_failing"  # drowned in the usual warnings
        if kinds[i] == "cron_failing":  # a scheduled action failing at every queue run
            end = min(later, onset + int(rng.uniform(3 * 60, 3 * DAY)))
            runs = np.flatnonzero(common.runner_minutes(rng, grid[onset:end], (1, 20))) + onset
            failed = int(rng.integers(5, 40)) * rng.integers(1, 3, len(runs))
            if failed.sum() / (end - onset) < 0.5 * lines[before].mean():
                kinds[i] = "fatal_loop"  # drowned in the usual warnings
            else:
                lines[runs] += failed
        if kinds[i] == "fatal_loop":  # a fatal error and its stack trace on a page type
            end = min(later, onset + int(rng.uniform(30, 8 * 60)))
            lines[onset:end] += rng.poisson(requests[onset:end] * rng.uniform(0.2, 1)) * int(
                rng.integers(3, 25))
        elif kinds[i] == "log_silenced":
            silenced[onset:min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))] = True
        elif kinds[i] == "memory_creep":  # a growing share of requests over memory_limit
            ramp = rng.uniform(6 * 60, 2 * DAY)
            end = min(later, onset + int(ramp + rng.uniform(60, DAY)))
            since = np.arange(end - onset)
            hit = share * np.minimum(since / ramp, 1) ** 1.5
            lines[onset:end] += rng.poisson(requests[onset:end] * hit)
    lines[silenced] = 0
    return lines


def php_error_log_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    level = float(np.exp(rng.uniform(np.log(1), np.log(3000))))  # PHP requests a minute
    requests = level * common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
    shape = rng.uniform(3, 20)
    requests *= rng.gamma(shape, 1 / shape, span)
    paths = int(rng.integers(2, 9) if name.startswith("wp_debug_log") else rng.integers(0, 5))
    lines = _code_paths(rng, grid, requests, paths) + _background_lines(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("fatal_loop", "cron_failing", "log_silenced",
                                       "memory_creep"))
    lines = _error_anomalies(rng, grid, requests, lines, [int(at[s]) for s in starts], kinds)
    written = np.r_[0, np.cumsum(lines)]
    return SyntheticSeries(name, stamps, written[at + 1] - written[at + 1 - step], starts,
                           kinds)


# ---------------------------------------------------------------- real-user LCP

RUM_ROWS = {5: (2500, 9000), 10: (2200, 5000), 15: (2100, 3300)}


class Visitors:
    """Page views a minute and their mix: phones (more in the evening and at weekends),
    far-away visitors (at the site's night, on international sites), page-cache hits (fewer
    at night and after the purges at deploys), PHP's time with the load."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        hours = hour_of_day(grid)
        weekend = np.asarray(grid.day_of_week) >= 5
        self.load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        surge = decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY),
                         span, (0.5, 4), (60, 600))  # a newsletter, a viral post
        self.views = self.load * (1 + surge)
        office = (~weekend) * daily_cycle(hours, 13, 3)
        self.mobile = np.clip(rng.uniform(0.3, 0.7) + rng.uniform(0.05, 0.2) * (
            daily_cycle(hours, 21, 2.5) + 0.5 * weekend - office) + 0.3 * surge / (1 + surge),
            0.05, 0.95)
        far = rng.uniform(0.1, 0.5) if rng.random() < 0.4 else 0.0
        self.far = 0.02 + far * daily_cycle(hours, rng.uniform(1, 6), 3)
        self.hit = rng.uniform(0.6, 0.95) - rng.uniform(0, 0.3) * daily_cycle(hours, 4, 3)
        for purge in office_hour_rows(rng, grid, rng.uniform(0.2, 3)):
            since = np.arange(min(span - purge, 60))
            self.hit[purge:purge + len(since)] *= 1 - np.exp(-since / rng.uniform(3, 15))
        self.php = rng.uniform(200, 1500) * (1 + rng.uniform(0, 0.8) * self.load)
        self.repeat = rng.uniform(0.2, 0.6) * (1 - 0.5 * surge / (1 + surge))
        self.rtt = rng.uniform(20, 100)
        self.render = rng.uniform(150, 900)
        self.hero, self.hero_ms = rng.uniform(0.15, 0.6), rng.uniform(300, 1500)
        self.text_ms = rng.uniform(50, 400)


class Beacons:
    """Each sampled page view's LCP (milliseconds) and what it was: its minute, a phone, a
    repeat view, a page with a hero image."""

    def __init__(self, rng: np.random.Generator, visitors: Visitors, counts: np.ndarray
                 ) -> None:
        self.minute = np.repeat(np.arange(len(counts)), counts)
        n = len(self.minute)
        v, m = visitors, self.minute
        self.phone = rng.random(n) < v.mobile[m]
        self.repeat = rng.random(n) < v.repeat[m]
        self.hero = rng.random(n) < v.hero
        far = rng.random(n) < v.far[m]
        self.hit = rng.random(n) < v.hit[m]
        rtt = v.rtt * np.where(far, rng.uniform(3, 6), 1) * np.where(self.phone, 2.0, 1)
        self.php = v.php[m] * rng.lognormal(0, 0.4, n)
        self.rtt = rtt * rng.lognormal(0, 0.3, n)
        self.render = v.render * np.where(self.phone, rng.uniform(2, 4), 1) * rng.lognormal(
            0, 0.3, n)
        network = np.where(self.phone, rng.uniform(1.5, 3), 1) * np.where(far, 1.5, 1)
        self.image = np.where(self.hero, v.hero_ms, v.text_ms) * network * np.where(
            self.repeat, 0.3, 1) * rng.lognormal(0, 0.5, n)
        self.slow_device = np.where(rng.random(n) < 0.03, rng.lognormal(1, 0.5, n), 1)

    def lcp(self) -> np.ndarray:
        ttfb = 3 * self.rtt + np.where(self.hit, 10, self.php)
        return (ttfb + self.render + self.image) * self.slow_device


def _rum_windows(rng: np.random.Generator, window: int, rows: int, least: int
                 ) -> tuple[pd.DatetimeIndex, Visitors, np.ndarray, np.ndarray]:
    """(every minute, the visitors, beacons a minute, the windows with a row), over as many
    days as ``rows`` windows with ``least`` beacons take."""
    per_window = min(least * float(np.exp(rng.uniform(np.log(0.8), np.log(12)))), 200)
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, window))
    days = rows * window / DAY * 2
    while True:
        grid = pd.date_range(start, periods=int(days * DAY) // window * window, freq="min")
        visitors = Visitors(rng, grid)
        counts = rng.poisson(per_window / window * visitors.views)
        if rng.random() < 0.3:  # the analytics pipeline down for hours: beacons lost
            lost = int(rng.integers(0, len(grid)))
            counts[lost:lost + int(rng.uniform(60, 8 * 60))] = 0
        in_window = counts.reshape(-1, window).sum(axis=1)
        shown = np.flatnonzero(in_window >= least)
        if len(shown) >= rows:
            end = (shown[rows - 1] + 1) * window
            return grid[:end], visitors, counts[:end], shown[:rows]
        days *= 2


def _lcp_anomalies(rng: np.random.Generator, beacons: Beacons, visitors: Visitors,
                   onsets: list[int], kinds: list[str]) -> np.ndarray:
    """Each beacon's LCP with the anomalies."""
    m = beacons.minute
    span = len(visitors.views)
    late = np.zeros(len(m))  # what a render-blocking script holds the page to
    first_paint = np.zeros(len(m), bool)  # first views whose LCP is the banner's text
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "lcp_element_changed":
            inside = m >= onset
        elif kind == "origin_overload":
            inside = (m >= onset) & (m < min(later, onset + rng.uniform(10, 2 * 60)))
        else:
            inside = (m >= onset) & (m < min(later, onset + rng.uniform(3 * 60, 3 * DAY)))
        if kind == "hero_image_heavy":  # a multi-megabyte original on the home page
            beacons.image[inside & beacons.hero] *= rng.uniform(2.5, 6)
        elif kind == "render_blocking_script":  # an anti-flicker snippet: its script or timeout
            timeout = float(rng.choice([3000, 4000, 5000]))
            held = np.minimum(rng.lognormal(np.log(rng.uniform(1200, 3500)), 0.4, len(m)),
                              timeout)
            late[inside] = np.maximum(late[inside], held[inside])
        elif kind == "origin_overload":  # purged at the peak, PHP several times slower
            beacons.hit[inside] &= rng.random(inside.sum()) < rng.uniform(0, 0.3)
            beacons.php[inside] *= rng.uniform(3, 10)
        else:  # lcp_element_changed: a consent banner's text is the largest element painted
            first_paint |= inside & ~beacons.repeat
    lcp = np.maximum(beacons.lcp(), late)
    ttfb = 3 * beacons.rtt + np.where(beacons.hit, 10, beacons.php)
    return np.where(first_paint, ttfb + beacons.render * 0.6, lcp)


def rum_lcp_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    window = int(rng.choice([5, 5, 10, 15]))
    rows = int(rng.integers(*RUM_ROWS[window]))
    least = int(rng.choice([3, 5, 10, 20]))  # beacons a window needs for a row
    grid, visitors, counts, shown = _rum_windows(rng, window, rows, least)
    stamps = grid[shown * window].as_unit("ns")
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("hero_image_heavy", "render_blocking_script",
                                       "origin_overload", "lcp_element_changed"),
                         once="lcp_element_changed")
    hours = hour_of_day(stamps)
    editors = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18))
    snap_onsets(("hero_image_heavy",), "origin_overload", editors, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    beacons = Beacons(rng, visitors, counts)
    lcp = _lcp_anomalies(rng, beacons, visitors, [int(shown[s] * window) for s in starts],
                         kinds)
    # the 75th percentile of each window's beacons (the nearest rank)
    in_window = beacons.minute // window
    order = np.lexsort((lcp, in_window))
    per_window = np.bincount(in_window, minlength=len(counts) // window)
    first = np.r_[0, np.cumsum(per_window)[:-1]]
    rank = np.ceil(0.75 * per_window[shown]).astype(int) - 1
    p75 = lcp[order][first[shown] + rank]
    in_ms = name.startswith("rum_lcp_p75_ms") or rng.random() < 0.3
    values = np.round(p75) if in_ms else np.round(p75 / 1000, 2)
    return SyntheticSeries(name, stamps, values, starts, kinds)


GENERATORS = {"synthPhpErrorLog": php_error_log_series, "synthRumLcp": rum_lcp_series,
              "synthConntrack": conntrack_series, "synthBannedIps": banned_ips_series}
STEMS = {"synthPhpErrorLog": ("php_error_log_lines", "wp_debug_log_lines"),
         "synthRumLcp": ("rum_lcp_p75_ms", "core_web_vitals_lcp_p75"),
         "synthConntrack": ("node_nf_conntrack_entries", "conntrack_usage_percent"),
         "synthBannedIps": ("fail2ban_banned_ips", "f2b_jail_banned_current")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R14, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1400)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
