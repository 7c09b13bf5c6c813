"""Twenty-second exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a sparse count of people signing
up whose week is its strongest rhythm (business sites empty at weekends, shops busiest then)
and whose channels can fail one at a time, a size that changes only when something writes an
option and is read only when WP-cron runs (so its rows come when PHP serves a visitor: a busy
site every few minutes, a small one with holes at night), a sum of counters that lives and
dies with its pods (climbing by ones, falling back at every rollout), and a sawtooth of a
garbage-collected heap over a band of young-generation noise.

- ``synthUserSignups``: users registered on a WordPress site (WooCommerce customers, members of
  a community, trial accounts of a business site), per 5-15 minute bucket, counted by an
  exporter's query of wp_users. Normal: the visitors' day (evenings for shops and communities,
  office hours for business sites), the week (business sites quiet at weekends and busiest on
  Mondays, shops busiest at weekends), a weekly newsletter's pull for hours, campaigns and a
  post shared widely, many empty buckets on small sites, a trickle and short bursts of bots
  getting past the form on some sites, an admin importing a list of users now and then.
  Anomalies: a spam wave (a bot farm past a captcha broken by an update: tens of sign-ups a
  bucket, day and night alike, for hours to two days), the form broken (an update's JavaScript
  error or a fatal on submit: no sign-ups at all for hours to days), social login broken (the
  OAuth app's secret expired: the share that signed up with Google or Facebook gone, for
  days), a noindex deployed (staging's "discourage search engines" copied to production: the
  visitors from search, and their sign-ups, fading over days).
- ``synthAutoloadOptions``: the size of WordPress' autoloaded options (bytes, or KiB in
  tenths), reported by a monitoring plugin's WP-cron event every 2-10 minutes: stamped when
  the event ran, at the first request reaching PHP after it was due (a busy site on time, a
  small one late and with holes at night; sites with a system cron on time). Normal: the
  plugins' settings (steps at activations and uninstalls in office hours, small ones at
  nightly auto-updates), the update transients rewritten twice a day (larger with every update
  available, smaller once applied), the cron array's pending events, a security plugin's log of
  recent events growing with the visitors until a daily trim or its cap in some sites, the
  rewrite rules caught deleted now and then after a flush. Anomalies: cron events piling up (a
  plugin scheduling its recurring event again with new arguments at every run and request:
  the cron option grows for hours to days until the duplicates are deleted), a heavy option
  autoloaded (a page builder or a log saving megabytes with autoload on: a step up, often for
  good), a rewrite flush loop (a plugin flushing the rules on every request: each report with
  or without them, for hours to days), WP-cron disabled (DISABLE_WP_CRON deployed with no
  system cron: no reports at all for hours to days, and the daily trim late).
- ``synthPodRestarts``: container restarts of a WordPress deployment on Kubernetes, the sum of
  kube_pod_container_status_restarts_total over its pods, every 1-5 minutes
  (``exam_r22_cluster``). Normal: a restart now and then (a heavy request's OOM, a missed
  probe: more at the busy hours), a database hiccup restarting a few pods at once, the count
  of each pod lost when it goes (rollouts at deploys, a nightly image rebuild and the weekly
  node pool upgrade in some, preemptible nodes, the HPA scaling in after its window).
  Anomalies: a crash loop (one pod's container failing on a broken mount: restarted with
  kubelet's backoff, one every five minutes, for an hour to two days), OOM at the peaks (a
  deploy lowering the memory limit: pods killed whenever the visitors are many, for days), a
  probe storm (PHP saturated, liveness probes timing out: every pod restarted once or more
  within minutes), a sidecar crashing (the database proxy's secret rotated: every pod's
  sidecar in backoff for 20 minutes to four hours).
- ``synthJvmHeap``: the heap of an Elasticsearch (or OpenSearch) node serving ElasticPress'
  search, in whole percent (jvm.mem.heap_used_percent) or bytes, every 1-5 minutes
  (``exam_r22_cluster``). Normal: G1's sawtooth (the old generation climbing with what
  survives, taken back to the live set once past the threshold: minutes to hours a tooth,
  faster at the visitors' peak) over the young generation's band, the nightly sync of changed
  posts and a weekly full reindex in some (fast teeth), the live set growing with the index, a
  rolling upgrade's restart (an empty heap, caches refilled over hours). Anomalies: fielddata
  pressure (an aggregation on a text field: the heap pinned near full, its teeth gone, for an
  hour to half a day), a heap leak (scroll contexts never cleared: the floor creeping up for
  days until the node dies of OOM), a reindex loop (a sync restarting from the first post over
  and over: fast, tall teeth day and night for hours to two days), stats frozen (the script
  pushing the figure broken, the Pushgateway serving its last push: one value for hours to
  days).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r12_ratchets import weekly_rows
from healer_ops.devkit.nab.exam_r15_scheduled import ends_by, in_window
from healer_ops.devkit.nab.exam_r22_cluster import jvm_heap_series, pod_restarts_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    first_week_minute,
    hour_of_day,
    label_windows,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R22 = ("synthUserSignups", "synthAutoloadOptions", "synthPodRestarts",
                     "synthJvmHeap")
FILES_PER_FAMILY = {"synthUserSignups": 9, "synthAutoloadOptions": 9, "synthPodRestarts": 9,
                    "synthJvmHeap": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthUserSignups": frozenset({"spam_signup_wave", "signup_form_broken",
                                   "social_login_broken", "noindex_deployed"}),
    "synthAutoloadOptions": frozenset({"cron_events_piling", "heavy_option_autoloaded",
                                       "rewrite_flush_loop", "wp_cron_disabled"}),
    "synthPodRestarts": frozenset({"crash_loop", "oom_at_peaks", "probe_storm",
                                   "sidecar_crashing"}),
    "synthJvmHeap": frozenset({"fielddata_pressure", "heap_leak", "reindex_loop",
                               "stats_frozen"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- user sign-ups

SITE_TYPES = ("shop", "community", "business")


def week_profile(rng: np.random.Generator, site: str) -> np.ndarray:
    """Sign-ups of each day of the week (Monday first) against a weekday's: business sites
    quiet at weekends and busiest on Mondays, shops and communities busier at weekends."""
    if site == "business":
        days = np.r_[rng.uniform(1.05, 1.35), np.ones(4), rng.uniform(0.15, 0.5, 2)]
    elif site == "shop":
        days = np.r_[np.ones(4), rng.uniform(0.9, 1.1), rng.uniform(1.15, 1.6, 2)]
    else:
        days = np.r_[np.ones(5), rng.uniform(1.15, 1.5, 2)]
    return days * rng.lognormal(0, 0.04, 7)


class Signups:
    """A site's sign-ups a minute by where they come from: visitors from search (the organic
    share) and the others (direct, newsletters, campaigns, shares), a share signing up with a
    social login; bots getting past the form; lists an admin imports."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        site = str(rng.choice(SITE_TYPES))
        peak = {"shop": (19, 22), "community": (18, 23), "business": (10, 15)}[site]
        floor = rng.uniform(0.03, 0.3)
        shape = (floor + (1 - floor) * daily_cycle(hour_of_day(grid), rng.uniform(*peak),
                                                   rng.uniform(2.5, 5)))
        shape *= week_profile(rng, site)[np.asarray(grid.day_of_week)]
        per_day = float(np.exp(rng.uniform(np.log(15), np.log(2500))))
        self.people = per_day / DAY * shape / shape.mean() * np.exp(
            0.2 * common.wander(rng, span, 3 * DAY))
        pulls = weekly_rows(rng, grid, rng.uniform(8, 17)) if rng.random() < 0.5 else []
        pull = decaying(rng, pulls, span, (0.5, 3), (60, 6 * 60))  # the weekly newsletter
        pull += decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.1) / DAY),
                         span, (0.5, 4), (2 * 60, 12 * 60))  # a campaign, a shared post
        self.organic = rng.uniform(0.25, 0.7)
        self.pull = pull
        self.social = 0.0 if rng.random() < 0.25 else rng.uniform(0.2, 0.55)
        self.lumps = rng.uniform(4, 30)
        self.bots = np.full(span, per_day / DAY * rng.uniform(0, 0.1) * (rng.random() < 0.4))
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.5) / DAY):
            self.bots[start:start + int(rng.uniform(5, 40))] += rng.uniform(0.05, 0.5)
        self.imports = office_hour_rows(rng, grid, rng.uniform(0, 0.05))
        self.imported = np.round(rng.lognormal(np.log(60), 1, len(self.imports)))

    def expected(self, organic: np.ndarray | float = 1.0, social: np.ndarray | float = 1.0
                 ) -> np.ndarray:
        """People a minute who sign up, with the search visitors and social logins scaled."""
        people = self.people * (self.organic * organic + (1 - self.organic) * (1 + self.pull))
        return people * (1 - self.social + self.social * social)

    def counts(self, rng: np.random.Generator, organic: np.ndarray, social: np.ndarray,
               form_open: np.ndarray, spam: np.ndarray) -> np.ndarray:
        people = self.expected(organic, social) * rng.gamma(self.lumps, 1 / self.lumps,
                                                             self.span)
        counts = rng.poisson((people + self.bots + spam) * form_open).astype(float)
        counts[self.imports] += self.imported  # the admin's import works whatever the form
        return counts


def _spam_wave(rng: np.random.Generator, signups: Signups, onset: int, end: int) -> np.ndarray:
    """A bot farm's sign-ups a minute: as many by night as by day, in sessions with pauses."""
    rate = max(signups.expected().mean() * rng.uniform(2, 20), rng.uniform(0.1, 0.6))
    minutes = np.arange(end - onset)
    sessions = np.zeros(end - onset)
    at = 0
    while at < len(minutes):  # runs of 10-90 minutes, pauses of 5-60
        on = int(rng.uniform(10, 90))
        sessions[at:at + on] = rng.uniform(0.5, 1.5)
        at += on + int(rng.uniform(5, 60))
    return rate * sessions * np.minimum((minutes + 1) / rng.uniform(10, 60), 1)


def _signup_anomalies(rng: np.random.Generator, signups: Signups, onsets: list[int],
                      kinds: list[str]) -> tuple[np.ndarray, ...]:
    span = signups.span
    organic, social = np.ones(span), np.ones(span)
    form_open, spam = np.ones(span), np.zeros(span)
    usual = signups.expected()
    for i, (onset, over_by) in enumerate(zip(onsets, ends_by(onsets, span), strict=True)):
        day_before = usual[max(0, onset - DAY):onset].sum()
        if kinds[i] == "social_login_broken" and day_before * signups.social < 8:
            kinds[i] = "signup_form_broken"  # too few social sign-ups to be missed
        if kinds[i] in ("signup_form_broken", "noindex_deployed") and day_before < 8:
            kinds[i] = "spam_signup_wave"  # too few sign-ups to be missed
        if kinds[i] == "spam_signup_wave":
            end = int(min(over_by, onset + rng.uniform(2 * 60, 2 * DAY)))
            spam[onset:end] += _spam_wave(rng, signups, onset, end)
        elif kinds[i] == "signup_form_broken":
            form_open[onset:int(min(over_by, onset + rng.uniform(2 * 60, 3 * DAY)))] = 0
        elif kinds[i] == "social_login_broken":
            social[onset:int(min(over_by, onset + rng.uniform(DAY, 5 * DAY)))] = 0
        else:  # noindex_deployed: search engines drop the pages, then index them again
            fixed = int(min(span, onset + rng.uniform(2 * DAY, 6 * DAY)))
            left = rng.uniform(0.05, 0.2)
            organic[onset:fixed] = left + (1 - left) * np.exp(
                -np.arange(fixed - onset) / rng.uniform(0.5 * DAY, 2 * DAY))
            lost = 1 - organic[fixed - 1]
            organic[fixed:] = 1 - lost * np.exp(-np.arange(span - fixed) / rng.uniform(
                DAY, 3 * DAY))
    return organic, social, form_open, spam


def user_signups_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    signups = Signups(rng, grid)
    rows = len(stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("spam_signup_wave", "signup_form_broken",
                                       "social_login_broken", "noindex_deployed"),
                         once="noindex_deployed")
    hours = hour_of_day(stamps)
    deploys = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18))
    snap_onsets(("noindex_deployed",), "spam_signup_wave", deploys, starts, kinds, rows)
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    scales = _signup_anomalies(rng, signups, [int(at[s]) for s in starts], kinds)
    counts = signups.counts(rng, *scales)
    return SyntheticSeries(name, stamps, in_window(counts, at, step), starts, kinds)


# ---------------------------------------------------------------- autoloaded options

AUTOLOAD_ROWS = {2: (4000, 10000), 5: (2400, 8000), 10: (2400, 4000)}
AUTOLOAD_KINDS = ("cron_events_piling", "heavy_option_autoloaded", "rewrite_flush_loop",
                  "wp_cron_disabled")
EVENT_BYTES = 180  # a cron array entry, serialized


def cron_runs(requests: np.ndarray, interval: int, phase: int, system_cron: bool
              ) -> np.ndarray:
    """Minutes an event due every ``interval`` minutes runs: on time with a system cron, else at
    the first minute with a request reaching PHP once it is due (WP-cron reschedules it for
    the next due time after the run, so the missed ones are not run twice)."""
    due = np.arange(phase, len(requests), interval)
    if system_cron:
        return due
    served = np.flatnonzero(requests > 0)
    index = np.searchsorted(served, due)
    return np.unique(served[index[index < len(served)]])


class Site:
    """The PHP requests a minute of a site (what its page cache lets through) and when its
    reporting event runs: a span of minutes long enough for ``rows`` reports."""

    def __init__(self, rng: np.random.Generator, interval: int, rows: int) -> None:
        self.system_cron = rng.random() < 0.3
        level = float(np.exp(rng.uniform(np.log(0.3), np.log(40))))  # PHP requests a minute
        start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng))
        minutes = int(rows * interval * 1.3)
        while True:
            self.grid = pd.date_range(start, periods=minutes, freq="min")
            self.load = common.traffic(self.grid, rng) * np.exp(
                0.25 * common.wander(rng, minutes, DAY))
            self.requests = rng.poisson(level * self.load)
            runs = cron_runs(self.requests, interval, int(rng.integers(interval)),
                             self.system_cron)
            if len(runs) > rows:
                if np.median(np.diff(runs[:rows])) <= min(1.5 * interval + 3, 15):
                    self.runs = runs[:rows]
                    break
                level *= 2  # too few visitors to run it near its interval
            else:
                minutes = int(minutes * 1.5)


class Options:
    """Bytes of the autoloaded options, but for what the anomalies add: the plugins' settings
    (steps in office hours, small ones at nightly auto-updates), the update transients
    (rewritten twice a day), the recurring events of the cron array, a security log option
    (growing with the requests, trimmed daily or capped) in some sites, the rewrite rules."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.grid = grid
        steps = np.zeros(span)
        changes = office_hour_rows(rng, grid, rng.uniform(0.02, 0.4))
        grown = rng.lognormal(np.log(8e3), 1.0, len(changes))
        steps[changes] = np.where(rng.random(len(changes)) < 0.75, grown, -0.6 * grown)
        if rng.random() < 0.5:
            nights = common.daily_rows(grid, rng.uniform(0, 6))
            nights = nights[rng.random(len(nights)) < 0.3]
            steps[nights] += rng.normal(0, 1.5e3, len(nights))
        base = float(np.exp(rng.uniform(np.log(150e3), np.log(2.5e6))))
        self.settings = base + np.maximum(np.cumsum(steps), -0.3 * base)
        self.flushes = changes  # activations flush the rewrite rules
        self.rules = float(np.exp(rng.uniform(np.log(20e3), np.log(300e3))))
        self.recurring = int(rng.integers(20, 150)) * EVENT_BYTES
        self.plugins = int(rng.integers(5, 60))
        self.checks = np.arange(int(rng.integers(0, 12 * 60)), span, 12 * 60)
        self.applied = 0.5 if rng.random() < 0.6 else 0.08  # auto-updates on, or by hand
        self.log_rate = rng.uniform(0.002, 0.05) if rng.random() < 0.4 else 0.0
        self.entry = rng.uniform(150, 500)
        self.log_cap = int(rng.integers(200, 3000)) * self.entry
        self.trims = common.daily_rows(grid, rng.uniform(0, 6))

    def update_transients(self, rng: np.random.Generator, runs: np.ndarray) -> np.ndarray:
        """Bytes of the update transients at each run: rewritten at the first run after each
        twice-daily check, larger with each update available, emptied when updates apply."""
        written = np.unique(np.searchsorted(runs, self.checks))
        waiting = rng.poisson(2)
        size = np.full(len(runs), self.plugins * 1.2e3 + waiting * 2.5e3)
        for row in written[written < len(runs)]:
            waiting += rng.poisson(0.4)
            if rng.random() < self.applied:
                waiting = rng.poisson(0.3)
            size[row:] = self.plugins * 1.2e3 + waiting * rng.uniform(1.5e3, 4e3)
        return size

    def security_log(self, rng: np.random.Generator, requests: np.ndarray, runs: np.ndarray
                     ) -> np.ndarray:
        """Bytes of a log option at each run: the requests' events since the last daily trim
        (done by the first cron run after its hour), at most its cap."""
        if not self.log_rate:
            return np.zeros(len(runs))
        written = np.r_[0, np.cumsum(requests * self.log_rate)] * self.entry
        before = DAY - self.trims[0] if len(self.trims) else 0  # since the last trim
        written += max(before, 0) * written[DAY] / DAY  # what it held when the file starts
        trimmed = np.zeros(len(runs), int)
        trim_rows = np.unique(np.searchsorted(runs, self.trims))
        trimmed[trim_rows[trim_rows < len(runs)]] = 1
        last = np.maximum.accumulate(np.where(trimmed, np.arange(len(runs)), -1))
        since = np.where(last >= 0, written[runs + 1] - written[runs[np.maximum(last, 0)] + 1],
                         written[runs + 1])
        return np.minimum(since, self.log_cap)


def _autoload_anomalies(rng: np.random.Generator, site: Site, runs: np.ndarray,
                        onsets: list[int], kinds: list[str]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes a minute the anomalies add, the chance a report misses the rewrite rules a
    minute, the minutes without WP-cron)."""
    span = len(site.requests)
    extra, missing, disabled = np.zeros(span), np.zeros(span), np.zeros(span, bool)
    ran = np.zeros(span)
    ran[runs] = 1
    for onset, kind, over_by in zip(onsets, kinds, ends_by(onsets, span), strict=True):
        if kind == "cron_events_piling":
            end = int(min(over_by, onset + rng.uniform(6 * 60, 4 * DAY)))
            added = ran[onset:end] + site.requests[onset:end] * rng.uniform(0.02, 0.5)
            piled = np.cumsum(added) * EVENT_BYTES * int(rng.integers(1, 4))
            # past max_allowed_packet the cron option's updates fail: it grows no more
            extra[onset:end] += np.minimum(piled, float(rng.choice([16, 64])) * 2 ** 20)
        elif kind == "heavy_option_autoloaded":
            end = int(onset + rng.uniform(DAY, 5 * DAY))
            if end > over_by or rng.random() < 0.6:
                end = span  # kept for good, whatever comes after
            extra[onset:end] += float(np.exp(rng.uniform(np.log(3e5), np.log(8e6))))
        elif kind == "rewrite_flush_loop":
            end = int(min(over_by, onset + rng.uniform(2 * 60, 3 * DAY)))
            missing[onset:end] = rng.uniform(0.3, 0.7)
        else:  # wp_cron_disabled
            longest = 0.12 * (runs[-1] - runs[0])
            end = int(min(over_by, onset + min(rng.uniform(3 * 60, 3 * DAY), longest)))
            disabled[onset:end] = True
    return extra, missing, disabled


def _onsets_fit(starts: list[int], rows: int) -> bool:
    """Onsets after NAB's probation, in the file, in windows that do not overlap."""
    if any(not np.ceil(0.15 * rows) <= s < rows for s in starts):
        return False
    windows = label_windows(rows, starts)
    return all(last < following for (_, last), (following, _) in zip(windows, windows[1:],
                                                                     strict=False))


def autoload_options_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    interval = int(rng.choice([2, 5, 5, 10]))
    while True:
        site = Site(rng, interval, int(rng.integers(*AUTOLOAD_ROWS[interval])))
        usual = site.runs
        starts = common.spaced_starts(rng, len(usual),
                                      anomaly_count(rng, common.ANOMALY_COUNTS))
        kinds = common.kinds(rng, starts, AUTOLOAD_KINDS)
        onsets = [int(usual[s]) for s in starts]
        extra, missing, disabled = _autoload_anomalies(rng, site, usual, onsets, kinds)
        runs = usual[~disabled[usual]]
        rows_of = [int(np.searchsorted(runs, onset)) for onset in onsets]
        if 2000 <= len(runs) <= 16000 and _onsets_fit(rows_of, len(runs)):
            break  # else redrawn: a hole moved the onsets past NAB's rules
    options = Options(rng, site.grid)
    caught = np.searchsorted(runs, options.flushes)  # the next report after a flush ...
    caught = caught[(caught < len(runs)) & (rng.random(len(caught)) < 0.5)]
    without_rules = rng.random(len(runs)) < missing[runs]
    without_rules[caught] = True  # ... may find the rules deleted, not yet rebuilt
    rules = options.rules * np.where(missing[runs] > 0, rng.lognormal(0, 0.03, len(runs)), 1)
    pending = rng.poisson(rng.uniform(1, 20) * site.load[runs]) * EVENT_BYTES
    size = (options.settings[runs] + options.update_transients(rng, runs)
            + options.recurring + pending + options.security_log(rng, site.requests, runs)
            + np.where(without_rules, 0, rules) + extra[runs])
    seconds = rng.uniform(0, 4, len(runs)) if site.system_cron else rng.uniform(
        0, 59, len(runs))
    stamps = pd.DatetimeIndex(site.grid[runs] + pd.to_timedelta(np.round(seconds),
                                                                unit="s")).as_unit("ns")
    values = np.round(size / 1024, 1) if name.startswith("autoloaded_options_kib") else (
        np.round(size))
    return SyntheticSeries(name, stamps, values, rows_of, kinds)


GENERATORS = {"synthUserSignups": user_signups_series,
              "synthAutoloadOptions": autoload_options_series,
              "synthPodRestarts": pod_restarts_series, "synthJvmHeap": jvm_heap_series}
STEMS = {"synthUserSignups": ("wp_user_registrations", "new_customer_accounts"),
         "synthAutoloadOptions": ("wp_autoload_bytes", "autoloaded_options_kib"),
         "synthPodRestarts": ("kube_pod_restarts_wordpress", "container_restarts_php_fpm"),
         "synthJvmHeap": ("elasticsearch_jvm_heap_used_percent", "opensearch_heap_used_bytes")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R22, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2200)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
