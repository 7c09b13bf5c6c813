"""Nineteenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a share of time that is near
zero most of the time and is the product of two days (the site's own demand and the host's
other guests, whose busy hours are not the site's), a count of files swept every half hour
(a sawtooth whose teeth are the visitors of the last half hour, or no teeth where PHP sweeps
at random), a small whole count of posts waiting to be published (steps up in the editors'
hours, down at the calendar's round hours; in some files a row only when it changes or a
heartbeat is due), and a sum of emails over the trailing day or since the provider's
midnight (every newsletter a plateau that lasts exactly a day, capped at the quota).

- ``synthCpuSteal``: the share of a virtual server's CPU time stolen by the hypervisor (steal
  in percent of all its vCPUs' time, or as a ratio), every 1-5 minutes from the kernel's tick
  counters. Normal: near zero while the guest is idle (steal is only counted while a vCPU
  wants to run), more with the site's own visitors, crawls, WP-cron's jobs and the nightly
  backup's compression, scaled by how busy the host's other guests keep its CPUs (their own
  day, at the provider's busiest hours; their crontabs at the top of every hour; their
  backups after the host's midnight; a neighbour's burst of minutes to two hours), a live
  migration's brief throttling now and then. Anomalies: a noisy neighbour (a guest mining or
  compiling on the same host: steal many times its usual for hours to days), the CPU capped
  (the provider enforcing a fair-share limit: steal with the site's own peaks, for hours to
  days), a migration throttled (QEMU's auto-converge slowing the vCPUs step by step for
  minutes until the copy converges, then a new host), the host oversold (moved to a busier
  host, or more guests packed on: more steal for good).
- ``synthPhpSessions``: files in PHP's session.save_path (a textfile collector's count),
  every 1-5 minutes. Normal: a file for each visit whose first request reaches code that
  starts a session (touched until its last request) and for each request of a bot or an
  uptime probe that keeps no cookie (crawls for hours), deleted by the first cleanup after
  gc_maxlifetime idle (24 minutes by default, an hour to a day where a plugin or the host
  raised it): Debian's cron at 09 and 39 past the hour (a sawtooth), or PHP's own collection
  at a chance of each session start (a ragged level, and hours without one on quiet sites).
  Anomalies: the cleanup broken (the cron job lost in a PHP upgrade, or Debian's
  gc_probability=0 on a server without its cron: files pile up for hours to days), a bot
  without cookies (a scraper or a misconfigured monitor hitting a page that starts a
  session: a file per request, for half an hour to half a day), sessions everywhere (a
  plugin update starting a session on every front-end request, and its cookie bypassing
  the page cache: several times the files, for good), sessions unwritable (the disk full or
  the directory's owner changed by a deploy: no new files, the old ones swept away by the
  cron, or frozen where PHP itself cannot delete them either, for an hour to two days).
- ``synthScheduledPosts``: posts with post_status 'future' on a site or summed over a
  network's sites (``exam_r19_publishing``), every 5-15 minutes, or polled every minute by
  Zabbix with "discard unchanged with heartbeat" (a row when the count changes, else one a
  heartbeat of 5-15 minutes). Normal: editors scheduling posts in their hours (a news desk
  at weekends too), due later that day on the site's grid of minutes or on a coming day at
  the calendar's times, a content calendar filled in bulk now and then, a post unscheduled
  or published early by hand, each published at WP-cron's first run after it is due (a
  system cron's tick, or the next page view: late at night on small sites). Anomalies: a
  missed schedule (WP-cron not running: nothing published for hours to days, the count only
  climbing, then all at once), scheduling broken (an editor update publishing every post at
  once: the queue drains for days), import duplicates (a feed importer re-importing its feed
  at every run, each item dripped a slot after the last: the count climbs for hours, then is
  bulk-deleted, at once or after dripping for a day or two), the schedule wiped (a botched
  restore or migration turning the scheduled posts back into drafts: the count drops to
  nothing, once).
- ``synthMailSent``: emails a mail provider accepted from a host's or a site's WordPress
  (``exam_r19_publishing``): Amazon SES's SentLast24Hours, or the sent-today count of a plan
  with a daily limit that resets at the provider's midnight (not the site's), every 5-15
  minutes. Normal: transactional emails with the visitors (orders, password resets, forms,
  notifications; sales for hours), a daily digest at its hour on some sites, newsletters on
  their weekdays sent in batches at every cron run until the list is done (a plateau that
  leaves the trailing day exactly a day later). Anomalies: a spam relay (a contact form or
  stolen SMTP credentials relaying thousands an hour: the count climbs to the quota, where
  the provider refuses more and may pause the account), sending broken (a revoked key or a
  deactivated SMTP plugin: nothing accepted for hours to days, the trailing day draining), a
  notification loop (a failing job emailing at every run: the count climbs for a day), a
  newsletter resent (its queue restarted from the top minutes to hours after it finished).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r13_fleet import count_on_grid
from healer_ops.devkit.nab.exam_r19_publishing import mail_sent_series, scheduled_posts_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R19 = ("synthCpuSteal", "synthPhpSessions", "synthScheduledPosts",
                     "synthMailSent")
FILES_PER_FAMILY = {"synthCpuSteal": 9, "synthPhpSessions": 9, "synthScheduledPosts": 9,
                    "synthMailSent": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCpuSteal": frozenset({"noisy_neighbour", "cpu_capped", "migration_throttled",
                                "host_oversold"}),
    "synthPhpSessions": frozenset({"gc_broken", "cookieless_bot", "session_everywhere",
                                   "sessions_unwritable"}),
    "synthScheduledPosts": frozenset({"missed_schedule", "scheduling_broken",
                                      "import_duplicates", "schedule_wiped"}),
    "synthMailSent": frozenset({"spam_relay", "sending_broken", "notification_loop",
                                "newsletter_resent"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- CPU steal

USER_HZ = 100  # ticks a second of the kernel's CPU time counters
VCPUS = (1, 2, 2, 4, 4, 8)


def stolen(demand: np.ndarray, contention: np.ndarray) -> np.ndarray:
    """The share of a vCPU's time stolen: it is runnable for ``demand`` / (1 - c) of the time
    while the host's other guests hold its CPU the share c of it, and waits all of c once that
    is the whole time."""
    c = np.clip(contention, 0, 0.99)
    return np.minimum(demand * c / (1 - c), c)


class Guest:
    """The share of its vCPUs' time a web server wants: agents' floor, PHP for the visitors
    (campaigns, crawls), WP-cron's jobs, the nightly backup's compression on one core."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.cores = int(rng.choice(VCPUS))
        load = common.traffic(grid, rng) * np.exp(0.3 * common.wander(rng, span, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, grid, rng.uniform(0, 0.1)), span,
                             (0.5, 3), (60, 600))  # a campaign, a post going viral
        shape, busy = rng.uniform(3, 15), rng.uniform(0.02, 0.3)
        demand = rng.uniform(0.005, 0.03) + busy * load * rng.gamma(shape, 1 / shape, span)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0.1, 1) / DAY):
            demand[start:start + int(rng.uniform(20, 240))] += busy * rng.uniform(0.2, 1)
        runs = common.runner_minutes(rng, grid, (0.2, 20))  # seconds of PHP at each run
        demand[runs] += rng.exponential(rng.uniform(2, 20), runs.sum()) / 60 / self.cores
        if rng.random() < 0.7:  # gzip of the nightly backup, one core
            for start in common.daily_rows(grid, rng.uniform(1, 5)):
                demand[start:start + int(rng.uniform(10, 90))] += rng.uniform(0.6, 1) / (
                    self.cores)
        self.demand = np.clip(demand, 0, 1)


def host_contention(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """How much of a CPU the host's other guests hold a minute: a level of the host's, their
    day (the provider's busiest hours, not the site's), their crontabs at the top of every
    hour, their backups after the host's midnight, a neighbour's burst now and then, a live
    migration's throttling now and then (QEMU's auto-converge, for a minute or three)."""
    span = len(grid)
    base = float(np.exp(rng.uniform(np.log(0.002), np.log(0.04))))
    c = base * (1 + rng.uniform(0.5, 3) * daily_cycle(hour_of_day(grid), rng.uniform(0, 24),
                                                      rng.uniform(2, 5)))
    c *= np.exp(0.5 * common.wander(rng, span, 2 * DAY)) * rng.lognormal(0, 0.3, span)
    tops = np.flatnonzero(np.asarray(grid.minute) < 2)  # 0 * * * * and the minute after
    c[tops] += base * rng.uniform(0.5, 5) * rng.lognormal(0, 0.5, len(tops))
    for start in common.daily_rows(grid, float(rng.choice([0, 1, 2, 5, 6, 7, 8, 23]))):
        c[start:start + int(rng.uniform(20, 150))] += rng.uniform(0.005, 0.05)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0.2, 2) / DAY):
        c[start:start + int(rng.uniform(5, 120))] += rng.uniform(0.01, 0.12)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.05) / DAY):
        c[start:start + int(rng.integers(1, 4))] += rng.uniform(0.2, 0.4)
    return c


def _steal_anomalies(rng: np.random.Generator, guest: Guest, contention: np.ndarray,
                     onsets: list[int], kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the contention with the anomalies, the share a CPU cap steals)."""
    span = len(contention)
    c, capped = contention.copy(), np.zeros(span)
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "noisy_neighbour":  # a guest mining or compiling on the same host
            end = min(later, onset + int(rng.uniform(2 * 60, 3 * DAY)))
            c[onset:end] += rng.uniform(0.1, 0.4) * np.exp(0.3 * common.wander(
                rng, end - onset, 60))
        elif kind == "cpu_capped":  # a fair-share limit: CFS throttling near the quota
            end = min(later, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            quota = rng.uniform(0.4, 0.8) * np.quantile(guest.demand[max(0, onset - DAY):onset],
                                                        0.95)
            x = guest.demand[onset:end] / quota
            capped[onset:end] = (1 - quota) * x ** 4 / (1 + x ** 4)
        elif kind == "migration_throttled":  # auto-converge: 20% throttle, 10% more each pass
            end = min(later, onset + int(rng.uniform(3, 30)))
            passes = np.floor(np.arange(end - onset) / rng.uniform(0.5, 2))
            c[onset:end] = np.maximum(c[onset:end], np.minimum(0.2 + 0.1 * passes, 0.99))
            c[end:] *= rng.uniform(0.7, 1.5)  # the new host
        else:  # host_oversold: moved to a busier host, or more guests packed on, for good
            c[onset:] = c[onset:] * rng.uniform(2, 4) + rng.uniform(0.02, 0.08)
    return c, capped


def cpu_steal_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5, 5]))
    stamps, at, grid = minute_grid(rng, step)
    guest = Guest(rng, grid)
    contention = host_contention(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("noisy_neighbour", "cpu_capped", "migration_throttled",
                                       "host_oversold"), once="host_oversold")
    contention, capped = _steal_anomalies(rng, guest, contention, [int(at[s]) for s in starts],
                                          kinds)
    share = np.maximum(stolen(guest.demand, contention), capped)
    scale = guest.cores * USER_HZ * 60  # ticks a minute of all the vCPUs
    ticks = np.r_[0, np.cumsum(rng.binomial(scale, np.clip(share, 0, 1)))]
    percent = 100 * (ticks[at + 1] - ticks[at + 1 - step]) / (scale * step)
    if name.startswith("cpu_steal_ratio"):
        return SyntheticSeries(name, stamps, np.round(percent / 100, 4), starts, kinds)
    return SyntheticSeries(name, stamps, np.round(percent, 2), starts, kinds)


# ---------------------------------------------------------------- PHP session files

SESSION_BURN_IN = 2 * DAY  # files idle for a day's gc_maxlifetime are gone by the start
LIFETIMES = (24, 24, 24, 24, 60, 180, 1440)  # minutes: session.gc_maxlifetime (1440 s default)
SESSIONCLEAN_MINUTES = (9, 39)  # Debian's /etc/cron.d/php: 09,39 * * * *
VISIT_TAILS = (0, 1, 3, 8, 20, 45)  # minutes from a visit's first request to its last
VISIT_SHARES = (0.45, 0.15, 0.15, 0.12, 0.09, 0.04)


class SessionFiles:
    """Files in PHP's session.save_path, from ``SESSION_BURN_IN`` before the grid: one for each
    visit whose first request reaches code that starts a session (touched until its last
    request), one for each request of a bot or an uptime probe that keeps no cookie; each
    deleted by the first cleanup after gc_maxlifetime idle: Debian's cron at 09 and 39 past
    the hour, or PHP's own collection at a chance of each session start."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        full = pd.date_range(grid[0] - pd.Timedelta(minutes=SESSION_BURN_IN),
                             periods=SESSION_BURN_IN + len(grid), freq="min")
        n = self.n = len(full)
        self.minute = np.asarray(full.minute)
        load = common.traffic(full, rng) * np.exp(0.25 * common.wander(rng, n, DAY))
        load *= 1 + decaying(rng, office_hour_rows(rng, full, rng.uniform(0, 0.1)), n,
                             (0.5, 4), (60, 600))  # a newsletter, a post going viral
        self.visits = float(np.exp(rng.uniform(np.log(0.05), np.log(150)))) * load
        level = float(np.exp(rng.uniform(np.log(0.01), np.log(20))))
        self.bots = level * np.exp(0.5 * common.wander(rng, n, DAY))
        for start in np.flatnonzero(rng.random(n) < rng.uniform(0.1, 1) / DAY):  # crawls
            self.bots[start:start + int(rng.uniform(30, 300))] += level * rng.uniform(1, 10)
        if rng.random() < 0.5:  # uptime probes on a page that starts a session
            every = int(rng.choice([1, 1, 5]))
            self.bots[::every] += int(rng.integers(1, 4))
        self.lifetime = float(rng.choice(LIFETIMES))
        self.cron = rng.random() < 0.6
        self.gc_chance = float(rng.choice([0.01, 0.001]))  # gc_probability / gc_divisor
        self.pages = rng.uniform(1.5, 5)  # requests a visit

    def cleanups(self, rng: np.random.Generator, visits: np.ndarray, bots: np.ndarray
                 ) -> np.ndarray:
        """The minutes a cleanup runs: the cron's, or PHP's at a chance of each start."""
        if self.cron:
            return np.isin(self.minute, SESSIONCLEAN_MINUTES)
        starts = visits * self.pages + bots
        return rng.random(self.n) < 1 - np.exp(-self.gc_chance * starts)

    def files(self, rng: np.random.Generator, visits: np.ndarray, bots: np.ndarray,
              sweeps: np.ndarray) -> np.ndarray:
        """Files each minute of the new visits and bot requests a minute; ``sweeps``: the
        minutes a cleanup runs."""
        minutes = np.arange(self.n, dtype=float)
        swept = np.flatnonzero(sweeps).astype(float)
        shown, hidden, weight = [], [], []
        tails = [(tail, visits * share) for tail, share in zip(VISIT_TAILS, VISIT_SHARES,
                                                                strict=True)]
        for tail, rate in [*tails, (0, bots)]:
            index = np.searchsorted(swept, minutes + tail + self.lifetime, side="right")
            shown.append(minutes)
            hidden.append(np.r_[swept, np.inf][index])
            weight.append(rng.poisson(np.maximum(rate, 0)).astype(float))
        return count_on_grid(np.concatenate(shown), np.concatenate(hidden), self.n,
                             np.concatenate(weight))


def _session_anomalies(rng: np.random.Generator, files: SessionFiles, onsets: list[int],
                       kinds: list[str]) -> np.ndarray:
    """Files each minute with the anomalies (``onsets`` in minutes of the full span)."""
    n = files.n
    visits, bots = files.visits.copy(), files.bots.copy()
    blocked, unswept = np.zeros(n, bool), np.zeros(n, bool)
    usual = files.files(rng, visits, bots, files.cleanups(rng, visits, bots))
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, n),
                                           strict=True)):
        if kinds[i] == "sessions_unwritable" and usual[onset] < 3:
            kinds[i] = "cookieless_bot"  # too few files to be missed
        if kinds[i] == "gc_broken":  # the cron lost, or gc_probability 0 without it
            unswept[onset:min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))] = True
        elif kinds[i] == "cookieless_bot":  # a scraper or a monitor: a file per request
            end = min(later, onset + int(rng.uniform(30, 12 * 60)))
            rate = max(rng.uniform(3, 15) * (visits[onset - 60:onset].mean()
                                             + bots[onset - 60:onset].mean()),
                       rng.uniform(3, 30))
            bots[onset:end] += rate * np.minimum((np.arange(end - onset) + 1) / 5, 1)
        elif kinds[i] == "session_everywhere":  # every front-end request, the cache bypassed
            visits[onset:] *= rng.uniform(3, 12)
            bots[onset:] *= rng.uniform(3, 10)
        else:  # sessions_unwritable: the disk full, or the directory's owner changed
            end = min(later, onset + int(rng.uniform(60, 2 * DAY)))
            blocked[onset:end] = True
            if not files.cron:  # PHP cannot delete them either
                unswept[onset:end] = True
    sweeps = files.cleanups(rng, visits, bots) & ~unswept
    return files.files(rng, np.where(blocked, 0, visits), np.where(blocked, 0, bots), sweeps)


def php_sessions_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5])))
    files = SessionFiles(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("gc_broken", "cookieless_bot", "sessions_unwritable",
                                       "session_everywhere"), once="session_everywhere")
    counted = _session_anomalies(rng, files, [SESSION_BURN_IN + int(at[s]) for s in starts],
                                 kinds)
    return SyntheticSeries(name, stamps, counted[SESSION_BURN_IN + at], starts, kinds)


GENERATORS = {"synthCpuSteal": cpu_steal_series, "synthPhpSessions": php_sessions_series,
              "synthScheduledPosts": scheduled_posts_series, "synthMailSent": mail_sent_series}
STEMS = {"synthCpuSteal": ("node_cpu_steal_percent", "cpu_steal_ratio"),
         "synthPhpSessions": ("php_session_files", "session_save_path_files"),
         "synthScheduledPosts": ("wp_future_posts", "wp_network_future_posts"),
         "synthMailSent": ("ses_sent_last_24h", "mail_sent_today")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R19, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1900)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
