"""Eleventh exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a count made mostly by
machines (bots with no office hours, whose level changes from day to day, and scanners
banned within minutes), a ratio of two counters whose denominator spans three decades over
the day (tiny and noisy at night, smooth at the peak), a percentage that saturates at the
share of the cores that can wait on a disk, and a ratio over a trailing window, where every
burst of mail lifts the value for exactly as long as it stays in the window.

- ``synthWafBlocks``: requests blocked by the sites' WAF (a cloud proxy's firewall events or
  a ModSecurity/Wordfence count) per 1-15 minute bucket. Normal: bots probing day and night
  at a level that changes from day to day (a weak day of their own), a few false positives
  on real visitors (with the visitors' day), scanners (WPScan, nuclei) blocked for a few
  minutes several times a day, managed rule-set updates moving the level for good.
  Anomalies: an HTTP flood (rate-limit blocks tens to hundreds of times the usual, for a
  quarter of an hour to hours), an exploit campaign (a plugin vulnerability published:
  botnets probing every site, rising over hours and fading over days), a false-positive rule
  (a rule update or a plugin's new form blocking a share of the real visitors until someone
  allows it), the WAF bypassed (the origin's address leaked or the proxy switched off: almost
  nothing blocked for hours to days).
- ``synthTcpRetransmits``: a web server's TCP retransmitted segments in percent of the
  segments sent (node_exporter's RetransSegs over OutSegs), every 1-5 minutes. Normal:
  0.05-0.6 %, higher in the evening (mobile clients), noisy at night (few segments), the
  nightly off-site backup's bulk upload moving it up or down for an hour, a router failover
  now and then (a minute or two of loss), the internet paths wandering. Anomalies: a lossy
  link (a failing optic, cable or NIC: loss coming and going for minutes at a time, for
  hours), a congested uplink (the port capped or a new neighbour: loss whenever the traffic
  is above what fits, for days), a SYN flood (SYN-ACKs to spoofed sources retransmitted:
  tens of percent, for minutes to hours), a route change (the provider's transit through a
  lossy path: several times the usual, for hours to days).
- ``synthIoWait``: CPU iowait percent, every 1-5 minutes (``exam_r11_disk_mail``). Normal:
  page-cache misses with the visitors (at most the share of the cores a few waiting
  threads make: tens of percent on 2 cores, a few on 16), logrotate, the nightly backup
  (longer on the weekly full one), a weekly malware scan, Debian's monthly RAID check in
  some files, cold caches after deploys, noisy neighbours on shared storage. Anomalies: a
  failing disk (the disk slower and stalling for minutes, more and more often, until it is
  replaced), a swap storm (memory exhausted: jagged, for minutes to hours, until the OOM
  killer), burst credits exhausted (a cloud volume at its baseline speed for hours to days),
  a backup overrun (the night's backup not ending at its usual time, for hours).
- ``synthBounceRate``: outgoing mail's bounce rate in percent of the messages sent in the
  last 24 hours (a dashboard) or 6 hours (an alert's query), bounces counted against their
  message as mail providers do, every 5-15 minutes (``exam_r11_disk_mail``). Normal:
  transactional mail with the visitors (typos bounce: 0.3-2 %), newsletters one to three
  times a week (the rate stepping up for as long as they stay in the window), soft bounces
  known hours later, a mailbox provider's rejection wave now and then. Anomalies: a bad
  list blast (an imported or stale list: a tenth to a third bouncing), receiver blocking (a
  blocklisted IP or a broken DKIM record: a share of all mail rejected for hours to days),
  a signup bot (registrations with made-up addresses, each welcome mail bouncing), the
  bounce feed lost (the webhook broken: no bounce recorded for half a day to days, the rate
  sinking towards 0 as the window moves on).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r11_disk_mail import (
    bounce_series,
    fixed_by,
    iowait_series,
    onset_minutes,
    window_sums,
)
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
)

EXAM_FAMILIES_R11 = ("synthWafBlocks", "synthTcpRetransmits", "synthIoWait", "synthBounceRate")
FILES_PER_FAMILY = {"synthWafBlocks": 9, "synthTcpRetransmits": 9, "synthIoWait": 9,
                    "synthBounceRate": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthWafBlocks": frozenset({"l7_flood", "exploit_campaign", "false_positive_rule",
                                 "waf_bypassed"}),
    "synthTcpRetransmits": frozenset({"lossy_link", "congested_uplink", "syn_flood",
                                      "route_change"}),
    "synthIoWait": frozenset({"disk_failing", "swap_storm", "burst_credits_exhausted",
                              "backup_overrun"}),
    "synthBounceRate": frozenset({"bad_list_blast", "receiver_blocking", "signup_bot",
                                  "bounce_feed_lost"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY


def _lumpy(rng: np.random.Generator, rate: np.ndarray, shape: float) -> np.ndarray:
    """Poisson counts whose rate also varies minute to minute (a gamma of ``shape``)."""
    return rng.poisson(rate * rng.gamma(shape, 1 / shape, len(rate))).astype(float)


# ---------------------------------------------------------------- WAF blocks


def _bot_blocks(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """Bot requests blocked a minute: a level that changes from day to day, a weak day of
    the botnets' own, rule-set updates, scanners banned within minutes."""
    span = len(grid)
    level = np.exp(rng.uniform(np.log(0.5), np.log(40)))
    bots = level * np.exp(rng.uniform(0.3, 0.7) * common.wander(rng, span, DAY))
    bots *= 1 + rng.uniform(0, 0.4) * np.sin(2 * np.pi * (hour_of_day(grid)
                                                          - rng.uniform(0, 24)) / 24)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 2) / (7 * DAY)):
        bots[start:] *= rng.uniform(0.7, 1.4)  # the managed rules updated
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0.5, 6) / DAY):
        bots[start:start + int(rng.uniform(2, 20))] += level * rng.uniform(2, 20)
    return bots


def _waf_anomalies(rng: np.random.Generator, bots: np.ndarray, visitors: np.ndarray,
                   share: np.ndarray, passed: np.ndarray, onsets: list[int], kinds: list[str]
                   ) -> None:
    """The anomalies on the bots' blocks, the share of visitors blocked and the share of
    the blocks that still reach the WAF."""
    span, usual = len(bots), float(np.median(bots))
    # a rule that matters blocks enough visitors to stand out from the bots
    wrong = min(0.5, max(rng.uniform(0.02, 0.2), rng.uniform(0.5, 2) * usual / visitors.mean()))
    for onset, kind, fixed in zip(onsets, kinds, fixed_by(onsets, span), strict=True):
        if kind == "l7_flood":  # rate-limit rules blocking a botnet's flood
            length = min(span - onset, int(rng.uniform(15, 180)))
            ramp = np.minimum(1, (np.arange(length) + 1) / rng.uniform(1, 10))
            bots[onset:onset + length] += (usual * rng.uniform(30, 300) * ramp
                                           * rng.gamma(4, 0.25, length))
        elif kind == "exploit_campaign":  # published today, probed everywhere for days
            since = np.arange(span - onset)
            rise, fade = rng.uniform(60, 6 * 60), rng.uniform(0.5, 2) * DAY
            bots[onset:] += usual * rng.uniform(3, 15) * np.minimum(
                (since + 1) / rise, 1) * np.exp(-np.maximum(since - rise, 0) / fade)
        elif kind == "false_positive_rule":  # until someone adds an exception
            end = min(fixed, onset + int(rng.uniform(2 * 60, 2 * DAY)))
            share[onset:end] = wrong * rng.uniform(0.7, 1.3)
        else:  # waf_bypassed
            passed[onset:min(fixed, onset + int(rng.uniform(3 * 60, 3 * DAY)))] = rng.uniform(
                0, 0.05)


def waf_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 5, 5, 10, 15]))
    stamps, at, grid = minute_grid(rng, minutes)
    span = len(grid)
    visitors = np.exp(rng.uniform(np.log(20), np.log(3000))) * common.traffic(grid, rng)
    visitors *= np.exp(0.2 * common.wander(rng, span, DAY))
    bots = _bot_blocks(rng, grid)
    share = np.full(span, np.exp(rng.uniform(np.log(2e-4), np.log(3e-3))))
    passed = np.ones(span)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("l7_flood", "exploit_campaign", "false_positive_rule",
                                       "waf_bypassed"))
    _waf_anomalies(rng, bots, visitors, share, passed, onset_minutes(at, starts), kinds)
    blocked = _lumpy(rng, (bots + share * visitors) * passed, rng.uniform(2, 8))
    return SyntheticSeries(name, stamps, window_sums(blocked, at, minutes), starts, kinds)


# ---------------------------------------------------------------- TCP retransmits


def _segments(rng: np.random.Generator, grid: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    """(segments sent a minute by the web traffic, the level of it)."""
    level = 10 ** rng.uniform(3.5, 6)
    sent = level * common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, len(grid), DAY))
    return sent, level


def _loss(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """The chance a segment is retransmitted: a path's base, more in the evening (mobile
    clients), the internet's paths wandering, a router failover now and then."""
    span = len(grid)
    loss = rng.uniform(5e-4, 6e-3) * np.exp(0.25 * common.wander(rng, span, DAY))
    loss *= 1 + rng.uniform(0, 1.5) * common.daily_cycle(hour_of_day(grid), rng.uniform(19, 22),
                                                         2)
    for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.5) / DAY):
        loss[start:start + int(rng.integers(1, 4))] += rng.uniform(0.005, 0.03)
    return loss


def _backup_upload(rng: np.random.Generator, grid: pd.DatetimeIndex, level: float,
                   sent: np.ndarray, resent: np.ndarray) -> None:
    """The nightly off-site backup: a bulk upload on its own path, in most files."""
    if rng.random() < 0.3:
        return
    size, loss = level * rng.uniform(0.5, 5), rng.uniform(2e-4, 1e-2)
    for start in common.daily_rows(grid, rng.uniform(0, 5)):
        span = slice(start, start + int(rng.uniform(20, 120)))
        sent[span] += size
        resent[span] += size * loss


def _tcp_anomalies(rng: np.random.Generator, sent: np.ndarray, loss: np.ndarray,
                   flood: np.ndarray, onsets: list[int], kinds: list[str]) -> None:
    """The anomalies on the loss, and the SYN-ACKs of a flood (``flood``, a minute)."""
    span, usual = len(sent), float(np.median(loss))
    for onset, kind, fixed in zip(onsets, kinds, fixed_by(onsets, span), strict=True):
        if kind == "lossy_link":  # errors coming and going, minutes at a time
            end = min(fixed, onset + int(rng.uniform(30, 12 * 60)))
            bad = np.repeat(rng.random(end - onset) < rng.uniform(0.2, 0.6),
                            int(rng.integers(1, 10)))[:end - onset]
            bad[0] = True
            loss[onset:end] += bad * rng.uniform(0.01, 0.08) * rng.lognormal(0, 0.5, end - onset)
        elif kind == "congested_uplink":  # excess traffic dropped, TCP backing off
            end = min(fixed, onset + int(rng.uniform(DAY, 4 * DAY)))
            fits = rng.uniform(0.5, 0.9) * float(np.mean(sent[max(0, onset - 30):onset + 1]))
            excess = np.maximum(0, 1 - fits / sent[onset:end])
            loss[onset:end] += np.minimum(rng.uniform(0.02, 0.1) * excess, 0.05)
        elif kind == "syn_flood":
            length = int(rng.uniform(5, 120))
            flood[onset:onset + length] = float(np.quantile(sent, 0.9)) * rng.uniform(0.3, 5)
        else:  # route_change: until the provider moves the traffic back
            end = min(fixed, onset + int(rng.uniform(6 * 60, 3 * DAY)))
            loss[onset:end] += usual * rng.uniform(2, 9)


def retransmit_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, minutes)
    sent, level = _segments(rng, grid)
    loss = _loss(rng, grid)
    flood = np.zeros(len(grid))
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("lossy_link", "congested_uplink", "syn_flood",
                                       "route_change"))
    _tcp_anomalies(rng, sent, loss, flood, onset_minutes(at, starts), kinds)
    resent = _lumpy(rng, sent * np.clip(loss, 0, 1), rng.uniform(1, 5))
    _backup_upload(rng, grid, level, sent, resent)
    synacks = rng.poisson(flood)  # each retried up to tcp_synack_retries times
    sent = sent + synacks
    resent = resent + rng.binomial(synacks, rng.uniform(0.5, 0.85))
    width = max(minutes, int(rng.choice([1, 5])))  # rate() over the scrape step or 5 minutes
    percent = 100 * window_sums(resent, at, width) / np.maximum(window_sums(sent, at, width), 1)
    return SyntheticSeries(name, stamps, np.round(percent, 4), starts, kinds)


GENERATORS = {"synthWafBlocks": waf_series,
              "synthTcpRetransmits": retransmit_series,
              "synthIoWait": iowait_series,
              "synthBounceRate": bounce_series}
STEMS = {"synthWafBlocks": ("waf_blocked_requests", "firewall_events_blocked"),
         "synthTcpRetransmits": ("tcp_retransmit_pct", "tcp_retrans_segs_pct"),
         "synthIoWait": ("cpu_iowait_pct", "node_iowait"),
         "synthBounceRate": ("mail_bounce_rate", "outgoing_bounce_pct")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R11, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1100)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
