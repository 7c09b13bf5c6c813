"""Fifth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a row-interleaved mixture (each
row from another probe region), a near-constant value that moves in discrete steps and
alternates between variants, a series at zero most of the time whose anomalies are growth
at a known rate, saws and frozen readings, and sparse attack-driven counts.

- ``synthProbeRegions``: an uptime probe's response time (milliseconds or seconds), 3-6
  regions checking in rotation every 5-15 minutes, so successive rows come from different
  regions, each with its own network level. Normal: the provider reshuffling the rotation
  order, a route change moving one region's level a little for good, DNS misses, a page
  cache some checks miss, cold caches after deploys, a rare timeout, the probe service's
  own outages (no rows). Anomalies: one region's path degrades (only its rows: slower, with
  TCP retransmit steps of 1 s and 3 s), every region slow (the origin struggles), a region
  drops out (its rows missing for hours), a region blocked by a firewall (its rows at the
  timeout) or by a WAF (its rows fast: a 403 from the edge).
- ``synthPageWeight``: bytes of a page returned to a probe (the HTML, or the gzipped
  transfer), every 1-15 minutes. Normal: near-constant with a few bytes to a few percent of
  dynamic variation, small lasting steps when posts are published, larger ones at deploys,
  cache or A/B variants alternating row by row (throughout, or during a test of days).
  Anomalies: an error or maintenance page (a small near-constant size for hours), injected
  spam (a larger page for days or for good), a debug dump (PHP notices: larger and ragged
  for hours), a page flipping between the real page and an error page (one bad backend).
- ``synthReplicaLag``: a MySQL replica's lag in seconds every 1-5 minutes, whole seconds
  (Seconds_Behind_Master) or fractions over a floor (pt-heartbeat). Normal: zero or a few
  seconds in busy hours, in most a nightly import (a plateau of tens of seconds to half an hour,
  longer on Sundays in some), a rare single reading jumping when a big transaction commits.
  Anomalies: replication stopped (lag growing one second per second for hours, then a
  catch-up), a stale reading repeated for hours, a flapping link (a saw of growing lag and
  reconnects), a replica that cannot keep up from now on (busy hours lag every day).
- ``synthLoginPosts``: wp-login.php or xmlrpc.php POSTs counted per 1-15 minutes by a
  security plugin. Normal: background bot guessing (overdispersed, a slowly wandering
  level), short bot bursts that fail2ban cuts within minutes, human logins in office hours
  (more on Monday mornings, few on weekends; next to none on xmlrpc), in some sites an uptime
  monitor logging in every 15 or 60 minutes. Anomalies: a brute-force attack (tens to
  hundreds a minute for hours), a slow credential-stuffing campaign (a small flat lift for
  one to four days), login broken (a fatal error: zero for hours), a WAF rule lost in a
  migration (more bots from now on).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r5_probe import probe_series
from healer_ops.devkit.nab.exam_r5_replica import replica_lag_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R5 = ("synthProbeRegions", "synthPageWeight", "synthReplicaLag",
                    "synthLoginPosts")
FILES_PER_FAMILY = {"synthProbeRegions": 9, "synthPageWeight": 9, "synthReplicaLag": 8,
                    "synthLoginPosts": 9}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthProbeRegions": frozenset({"region_degraded", "all_slow", "region_dropout",
                                    "region_blocked"}),
    "synthPageWeight": frozenset({"error_page", "spam_injection", "debug_dump", "flapping_page"}),
    "synthReplicaLag": frozenset({"replication_stopped", "lag_stuck", "flapping_link",
                                  "cannot_keep_up"}),
    "synthLoginPosts": frozenset({"brute_force", "credential_stuffing", "login_broken",
                                  "waf_lost"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
FAMILIES_WITHOUT_HOLES = ("synthProbeRegions",)  # none of their files need a gap of over ten steps


# ---------------------------------------------------------------- page weight


def _content_steps(rng: np.random.Generator, stamps: pd.DatetimeIndex, base: float
                   ) -> np.ndarray:
    """The page's size over time: posts published in the daytime change it a little, deploys
    more; each change stays."""
    rows = len(stamps)
    elapsed = elapsed_minutes(stamps)
    size = np.full(rows, base)
    days = elapsed[-1] / common.MINUTES_PER_DAY
    daytime = np.flatnonzero((hour_of_day(stamps) > 7) & (hour_of_day(stamps) < 22))
    for row in np.sort(rng.choice(daytime, int(rng.poisson(rng.uniform(0.3, 3) * days)))):
        size[row:] += rng.normal(0, rng.uniform(0.002, 0.02) * base)
    for row in office_hour_rows(rng, stamps, rng.uniform(0.05, 0.4)):
        size[row:] *= rng.uniform(0.9, 1.12)
    return size


def _variants(rng: np.random.Generator, elapsed: np.ndarray, base: float) -> np.ndarray:
    """Bytes added by the cache or A/B variant each row got: none, variants all along, or an
    A/B test of some days."""
    rows = len(elapsed)
    shape = rng.random()
    if shape < 0.35:
        return np.zeros(rows)
    count = int(rng.integers(2, 4))
    offsets = np.r_[0.0, base * rng.uniform(-0.08, 0.08, count - 1)]
    chosen = offsets[rng.choice(count, rows, p=rng.dirichlet(np.full(count, 3.0)))]
    if shape < 0.7:
        return chosen
    during = np.zeros(rows, dtype=bool)
    during[common.span_rows(elapsed, int(rng.integers(rows)), rng.uniform(1, 6) * 1440)] = True
    return np.where(during, chosen, 0.0)


def page_weight_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    gzipped = name.startswith("transfer")
    minutes = int(rng.choice([1, 2, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.1, int(rng.integers(0, 4)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    base = float(np.exp(rng.uniform(np.log(12e3), np.log(400e3))))
    size = _content_steps(rng, stamps, base) + _variants(rng, elapsed, base)
    wobble = float(np.exp(rng.uniform(np.log(1e-4), np.log(0.02))))  # widgets, ads, nonces
    size *= 1 + wobble * rng.standard_normal(rows)
    error_size = rng.uniform(300, 9000)  # a 500 page, or WordPress' maintenance notice
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("error_page", "spam_injection", "debug_dump",
                                       "flapping_page"), once="spam_injection")
    errors = np.zeros(rows, dtype=bool)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "error_page":
            errors[common.span_rows(elapsed, start, rng.uniform(0.5, 12) * 60)] = True
        elif kind == "flapping_page":  # one backend of the pool broken
            span = common.span_rows(elapsed, start, rng.uniform(1, 12) * 60)
            flips = rng.random(span.stop - start) < rng.uniform(0.2, 0.6)
            flips[0] = True
            errors[span] |= flips
        elif kind == "spam_injection":  # hidden links; rotating, so a little ragged
            days = rng.uniform(1, 7) if rng.random() < 0.5 else np.inf
            span = common.span_rows(elapsed, start, days * common.MINUTES_PER_DAY)
            size[span] += base * rng.uniform(0.05, 0.8) * rng.lognormal(0, 0.02, span.stop
                                                                        - start)
        else:  # debug_dump: WP_DEBUG_DISPLAY left on, a notice per loop iteration
            span = common.span_rows(elapsed, start, rng.uniform(0.5, 12) * 60)
            notices = rng.poisson(rng.uniform(5, 200), span.stop - start)
            size[span] += notices * rng.uniform(150, 400)
    size[errors] = error_size + rng.integers(0, 40, int(errors.sum()))  # a request id
    if gzipped:  # markup compresses about five-fold, already random bytes do not
        size = size * rng.uniform(0.15, 0.3) * rng.lognormal(0, 0.002, rows)
    return SyntheticSeries(name, stamps, np.round(size), starts, kinds)


# ---------------------------------------------------------------- login POSTs


def _bot_rate(rng: np.random.Generator, elapsed: np.ndarray) -> np.ndarray:
    """Background password guessing per minute: a wandering level, overdispersed, with short
    bursts that fail2ban blocks within minutes."""
    rows = len(elapsed)
    level = float(np.exp(rng.uniform(np.log(0.02), np.log(3))))
    rate = level * np.exp(0.5 * common.wander(rng, rows, 500))
    rate *= rng.gamma(rng.uniform(1, 5), 1, rows) / rng.uniform(1, 5)
    days = elapsed[-1] / common.MINUTES_PER_DAY
    for row in rng.integers(0, rows, rng.poisson(rng.uniform(0.2, 2) * days)):
        span = common.span_rows(elapsed, int(row), rng.uniform(2, 20))
        rate[span] += max(level, 0.3) * rng.uniform(5, 40)
    return rate


def _human_rate(rng: np.random.Generator, stamps: pd.DatetimeIndex, xmlrpc: bool
                ) -> np.ndarray:
    """Logins of editors or customers per minute: office hours, Monday mornings busiest,
    quiet weekends; a few POSTs per login (typos)."""
    per_day = float(np.exp(rng.uniform(np.log(0.5), np.log(20 if xmlrpc else 400))))
    weekday = np.asarray(stamps.day_of_week)
    hours = hour_of_day(stamps)
    shape = common.daily_cycle(hours, rng.uniform(9, 15), rng.uniform(2, 4))
    shape *= np.where(weekday >= 5, rng.uniform(0.1, 0.5), 1.0)
    shape *= np.where((weekday == 0) & (hours < 12), rng.uniform(1.2, 1.8), 1.0)
    return per_day * rng.uniform(1.05, 1.5) * shape / shape.mean() / common.MINUTES_PER_DAY


def login_posts_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    xmlrpc = name.startswith("xmlrpc")
    minutes = int(rng.choice([1, 5, 5, 10, 15]))
    stamps = common.stamps(rng, minutes, 0.002, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    bots = _bot_rate(rng, elapsed)
    humans = _human_rate(rng, stamps, xmlrpc)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("brute_force", "credential_stuffing", "login_broken",
                                       "waf_lost"), once="waf_lost")
    broken = np.zeros(rows, dtype=bool)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "brute_force":  # a botnet fail2ban cannot block: many addresses
            span = common.span_rows(elapsed, start, rng.uniform(0.5, 12) * 60)
            bots[span] += rng.uniform(10, 300) * rng.lognormal(0, 0.3, span.stop - start)
        elif kind == "credential_stuffing":  # low and slow, flat through day and night
            span = common.span_rows(elapsed, start, rng.uniform(1, 4) * common.MINUTES_PER_DAY)
            bots[span] += np.median(bots[:start]) * rng.uniform(0.8, 3) + rng.uniform(0.05, 0.5)
        elif kind == "login_broken":  # a fatal error before the counting hook runs
            broken[common.span_rows(elapsed, start, rng.uniform(2, 24) * 60)] = True
        else:  # waf_lost: the rule blocking known bad addresses gone in a migration
            bots[start:] *= rng.uniform(3, 12)
    rate = bots + humans
    counts = rng.poisson(rate * minutes).astype(float)  # a bucket after a hole is one bucket
    if rng.random() < 0.3:  # an uptime monitor logging in to check the dashboard
        every = int(rng.choice([15, 60]))
        counts[np.r_[True, np.diff(elapsed // every) > 0]] += 1
    counts[broken] = 0
    return SyntheticSeries(name, stamps, counts, starts, kinds)


GENERATORS = {"synthProbeRegions": probe_series, "synthPageWeight": page_weight_series,
              "synthReplicaLag": replica_lag_series, "synthLoginPosts": login_posts_series}
STEMS = {"synthProbeRegions": ("probe_ms", "probe_seconds"),
         "synthPageWeight": ("html_bytes", "transfer_bytes"),
         "synthReplicaLag": ("seconds_behind_master", "heartbeat_lag_seconds"),
         "synthLoginPosts": ("wp_login_posts", "xmlrpc_posts")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R5, GENERATORS, STEMS, FILES_PER_FAMILY, salt=500)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
