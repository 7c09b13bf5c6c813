"""Twenty-fourth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these metrics of a WordPress host behave in
production, without reading the detection engine and without scoring anything on them: their
held-out figures estimate how the engine does on kinds of data it was not built on. Each family
puts the oddities that are normal for its kind into the normal data too, so a detector is
rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds differ in what their values are: a sparse count of people asking for a new
password (mostly zeros on a small site, lumps of a user asking again when the email is slow), a
bounded ratio whose tail is made by scanners (the share of requests answered 404, which has no
row where a window has too few requests), a gauge that is the writes of the last few days (the
MySQL binlogs on disk, which climb with every write and step down only when a file rotates), and
traffic with a day, a week, office hours and a machine's schedule in it (the REST API's requests).

- ``synthPasswordResets``: lost-password requests accepted by a WordPress site
  (``wp-login.php?action=lostpassword``) or by the host's customer dashboard, per bucket of 1-15
  minutes from the access log. Normal: people forgetting passwords when they visit (more on
  Monday mornings), asking again a few minutes later when the email is slow or in spam, members
  asking after a newsletter for hours, a bot's few tries now and then and a trickle day and
  night, zero buckets most of the time on small sites. Anomalies: a reset flood (a bot
  requesting resets for a list of usernames or addresses: tens of minutes to hours, any hour),
  the form broken (a captcha or a login page plugin's update rejecting every request: nothing
  for hours to days), a forced reset wave (a notice after a breach, or a plugin forcing weak
  passwords to be changed: sent in office hours, six to forty times the usual in the members'
  day, fading over hours to days), social login broken (its plugin failing: the members who used
  it ask for a password, two to five times the usual for hours to days).
- ``synthNotFoundRatio``: the share of a site's requests answered 404, per window of 1-15
  minutes, as a fraction or a percent (``exam_r24_requests``); a window with fewer requests than
  the dashboard's minimum has no row. Normal: a low share from visitors (broken links, a missing
  icon), higher from crawlers on old URLs, nearly all of the bots' and scanners' (probing for
  backups and old plugins: spikes of minutes many times a day), so the share is higher at night
  and at weekends, a few minutes of missing assets after deploys. Anomalies: permalinks broken
  (the rewrite rules lost: most pages 404 for minutes to hours), assets missing (uploads not
  copied by a migration or a deploy: a few to 25 points more for hours to days), the URL
  structure changed (a relaunch without redirects: old links and crawlers miss, fading over
  days), soft 404s (a theme's not-found page answering 200: WordPress' 404s vanish from the
  count for days, the share falls).
- ``synthBinlogSize``: the bytes (or files) of MySQL's binary logs on a WordPress database's
  primary, every 1-15 minutes (``exam_r24_binlog``). Normal: the site's writes appended (more in
  its day, an import at night, a weekly cleanup's deletes, bulk edits), a file rotated at
  ``max_binlog_size`` or at the nightly backup's flush and the files older than the expiry
  deleted then (so a sawtooth or a slow wave), restarts some nights. Anomalies: a write storm (a
  plugin rewriting an option on every view, a bulk search-replace: the gauge climbs at least
  three times as fast for half an hour to half a day, and stays up for the expiry), the purge
  stalled (the expiry set to 0 or a purge script stuck: no step down for days, then all at
  once), a manual purge (an operator freeing the disk: most of it gone at once), writes moved (a
  failover made another server the primary: the gauge stops climbing for hours to days).
- ``synthRestApi``: requests to ``/wp-json/`` answered 2xx a minute, averaged over 1-10 minute
  scrapes (``exam_r24_requests``). Normal: visitors' pages calling it (carts, search as you
  type: the visitors' day and week), editors' block editor in weekday office hours (in
  sessions), monitors and apps polling steadily, an integration's batches every 5-60 minutes and
  its full sync at night, crawlers following the API's links, campaigns. Anomalies: API scraping
  (a scraper paging through posts, products or users: a plateau for minutes to hours), a polling
  bug (a release polling too often while pages are open: the visitors' part 1.7 to 4 times, in
  their rhythm, for hours to days), the API blocked (a security rule refusing requests without a
  login: only editors and the integration left, for an hour to days), the integration stalled
  (its application password revoked or its job crashed: its batches gone for hours to days).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each file.
``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import decaying, minute_grid
from healer_ops.devkit.nab.exam_r24_binlog import BINLOG_KINDS, binlog_size_series
from healer_ops.devkit.nab.exam_r24_requests import (
    NOT_FOUND_KINDS,
    REST_KINDS,
    not_found_ratio_series,
    rest_api_series,
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

EXAM_FAMILIES_R24 = ("synthPasswordResets", "synthNotFoundRatio", "synthBinlogSize",
                     "synthRestApi")
FILES_PER_FAMILY = {"synthPasswordResets": 9, "synthNotFoundRatio": 9, "synthBinlogSize": 8,
                    "synthRestApi": 9}
RESET_KINDS = ("reset_flood", "form_broken", "forced_reset_wave", "social_login_broken")
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthPasswordResets": frozenset(RESET_KINDS),
    "synthNotFoundRatio": frozenset(NOT_FOUND_KINDS),
    "synthBinlogSize": frozenset(BINLOG_KINDS),
    "synthRestApi": frozenset(REST_KINDS),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY
RETRY_MINUTES = 3.0  # mean wait before asking again when the email has not come

# ---------------------------------------------------------------- lost-password requests


def asked_again(rng: np.random.Generator, first: np.ndarray, again: float) -> np.ndarray:
    """Times of every request of people first asking at ``first`` (minutes): each asks again,
    a few minutes later, with chance ``again`` (up to four more times)."""
    times, asking = [first], first
    for _ in range(4):
        asking = asking[rng.random(len(asking)) < again]
        asking = asking + 0.5 + rng.exponential(RETRY_MINUTES, len(asking))
        times.append(asking)
    return np.concatenate(times)


def _arrivals(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    counts = rng.poisson(np.maximum(rate, 0))
    return np.repeat(np.arange(len(rate)), counts) + rng.random(counts.sum())


def _people(rng: np.random.Generator, grid: pd.DatetimeIndex, per_day: float) -> np.ndarray:
    """People a minute who forgot their password: with the visitors, more on Monday mornings,
    many members for hours after a newsletter."""
    span = len(grid)
    monday = np.asarray(grid.day_of_week) == 0
    rate = per_day / DAY * common.traffic(grid, rng) * np.exp(
        0.25 * common.wander(rng, span, 3 * DAY))
    rate *= 1 + rng.uniform(0.2, 1) * monday * daily_cycle(hour_of_day(grid), 9.5, 1.5)
    newsletters = office_hour_rows(rng, grid, rng.uniform(0, 0.15))
    return rate * (1 + decaying(rng, newsletters, span, (1, 4), (60, 480)))


def _bots(rng: np.random.Generator, span: int) -> np.ndarray:
    """Bots' requests a minute: a trickle day and night, a few tries of one bot now and then."""
    bots = np.full(span, rng.uniform(0.5, 20) / DAY)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0.05, 0.5) / DAY):
        length = int(rng.uniform(2, 15))
        bots[start:start + length] += rng.uniform(3, 20) / length
    return bots


def _reset_anomalies(rng: np.random.Generator, people: np.ndarray, bots: np.ndarray,
                     again: float, onsets: list[int], kinds: list[str]) -> np.ndarray:
    """Change the rates for the anomalies (in place); the minutes the form refuses every
    request."""
    span = len(people)
    refused = np.zeros(span, bool)
    asks = 1 / (1 - again)  # requests per person, on average
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        day = slice(max(0, onset - DAY), onset)
        usual = (people[day].mean() * asks + bots[day].mean())
        if kinds[i] == "form_broken":  # a captcha or a login page plugin rejecting every POST
            end = min(later, onset + int(rng.uniform(6 * 60, 4 * DAY)))
            if (people[onset:end].sum() * asks + bots[onset:end].sum()) < 20:
                kinds[i] = "reset_flood"  # too few would have asked to be missed
            else:
                refused[onset:end] = True
        if kinds[i] == "social_login_broken":  # its members ask for a password instead
            end = min(later, onset + int(rng.uniform(3 * 60, 3 * DAY)))
            factor = rng.uniform(1, 4)
            if people[onset:end].sum() * factor < 10:
                kinds[i] = "reset_flood"
            else:
                people[onset:end] *= 1 + factor
        if kinds[i] == "reset_flood":  # a bot working through a list of users
            end = min(later, onset + int(np.exp(rng.uniform(np.log(15), np.log(6 * 60)))))
            rate = max(usual * rng.uniform(3, 60), rng.uniform(0.3, 3))
            bots[onset:end] += rate * rng.gamma(4, 1 / 4, end - onset)
        elif kinds[i] == "forced_reset_wave":  # a notice sent: everyone asked to reset
            since = np.arange(later - onset)
            people[onset:later] *= 1 + rng.uniform(5, 40) * np.exp(
                -since / rng.uniform(6 * 60, 2 * DAY))
    return refused


def password_resets_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 2, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, step)
    span = len(grid)
    dashboard = name.startswith("account_password_resets")  # the host's own customers
    low, high = (50, 3000) if dashboard else (3, 400)  # people a day
    people = _people(rng, grid, float(np.exp(rng.uniform(np.log(low), np.log(high)))))
    bots = _bots(rng, span)
    again = rng.uniform(0.1, 0.4)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, RESET_KINDS)
    hours = hour_of_day(stamps)
    office = np.flatnonzero((np.asarray(stamps.day_of_week) < 5) & (hours >= 9) & (hours < 17))
    snap_onsets(("forced_reset_wave",), "reset_flood", office, starts, kinds, len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    refused = _reset_anomalies(rng, people, bots, again, [int(at[s]) for s in starts], kinds)
    times = np.r_[asked_again(rng, _arrivals(rng, people), again), _arrivals(rng, bots)]
    counts = np.bincount(times[times < span].astype(int), minlength=span).astype(float)
    counts[refused] = 0
    accepted = np.r_[0, np.cumsum(counts)]
    return SyntheticSeries(name, stamps, accepted[at + 1] - accepted[at + 1 - step], starts,
                           kinds)


GENERATORS = {"synthPasswordResets": password_resets_series,
              "synthNotFoundRatio": not_found_ratio_series,
              "synthBinlogSize": binlog_size_series, "synthRestApi": rest_api_series}
STEMS = {"synthPasswordResets": ("lostpassword_requests", "account_password_resets"),
         "synthNotFoundRatio": ("http_404_ratio", "not_found_percent"),
         "synthBinlogSize": ("mysql_binlog_size_bytes", "mysql_binlog_files"),
         "synthRestApi": ("rest_api_requests_per_minute", "wp_json_2xx_rate")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R24, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2400)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
