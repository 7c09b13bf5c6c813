"""Twenty-sixth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a share of two counts that
follow different clocks (people comment in the visitors' day, bots day and night), with no
row where too few comments came in; a percentile of search requests whose cost is set by
the search backend and the words searched; a stock of sites that a queue, a billing run and
people move a few at a time; and a sparse count written at irregular times, whenever a
scanner finishes a batch of sites, that finds a file left on a site once a pass.

- ``synthCommentSpamShare``: the share of new comments the spam filter (Akismet) marks as
  spam over a fleet's sites, in percent or as a ratio, per window of 5-15 minutes; a window
  with fewer comments than the dashboard's minimum has no row (small fleets lose their
  nights). Normal: people commenting in the visitors' day (more for hours after a post is
  published or a newsletter sent), bots posting day and night at a level that changes from
  day to day and in runs of minutes, so the share is high at night and low in the day; the
  filter missing a few bots and catching a few people. Anomalies: a spam campaign (a
  botnet posting to every open form: the share near 100% for hours), the filter down (its
  API key lapsed or the API unreachable: nothing marked as spam for hours to days), the
  comment form broken (a cached nonce or a script error: people cannot comment, the bots
  posting straight to wp-comments-post.php go on, so the share climbs to nearly all, for
  hours to two days), spam blocked upstream (a WAF rule or a honeypot stopping most bots
  before the filter: the share drops, from now on).
- ``synthSiteSearchTime``: the 95th percentile of the response time of a site's (or a
  search cluster's) search requests, per 1-5 minute scrape, in milliseconds or seconds; a
  scrape with no search has no row. Normal: Elasticsearch answering in tens of
  milliseconds or MySQL's LIKE search in hundreds (more words cost more), slower with the
  load, a share of searches served from the page cache, the nightly reindex or backup
  slowing it, a JVM pause or a straggler now and then, searches surging with a campaign.
  Anomalies: the search index lost (deleted or unreachable: every search falls back to
  WordPress' own LIKE query, several times slower, until it is rebuilt, hours to days),
  search spam bots (requests for long spam phrases, so that the results pages get indexed:
  many more and costlier searches for hours), backend stalls (the JVM's heap full or a
  table locked by an export: every few minutes the searches wait seconds, for half an hour
  to hours), searches blocked (a WAF rule answering every search with a 403 in a few
  milliseconds, for an hour to two days).
- ``synthActiveSites``: sites live on a hosting platform or one of its clusters, scraped
  every 2-15 minutes (``exam_r26_fleet``). Normal: signups live a few minutes after they
  come (in the customers' office hours, fewer at weekends), cancellations, the nightly
  billing run suspending failed renewals and ended trials (a small step down each night,
  some lifted days later when they pay), staging copies made and deleted in office hours,
  agencies' imports, moves between clusters some nights. Anomalies: provisioning stalled
  (the queue stuck: nothing goes live for an hour to a day while sites still go, then the
  backlog at once), a mass suspension (renewals failing at the payment processor: the
  billing run suspends a large share, support's script lifts them hours later), runaway
  provisioning (a migration or API client creating sites in a loop: a steady climb for
  half an hour to hours, the duplicates deleted later), a cleanup misfire (a cleanup job's
  filter matching live sites: a drop within minutes, restored from backups in batches over
  days).
- ``synthMalwareFindings``: infected or suspicious files the fleet's malware scanner finds
  in each batch of sites, one row when a batch is done, every 2-12 minutes at irregular
  times (``exam_r26_fleet``). Normal: mostly none, the suspicious files owners keep found
  again each pass (every half day to three days), sites infected now and then (found
  when the scanner reaches them, quarantined or cleaned by their owners days later), the
  scanner slower by day and during the nights' backups, paused for hours now and then.
  Anomalies: an exploit wave (a plugin's hole exploited across the fleet: many batches with
  findings for hours to days), an account compromised (a reseller's sites injected file by
  file: hundreds of files in the batches the scanner reaches next), a false-positive
  signature (an update flagging a popular plugin's file: most batches report it, for an
  hour to half a day until the signature is pulled), the scanner blind (its signatures
  failing to load: nothing found for hours to days).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying
from healer_ops.devkit.nab.exam_r26_fleet import (
    active_sites_series,
    lasting,
    malware_findings_series,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    first_week_minute,
    hour_of_day,
    label_windows,
    office_hour_rows,
    scrape_stamps,
)

EXAM_FAMILIES_R26 = (
    "synthCommentSpamShare",
    "synthSiteSearchTime",
    "synthActiveSites",
    "synthMalwareFindings",
)
FILES_PER_FAMILY = {
    "synthCommentSpamShare": 9,
    "synthSiteSearchTime": 9,
    "synthActiveSites": 8,
    "synthMalwareFindings": 9,
}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthCommentSpamShare": frozenset(
        {"spam_campaign", "filter_down", "comment_form_broken", "spam_blocked_upstream"}
    ),
    "synthSiteSearchTime": frozenset(
        {"search_index_lost", "search_spam_bots", "backend_stalls", "searches_blocked"}
    ),
    "synthActiveSites": frozenset(
        {"provisioning_stalled", "mass_suspension", "runaway_provisioning", "cleanup_misfire"}
    ),
    "synthMalwareFindings": frozenset(
        {"exploit_wave", "account_compromised", "false_positive_signature", "scanner_blind"}
    ),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- comment spam share

SPAM_ROWS = {5: (3000, 9000), 10: (2600, 5000), 15: (2400, 3300)}
SPAM_KINDS = ("spam_campaign", "filter_down", "comment_form_broken", "spam_blocked_upstream")


class Comments:
    """Comments a window: people's (following the visitors, more for hours after a post is
    published), bots' (day and night, a level changing from day to day, in runs); the
    filter misses a few bots and catches a few people."""

    def __init__(self, rng: np.random.Generator, stamps: pd.DatetimeIndex, window: int) -> None:
        span = len(stamps)
        per_day = DAY // window
        people = float(np.exp(rng.uniform(np.log(0.5), np.log(25))))  # a window, on average
        posts = office_hour_rows(rng, stamps, rng.uniform(0.3, 3))
        buzz = decaying(rng, posts, span, (0.2, 2), (120 / window, DAY / window))
        self.people = (
            people
            * common.traffic(stamps, rng)
            * np.exp(0.2 * common.wander(rng, span, per_day))
            * (1 + buzz)
        )
        day = np.asarray((stamps - stamps[0].normalize()).days)
        daily = np.exp(rng.normal(0, rng.uniform(0.2, 0.6), day.max() + 1))[day]
        other_zone = 1 + rng.uniform(0, 0.6) * daily_cycle(
            hour_of_day(stamps), rng.uniform(0, 24), 4
        )
        self.bots = (
            people
            * np.exp(rng.uniform(np.log(0.3), np.log(5)))
            * daily
            * other_zone
            / other_zone.mean()
            * np.exp(0.3 * common.wander(rng, span, 3 * per_day))
        )
        self.runs = rng.uniform(0.3, 2)  # gamma shape of the bots' rate: they come in runs
        self.missed, self.caught = rng.uniform(0.005, 0.05), rng.uniform(0.002, 0.03)
        self.people_count = rng.poisson(self.people)
        self.bot_count = rng.poisson(self.bots * rng.gamma(self.runs, 1 / self.runs, span))

    def cut(self, span: int) -> None:
        """Keep the first ``span`` windows."""
        self.people, self.bots = self.people[:span], self.bots[:span]
        self.people_count, self.bot_count = self.people_count[:span], self.bot_count[:span]


def _comment_windows(
    rng: np.random.Generator, window: int, rows: int, least: int
) -> tuple[pd.DatetimeIndex, Comments]:
    """The windows and their comments, over as many days as ``rows`` windows with ``least``
    comments take (a few more windows than that, then cut)."""
    start = common.EPOCH + pd.Timedelta(minutes=first_week_minute(rng, window))
    windows = int(rows * 1.3)
    while True:
        stamps = pd.date_range(start, periods=windows, freq=f"{window}min").as_unit("ns")
        comments = Comments(rng, stamps, window)
        if rng.random() < 0.3:  # the stats pipeline down for hours: no windows
            lost = int(rng.integers(0, windows))
            lost = slice(lost, lost + int(rng.uniform(60, 8 * 60) / window))
            comments.people_count[lost], comments.bot_count[lost] = 0, 0
        shown = np.flatnonzero(comments.people_count + comments.bot_count >= least)
        if len(shown) >= rows:
            comments.cut(shown[rows - 1] + 1)
            return stamps[: shown[rows - 1] + 1], comments
        windows *= 2


def _spam_kind(kind: str, people: np.ndarray, bots: np.ndarray, least: int) -> str:
    """``kind``, or one that shows where it would not: ``people`` and ``bots``, the
    comments of the day before its onset."""
    share = bots.sum() / max(people.sum() + bots.sum(), 1)
    if kind == "comment_form_broken" and bots.sum() < least * len(bots):
        kind = "spam_campaign"  # too few bots: no windows left to show it
    if kind in ("spam_campaign", "comment_form_broken") and share > 0.85:
        kind = "filter_down"  # nearly all spam already
    if kind == "filter_down" and share < 0.2:
        kind = "spam_campaign"  # too little marked as spam to be missed
    return kind


def _spam_counts(
    rng: np.random.Generator,
    comments: Comments,
    onsets: list[int],
    kinds: list[str],
    window: int,
    least: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(comments, marked as spam) a window with the anomalies (``kinds`` changed in place
    where one would not show)."""
    span = len(comments.people_count)
    people, bots = comments.people_count.copy(), comments.bot_count.copy()
    passing, unfiltered = np.ones(span), np.zeros(span, bool)
    per_hour = 60 / window
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span), strict=True)):
        before = slice(max(0, onset - DAY // window), onset)
        kinds[i] = kind = _spam_kind(
            kinds[i], people[before], bots[before] * passing[before], least
        )
        if kind == "spam_blocked_upstream":
            passing[onset:] = rng.uniform(0.03, 0.3)
            continue
        end = int(lasting(onset, rng.uniform(1, 2 * 24) * per_hour, later))
        if kind == "spam_campaign":  # a botnet posting to every open form
            end = int(lasting(onset, rng.uniform(1, 12) * per_hour, later))
            since = np.arange(end - onset)
            ramp = np.minimum((since + 1) / (rng.uniform(10, 60) / window), 1)
            fade = np.exp(-np.maximum(since - 0.7 * len(since), 0) / per_hour)
            rate = max(comments.bots.mean(), 1) * rng.uniform(5, 50) * ramp * fade
            bots[onset:end] += rng.poisson(rate)
        elif kind == "filter_down":  # its API key lapsed, or its API unreachable
            end = int(lasting(onset, rng.uniform(2, 3 * 24) * per_hour, later))
            unfiltered[onset:end] = True
        else:  # comment_form_broken: a few logged-in people still get through
            people[onset:end] = rng.binomial(people[onset:end], rng.uniform(0, 0.1))
    bots = rng.binomial(bots, passing)
    spam = rng.binomial(bots, 1 - comments.missed) + rng.binomial(people, comments.caught)
    return people + bots, np.where(unfiltered, 0, spam)


def _labels_fit(rows: int, labelled: list[int]) -> bool:
    """The file keeps 2,000 to 16,000 rows and its onsets NAB windows that do not overlap."""
    windows = label_windows(rows, labelled)
    return (
        2000 <= rows <= 16000
        and labelled == sorted(set(labelled))
        and all(
            last < following
            for (_, last), (following, _) in zip(windows, windows[1:], strict=False)
        )
    )


def comment_spam_share_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    window = int(rng.choice([5, 5, 10, 15]))
    rows = int(rng.integers(*SPAM_ROWS[window]))
    least = int(rng.choice([3, 5, 5, 10]))  # comments a window needs for a row
    stamps, comments = _comment_windows(rng, window, rows, least)
    shown = np.flatnonzero(comments.people_count + comments.bot_count >= least)
    for _ in range(50):  # onsets whose windows stay apart once the anomalies drop rows
        starts = common.spaced_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
        onsets = [int(shown[s]) for s in starts]
        kinds = common.kinds(rng, onsets, SPAM_KINDS, once="spam_blocked_upstream")
        total, spam = _spam_counts(rng, comments, onsets, kinds, window, least)
        keep = total >= least
        kept_stamps, share, labelled = common.keep_rows(
            stamps, spam / np.maximum(total, 1), keep, onsets
        )
        if _labels_fit(len(share), labelled):
            break
    else:  # never seen with the seeds drawn so far; a file without anomalies then
        total, spam = _spam_counts(rng, comments, [], [], window, least)
        kept_stamps, share, labelled = common.keep_rows(
            stamps, spam / np.maximum(total, 1), total >= least, []
        )
        kinds = []
    percent = name.startswith("akismet_spam_percent")
    values = np.round(100 * share, 1) if percent else np.round(share, 3)
    return SyntheticSeries(name, kept_stamps, values, labelled, kinds)


# ---------------------------------------------------------------- site search time

SEARCH_ROWS = {1: (6000, 15000), 2: (4000, 10000), 5: (3300, 8000)}
SEARCH_KINDS = ("search_index_lost", "search_spam_bots", "backend_stalls", "searches_blocked")


def scrape_grid(rng: np.random.Generator, step: int) -> tuple[pd.DatetimeIndex, np.ndarray, int]:
    """(scrape stamps every ``step`` minutes with jitter and holes of hours, each stamp's
    minute since a minute before the first window, the minutes spanned)."""
    stamps = scrape_stamps(
        rng,
        step,
        0.03,
        int(rng.integers(0, 3)),
        rows_by_step=SEARCH_ROWS,
        epoch=common.EPOCH,
        longest_hole_minutes=6 * 60,
    )
    start = stamps[0].floor("min") - pd.Timedelta(minutes=step)
    at = np.asarray(((stamps - start).total_seconds() // 60).astype(int))
    return stamps, at, int(at[-1]) + 1


class Searches:
    """Search requests a minute and what each costs: the backend's time (more words cost
    more), slower with the load and in the nightly reindex or backup, a JVM pause now and
    then, WordPress' own time around it, a share served from the page cache."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        surge = decaying(
            rng, office_hour_rows(rng, grid, rng.uniform(0, 0.2)), span, (0.5, 3), (60, 600)
        )  # a campaign, a newsletter
        self.level = float(np.exp(rng.uniform(np.log(2), np.log(40))))  # a minute, mean
        self.rate = self.level * self.load * (1 + surge)
        self.elastic = rng.random() < 0.65
        self.backend_ms = (
            rng.uniform(15, 70)
            if self.elastic
            else float(np.exp(rng.uniform(np.log(60), np.log(600))))
        )
        self.sigma = rng.uniform(0.3, 0.6)
        self.queueing = rng.uniform(0, 0.3)
        self.wordpress_ms = rng.uniform(30, 150)
        self.timeout_ms = float(rng.choice([30_000, 60_000]))  # PHP's or the proxy's limit
        self.slower = np.zeros(span)  # the nightly reindex or backup
        if rng.random() < 0.7:
            for night in common.daily_rows(grid, rng.uniform(0, 5)):
                self.slower[night : night + int(rng.uniform(30, 120))] = rng.uniform(0.5, 2)
        self.cached = np.full(span, rng.uniform(0, 0.4))
        for purge in office_hour_rows(rng, grid, rng.uniform(0.2, 2)):  # deploys purge it
            since = np.arange(min(span - purge, 60))
            self.cached[purge : purge + len(since)] *= 1 - np.exp(-since / rng.uniform(3, 15))
        self.pause = np.zeros(span)
        paused = np.flatnonzero(rng.random(span) < rng.uniform(0.5, 3) / DAY)
        self.pause[paused] = rng.uniform(200, 1500, len(paused))
        self.growth = np.exp(0.1 * common.wander(rng, span, 3 * DAY))

    def times(
        self,
        rng: np.random.Generator,
        minute: np.ndarray,
        words: np.ndarray,
        cacheable: np.ndarray,
        load: np.ndarray,
    ) -> np.ndarray:
        """Milliseconds of each search made at ``minute`` (``load``: each minute's)."""
        n = len(minute)
        cost = 1 + 0.25 * (words - 1) if self.elastic else words**0.8
        backend = (
            self.backend_ms
            * self.growth[minute]
            * cost
            * (1 + self.slower[minute])
            * (1 + self.queueing * np.minimum(load[minute], 4) ** 2)
            * rng.lognormal(0, self.sigma, n)
        )
        straggler = rng.random(n) < 0.015
        backend[straggler] *= 1 + 2 * rng.pareto(1.5, straggler.sum())
        backend += self.pause[minute] * rng.random(n)
        served = self.wordpress_ms * rng.lognormal(0, 0.3, n) + backend
        hit = cacheable & (rng.random(n) < self.cached[minute])
        return np.where(hit, rng.uniform(3, 15, n), served)


def _search_anomalies(
    rng: np.random.Generator, searches: Searches, onsets: list[int], kinds: list[str], span: int
) -> dict[str, np.ndarray]:
    """Minute by minute: the fallback's cost (0 where the index is fine), the spam bots'
    searches a minute, the stalls' milliseconds, the minutes searches are blocked."""
    out = {
        "fallback": np.zeros(span),
        "spam": np.zeros(span),
        "stall": np.zeros(span),
        "blocked": np.zeros(span, bool),
    }
    for onset, kind, later in zip(onsets, kinds, common.next_onsets(onsets, span), strict=True):
        if kind == "search_index_lost":  # every search falls back to a LIKE query
            end = int(lasting(onset, rng.uniform(2 * 60, 3 * DAY), later))
            scan = (
                float(np.exp(rng.uniform(np.log(300), np.log(3000))))
                if searches.elastic
                else searches.backend_ms * rng.uniform(3, 10)
            )
            out["fallback"][onset:end] = scan
        elif kind == "search_spam_bots":  # long spam phrases, so the results get indexed
            end = int(lasting(onset, rng.uniform(60, 12 * 60), later))
            since = np.arange(end - onset)
            ramp = np.minimum((since + 1) / rng.uniform(10, 60), 1)
            out["spam"][onset:end] = min(searches.level * rng.uniform(3, 20), 600) * ramp
        elif kind == "backend_stalls":  # a full JVM heap, a table locked by an export
            end = int(lasting(onset, rng.uniform(30, 6 * 60), later))
            minute = onset
            while minute < end:
                out["stall"][minute] = rng.uniform(1000, 10000)
                minute += int(rng.integers(2, 16))
        else:  # searches_blocked: a WAF rule answering every search with a 403
            out["blocked"][onset : int(lasting(onset, rng.uniform(60, 2 * DAY), later))] = True
    return out


def site_search_time_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5]))
    stamps, at, span = scrape_grid(rng, step)
    grid = (
        stamps[0].floor("min")
        - pd.Timedelta(minutes=step)
        + pd.to_timedelta(np.arange(span), unit="min")
    )
    searches = Searches(rng, grid)
    covered = np.zeros(span + 1)
    np.add.at(covered, at - step + 1, 1)
    np.add.at(covered, at + 1, -1)
    covered = np.cumsum(covered)[:span] > 0  # minutes inside a scrape's window
    usual = rng.poisson(searches.rate * covered)
    rows_normal = np.bincount(
        np.searchsorted(at, np.repeat(np.arange(span), usual)), minlength=len(at)
    )
    shown = np.flatnonzero(rows_normal > 0)
    starts = common.spaced_starts(rng, len(shown), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, SEARCH_KINDS)
    onsets = [int(at[shown[s]] - step + 1) for s in starts]  # the onset row's window
    found = _search_anomalies(rng, searches, onsets, kinds, span)
    spam = rng.poisson(found["spam"] * covered)
    minute = np.repeat(np.arange(span), usual + spam)
    first_of_minute = np.r_[0, np.cumsum(usual + spam)[:-1]]
    bot = np.arange(len(minute)) - first_of_minute[minute] >= usual[minute]  # after the usual
    words = np.where(bot, rng.integers(5, 16, len(minute)), 1 + rng.poisson(0.8, len(minute)))
    load = searches.load * (1 + found["spam"] / searches.level)
    ms = searches.times(rng, minute, words, ~bot, load)
    fallback = found["fallback"][minute] > 0
    ms[fallback] += (
        found["fallback"][minute][fallback]
        * words[fallback] ** 0.5
        * rng.lognormal(0, 0.3, fallback.sum())
    )
    ms += found["stall"][minute] * rng.random(len(minute))
    ms = np.minimum(ms, searches.timeout_ms)  # cut off with a 504 at the timeout
    blocked = found["blocked"][minute]
    ms[blocked] = rng.uniform(1, 8, blocked.sum())
    # the 95th percentile of each scrape's searches (the nearest rank)
    row = np.searchsorted(at, minute)
    order = np.lexsort((ms, row))
    per_row = np.bincount(row, minlength=len(at))
    first = np.r_[0, np.cumsum(per_row)[:-1]]
    kept = np.flatnonzero(per_row > 0)
    p95 = ms[order][first[kept] + np.ceil(0.95 * per_row[kept]).astype(int) - 1]
    # spam bots' searches add rows (never before the first onset): onsets keep their window
    labelled = [
        max(int(np.searchsorted(kept, shown[s])), int(np.ceil(0.15 * len(kept)))) for s in starts
    ]
    in_seconds = name.startswith("search_request_time")
    values = np.round(p95 / 1000, 3) if in_seconds else np.round(p95, 1)
    return SyntheticSeries(name, stamps[kept], values, labelled, kinds)


GENERATORS = {
    "synthCommentSpamShare": comment_spam_share_series,
    "synthSiteSearchTime": site_search_time_series,
    "synthActiveSites": active_sites_series,
    "synthMalwareFindings": malware_findings_series,
}
STEMS = {
    "synthCommentSpamShare": ("akismet_spam_percent", "comment_spam_ratio"),
    "synthSiteSearchTime": ("site_search_p95_ms", "search_request_time_p95"),
    "synthActiveSites": ("active_sites_total", "cluster_sites_active"),
    "synthMalwareFindings": ("malware_scan_batch_findings", "imunify_batch_detections"),
}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R26, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2600)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
