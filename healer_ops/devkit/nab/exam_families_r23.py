"""Twenty-third exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these metrics of a WordPress host come about,
without reading the detection engine and without scoring anything on them: their held-out
figures estimate how the engine does on kinds of data it was not built on. Each family puts
the oddities that are normal for its kind into the normal data too, so a detector is rewarded
for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a count of errors thrown in the
visitors' browsers, made of the visitors times the share of them each broken script catches
(and of a few browsers throwing in a loop), a sparse count of people filling in a form (office
hours, a weekday's worth of leads or none, spam that gets past the filters in clumps), the
descriptors a web server's processes hold (a large floor of every process's logs and sockets,
the connections held open on top, a ceiling per worker), and the share of a container's CPU
periods throttled by its quota (set by the bursts of concurrent requests, not by the mean,
and a share of the periods that had anything to run).

- ``synthJsErrors``: JavaScript errors reported by the visitors' browsers (Sentry's accepted
  events, or a RUM tool's error count) per 1-5 minute bucket. Normal: browser extensions and
  old browsers throwing on a small share of page views (so the count follows the visitors),
  known errors of the site's own scripts on a share of the pages, changed by deploys in office
  hours (one added, one fixed), visitors with a cached page asking for the bundles a deploy
  replaced (ChunkLoadError for as long as the HTML is cached), third-party scripts (ads, chat,
  consent) whose own releases change their errors at any hour, now and then one browser in an
  error loop sending hundreds of events, a rate limit on the project in some files. Anomalies:
  a broken release (a deploy throwing on a page type's every view, until it is rolled back or
  fixed), a browser update (a new browser version breaking a script: a share of the visitors
  that grows over days as they update), a third-party script down (its CDN or API failing: an
  error or several on every page with it, for minutes to hours), events dropped (the quota
  spent, the DSN removed or a rate limit cut low: nothing, or a flat cap, for hours to days).
- ``synthFormEntries``: entries stored by a site's forms (contact, quote and lead forms of
  Gravity Forms, WPForms, Contact Form 7 with Flamingo) per 5-15 minute bucket. Normal: people
  in office hours on weekdays for B2B sites, in the evening and at weekends for shops and
  clubs, a day's level changing from day to day, public holidays, newsletters and ads
  scheduled for weekdays' hours, many empty buckets, people sending the form twice, spam that
  gets past the honeypot and Akismet in clumps at any hour, the agency's test entries after a
  change. Anomalies: the form broken (a plugin update or a cached nonce: people's entries stop,
  bots posting directly may go on, for hours to days until a client asks where the leads
  went), a spam wave (a bot past the filters, or Akismet's key expired: clumps of entries day
  and night), a captcha rejecting people (a score threshold or a domain setting rejecting a
  share of real visitors for days), duplicate entries (a submit handler firing twice or an
  add-on retrying: every entry stored twice or three times).
- ``synthOpenFds``: file descriptors held by nginx's processes (process-exporter's open_filedesc
  of the group, or its worst_fd_ratio, the busiest worker's share of its limit), every 1-5
  minutes (``exam_r23_processes``). Normal: every process holding the logs of the virtual hosts
  and the listening sockets (a floor that steps when sites are added and removed), the
  visitors' connections for the keepalive time, a descriptor per request in flight to PHP,
  open_file_cache, reloads at deploys and certificate renewals (the old workers' floor until
  they drain, now and then one kept for hours by a long download), restarts at upgrades.
  Anomalies: a descriptor leak (a module losing a handle on some requests: up with the
  traffic, reset by each reload, until it is fixed), an upstream stall (PHP or its database
  stuck: every request waits up to the proxy's timeout holding two descriptors), the workers
  hung (blocked on a hung NFS mount: nothing opens or closes, the count frozen), the limit
  lowered (restarted without its LimitNOFILE override: each worker capped at the default
  1024 or 4096, flat at the peaks, for hours to days).
- ``synthCpuThrottling``: the share of a site container's CFS periods throttled (in percent),
  or the seconds throttled a second, every 1-5 minutes (``exam_r23_processes``). Normal: PHP's
  requests arriving in bunches (a 100 ms period is throttled when its threads want more than
  the quota, so at a few tenths of the quota on average some periods are), WP-cron's runs,
  ImageMagick resizing uploads on every core of the host, a warm-up after deploys, a nightly
  export compressing on one core (throttled all along under a quota of one CPU), minutes with
  nothing to run on a sleeping site (no share, no row). Anomalies: the quota lowered
  (redeployed with the namespace's default limit, half a CPU or a quarter: more throttled at
  the same load, until it is put back), a runaway process (a miner on every core, or cron runs
  that never end piling up: throttled near always), the page cache bypassed (a cookie on every
  page: every view reaches PHP, for hours to days), PHP blocked on its database (waiting on a
  database that is down: nothing to throttle).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. An anomaly that would last into the next one is over earlier, in the second half of the
time between them (``exam_r23_processes.until_next``), so its end is not taken for the next
one's start. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r23_processes import (
    cpu_throttling_series,
    open_fds_series,
    until_next,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
    snap_onsets,
)

EXAM_FAMILIES_R23 = ("synthJsErrors", "synthFormEntries", "synthOpenFds", "synthCpuThrottling")
FILES_PER_FAMILY = {"synthJsErrors": 9, "synthFormEntries": 9, "synthOpenFds": 9,
                    "synthCpuThrottling": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthJsErrors": frozenset({"broken_release", "browser_update", "third_party_down",
                                "events_dropped"}),
    "synthFormEntries": frozenset({"form_broken", "spam_wave", "captcha_rejecting",
                                   "duplicate_entries"}),
    "synthOpenFds": frozenset({"fd_leak", "upstream_stall", "workers_hung", "nofile_lowered"}),
    "synthCpuThrottling": frozenset({"quota_lowered", "runaway_process", "cache_bypassed",
                                     "blocked_on_database"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- browsers' JavaScript errors


def _page_share(rng: np.random.Generator) -> float:
    """The share of page views an error of the site's own scripts catches."""
    return float(np.exp(rng.uniform(np.log(1e-4), np.log(0.05))))


def _own_errors(rng: np.random.Generator, grid: pd.DatetimeIndex, views: np.ndarray
                ) -> np.ndarray:
    """Events a minute of the site's own known errors (a share of the views, a few events
    each), changed by deploys; visitors with cached HTML asking for replaced bundles."""
    span = len(grid)
    live = [(0, _page_share(rng), rng.uniform(1, 3)) for _ in range(int(rng.integers(0, 5)))]
    done = []  # (start, end, share, events per view)
    bundled = rng.random() < 0.5  # hashed bundles: old pages ask for chunks that are gone
    rate = np.zeros(span)
    for deploy in office_hour_rows(rng, grid, rng.uniform(0.1, 2)):
        draw = rng.random()
        if draw < 0.3 or not live:  # a new error
            live.append((deploy, _page_share(rng), rng.uniform(1, 3)))
        elif draw < 0.55:  # one fixed
            start, share, per = live.pop(int(rng.integers(len(live))))
            done.append((start, deploy, share, per))
        elif draw < 0.75:  # one caught more or less often
            index = int(rng.integers(len(live)))
            start, share, per = live[index]
            done.append((start, deploy, share, per))
            live[index] = (deploy, min(share * rng.lognormal(0, 0.8), 0.3), per)
        if bundled:
            since = np.arange(min(span - deploy, 180))
            rate[deploy:deploy + len(since)] += views[deploy:deploy + len(since)] * rng.uniform(
                0.002, 0.03) * np.exp(-since / rng.uniform(5, 60))
    for start, end, share, per in done + [(s, span, share, per) for s, share, per in live]:
        rate[start:end] += views[start:end] * share * per
    return rate


def _third_parties(rng: np.random.Generator, views: np.ndarray) -> np.ndarray:
    """Events a minute of ads', chat widgets' and consent tools' scripts: errors per view that
    change when their vendors release, at any hour."""
    span = len(views)
    per_view = np.zeros(span)
    for _ in range(int(rng.integers(0, 4))):
        level = np.exp(rng.uniform(np.log(1e-4), np.log(0.02)))
        releases = np.flatnonzero(rng.random(span) < rng.uniform(0.1, 1) / DAY)
        levels = level * rng.lognormal(0, 1, len(releases) + 1)
        levels[1:][rng.random(len(releases)) < 0.2] = 0  # a release fixing its error
        per_view += levels[np.searchsorted(releases, np.arange(span), side="right")]
    return views * per_view


def _error_loops(rng: np.random.Generator, views: np.ndarray) -> np.ndarray:
    """Events a minute of single browsers stuck throwing in a loop (a few minutes each)."""
    span = len(views)
    events = np.zeros(span)
    for start in np.flatnonzero(rng.random(span) < views * np.exp(
            rng.uniform(np.log(1e-6), np.log(3e-5)))):
        minutes = int(rng.integers(1, 20))
        total = rng.lognormal(np.log(80), 1.2)
        events[start:start + minutes] += rng.poisson(total / minutes, len(events[
            start:start + minutes]))
    return events


def _js_anomalies(rng: np.random.Generator, views: np.ndarray, usual: np.ndarray,
                  onsets: list[int], kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the anomalies' events a minute, the accepted events' cap a minute: inf, a low limit,
    or 0 where events are dropped)."""
    span = len(views)
    extra, cap = np.zeros(span), np.full(span, np.inf)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        if kinds[i] == "events_dropped" and np.median(usual[max(0, onset - 6 * 60):onset]) < 1:
            kinds[i] = "third_party_down"  # too few events to be missed
        if kinds[i] == "broken_release":  # a page type throwing on every view
            fixed = rng.uniform(20, 2 * 60) if rng.random() < 0.6 else rng.uniform(3 * 60, 2 * DAY)
            end = until_next(rng, onset, later, span, fixed)
            extra[onset:end] += views[onset:end] * rng.uniform(0.03, 0.8) * rng.uniform(1, 3)
        elif kinds[i] == "browser_update":  # visitors updating to a version that breaks a script
            end = until_next(rng, onset, later, span, rng.uniform(3 * DAY, 10 * DAY))
            days = np.arange(end - onset) / DAY
            half, width = rng.uniform(0.5, 3), rng.uniform(0.15, 0.5)
            updated = 1 / (1 + np.exp(-(days - half) / width))
            updated = (updated - updated[0]) / (1 - updated[0])
            # its users' share of the visitors, of the pages running the script, events each
            caught = rng.uniform(0.1, 0.5) * rng.uniform(0.3, 1) * rng.uniform(1, 3)
            extra[onset:end] += views[onset:end] * caught * updated
        elif kinds[i] == "third_party_down":  # a widget's script failing on every page with it
            end = until_next(rng, onset, later, span, rng.uniform(10, 3 * 60))
            extra[onset:end] += views[onset:end] * rng.uniform(0.3, 1) * rng.uniform(1, 5)
        else:  # events_dropped: the quota spent or the DSN removed, or a limit cut low
            end = until_next(rng, onset, later, span, rng.uniform(2 * 60, 3 * DAY))
            low = np.median(usual[max(0, onset - 6 * 60):onset]) * rng.uniform(0.1, 0.4)
            cap[onset:end] = 0.0 if rng.random() < 0.6 else max(np.floor(low), 1.0)
    return extra, cap


def js_errors_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    level = float(np.exp(rng.uniform(np.log(2), np.log(20000))))  # page views a minute
    views = level * common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
    views *= 1 + decaying(rng, np.flatnonzero(rng.random(span) < rng.uniform(0, 0.2) / DAY),
                          span, (0.5, 4), (60, 600))  # a newsletter, a post going viral
    lumps = rng.uniform(5, 30)
    views *= rng.gamma(lumps, 1 / lumps, span)
    noise = views * np.exp(rng.uniform(np.log(5e-4), np.log(0.01)))  # extensions, old browsers
    usual = noise + _own_errors(rng, grid, views) + _third_parties(rng, views)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("broken_release", "browser_update", "third_party_down",
                                       "events_dropped"))
    hours = hour_of_day(stamps)
    deploys = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 18))
    snap_onsets(("broken_release",), "third_party_down", deploys, starts, kinds, len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    extra, cap = _js_anomalies(rng, views, usual, [int(at[s]) for s in starts], kinds)
    events = rng.poisson(usual + extra) + _error_loops(rng, views)
    if rng.random() < 0.3:  # the project's rate limit, far above the usual
        cap = np.minimum(cap, np.ceil(np.quantile(events, 0.999) * rng.uniform(1, 3)))
    accepted = np.minimum(events, cap)
    summed = np.r_[0, np.cumsum(accepted)]
    return SyntheticSeries(name, stamps, summed[at + 1] - summed[at + 1 - step], starts, kinds)


# ---------------------------------------------------------------- form entries


def _people(rng: np.random.Generator, grid: pd.DatetimeIndex, per_day: float) -> np.ndarray:
    """Entries a minute from people: office hours on weekdays (B2B) or evenings and weekends
    (shops, clubs), a level that changes from day to day, holidays, newsletters, ads."""
    span = len(grid)
    hours = hour_of_day(grid)
    weekday = np.asarray(grid.day_of_week)
    day = (np.asarray((grid - grid[0].normalize()).days))
    holiday = rng.random(day.max() + 1) < 0.03
    weekend = (weekday >= 5) | holiday[day]
    if rng.random() < 0.6:  # business to business
        shape = daily_cycle(hours, rng.uniform(10, 15), rng.uniform(2.5, 4))
        shape *= np.where(weekend, rng.uniform(0.05, 0.3), 1)
    else:  # the afternoon and the evening, at weekends too
        shape = daily_cycle(hours, rng.uniform(12, 16), 3) + rng.uniform(0.5, 1.5) * (
            daily_cycle(hours, rng.uniform(19, 21.5), 2))
        shape *= np.where(weekend, rng.uniform(0.9, 1.4), 1)
    shape *= 1 - 0.9 * daily_cycle(hours, rng.uniform(3, 4.5), 2)  # asleep
    shape += rng.uniform(0.01, 0.1) * shape.mean()  # somebody at night
    shape *= rng.lognormal(0, rng.uniform(0.15, 0.4), day.max() + 1)[day]
    weeks = common.wander(rng, span // 60 + 1, 7 * 24)  # drawn by the hour
    shape *= np.exp(0.15 * np.repeat(weeks, 60)[:span])
    if rng.random() < 0.3:  # ads scheduled for weekdays' hours
        first = rng.uniform(7, 10)
        shape *= np.where(~weekend & (hours >= first) & (hours < first + rng.uniform(6, 10)),
                          rng.uniform(1.3, 2), 1)
    newsletters = office_hour_rows(rng, grid, rng.uniform(0, 0.15))
    shape *= 1 + decaying(rng, newsletters, span, (1, 6), (60, 360))
    return per_day / DAY * shape / shape.mean()


def _clumps(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Entries a minute of bots submitting ``rate`` a minute on average, in clumps."""
    size = rng.uniform(1.5, 6)
    clumps = rng.poisson(rate / size)
    return clumps + rng.negative_binomial(np.maximum(clumps, 1), 1 / size) * (clumps > 0)


def _form_anomalies(rng: np.random.Generator, people: np.ndarray, spam: np.ndarray,
                    onsets: list[int], kinds: list[str]) -> np.ndarray:
    """Changes ``people`` and ``spam`` (entries a minute from people and from bots) in place
    for the anomalies; returns the copies stored of each person's entry, a minute."""
    span = len(people)
    copies = np.ones(span)
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        expected = people[onset:onset + DAY].sum() * DAY / max(len(people[onset:onset + DAY]), 1)
        if kinds[i] in ("form_broken", "duplicate_entries") and expected < 8:
            kinds[i] = "spam_wave"  # too few people's entries to be missed
        if kinds[i] == "captcha_rejecting" and expected < 20:
            kinds[i] = "spam_wave"
        if kinds[i] == "form_broken":  # people's entries stop; bots posting directly may not
            end = until_next(rng, onset, later, span, rng.uniform(3 * 60, 4 * DAY))
            people[onset:end] *= rng.uniform(0, 0.05)
            if rng.random() < 0.5:  # broken on the server: nothing is stored
                spam[onset:end] = 0
        elif kinds[i] == "spam_wave":  # a bot past the filters, or Akismet's key expired
            end = until_next(rng, onset, later, span, rng.uniform(60, 3 * DAY))
            spam[onset:end] += np.exp(rng.uniform(np.log(5), np.log(200))) / 60
        elif kinds[i] == "captcha_rejecting":  # real visitors scored as bots
            end = until_next(rng, onset, later, span, rng.uniform(DAY, 5 * DAY))
            people[onset:end] *= 1 - rng.uniform(0.3, 0.7)
            spam[onset:end] *= 0.5
        else:  # duplicate_entries: a submit handler firing twice, an add-on retrying
            end = until_next(rng, onset, later, span, rng.uniform(2 * 60, 3 * DAY))
            copies[onset:end] = 2 if rng.random() < 0.7 else 3
    return copies


def form_entries_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    per_day = float(np.exp(rng.uniform(np.log(4), np.log(600))))
    people = _people(rng, grid, per_day)
    spam = np.full(span, per_day * rng.uniform(0.02, 0.5) / DAY)  # past the filters
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("form_broken", "spam_wave", "captcha_rejecting",
                                       "duplicate_entries"))
    copies = _form_anomalies(rng, people, spam, [int(at[s]) for s in starts], kinds)
    sent = rng.poisson(people)
    entries = sent * copies + rng.binomial(sent, 0.02) + _clumps(rng, spam)  # sent twice
    for change in office_hour_rows(rng, grid, rng.uniform(0, 0.3)):  # the agency's tests
        entries[change:change + 10] += rng.multinomial(int(rng.integers(1, 5)),
                                                       np.full(10, 0.1))[:span - change]
    summed = np.r_[0, np.cumsum(entries)]
    return SyntheticSeries(name, stamps, summed[at + 1] - summed[at + 1 - step], starts, kinds)


GENERATORS = {"synthJsErrors": js_errors_series, "synthFormEntries": form_entries_series,
              "synthOpenFds": open_fds_series, "synthCpuThrottling": cpu_throttling_series}
STEMS = {"synthJsErrors": ("sentry_events_accepted", "rum_js_errors"),
         "synthFormEntries": ("gf_entries_created", "form_submissions"),
         "synthOpenFds": ("nginx_open_fds", "nginx_worst_fd_ratio"),
         "synthCpuThrottling": ("container_cpu_throttled_percent", "cfs_throttled_seconds_rate")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R23, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2300)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
