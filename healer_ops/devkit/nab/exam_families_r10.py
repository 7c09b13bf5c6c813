"""Tenth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a signed value held near 0 by a
control loop (its noise is the signal, and it leaves 0 in either direction), a counter that
only climbs (its slope is the load) until a billing period resets it, an integer staircase
set by an autoscaler's rules (hysteresis, cooldowns, boot times), and a physical reading
that follows the load through a thermal lag on top of the room's temperature.

- ``synthClockOffset``: a web server's clock offset from a reference, in milliseconds
  (the monitoring agent's NTP query), every 1-5 minutes. Normal: noise of 0.02 to a few
  milliseconds around 0 (more in the busy hours, when the network is crowded), a slow wander
  as the host warms and cools, a reading now and then off by a delayed packet, the upstream
  server changing (a small bias for hours), reboots (an offset from the RTC corrected within
  minutes), weekly patch reboots in some files. Anomalies: the sync stopped (chronyd
  disabled by an upgrade or UDP 123 blocked: the clock free-runs, the offset drifting
  linearly at the crystal's error for hours to days), a clock step (a VM paused for a
  snapshot or migrated: a jump of a tenth of a second to seconds, slewed back over minutes to
  hours), a falseticker (a wrong upstream or an asymmetric route: a bias of several to tens
  of ms, jittery, for hours to days), hunting (the hypervisor's time sync fighting chronyd:
  a sawtooth of several to 100 ms for hours).
- ``synthEgressQuota``: the CDN's egress used this billing period (GB), read from the
  provider's API every 5-15 minutes. Normal: a counter climbing with the visitors' day and
  week, reset to 0 on the billing day (the 1st, or the signup day); the provider's usage in
  hourly or 5-minute batches (stairs) published 5-40 minutes late, now and then a batch an
  hour or three late (flat, then a catch-up); newsletters and viral posts (a steeper climb
  for a day); a weekly podcast or video release in some files. Anomalies: hotlinking
  (another site embedding the media: a steeper climb with that site's day), a scraper loop
  (a bot downloading a big file over and over: a steady extra climb day and night), the CDN
  bypassed (a rewrite plugin deactivated or DNS pointed at the origin: the counter almost
  flat for hours to days), the stats frozen (the provider's usage API stale for hours to
  days, then one catch-up jump).
- ``synthWebNodes``: healthy web nodes behind the load balancer of an autoscaling group, every
  1-5 minutes (``exam_r10_fleet``). Normal: a staircase following the visitors (scale-out
  after a few minutes of high load plus the boot time, scale-in one node at a time after a
  cooldown), nightly jobs scaling out in some files, scheduled scaling before the morning
  peak, rolling deploys (one node out at a time) or blue/green (twice the nodes for
  minutes), spot nodes lost and replaced, a reading one node short when a health check is
  slow. Anomalies: flapping (a threshold too tight after a config change: the count up and
  down every few minutes for hours), launches failing (a broken image: no node can join, the
  count sags as nodes are lost), scale-in stuck (a lifecycle hook hanging: the day's peak
  kept through the night), a runaway scale-out (a bot storm or a disabled object cache: the
  group at its maximum for hours).
- ``synthCpuTemperature``: a dedicated server's CPU temperature (IPMI, whole degrees, or
  lm-sensors in eighths), every 1-5 minutes (``exam_r10_fleet``). Normal: the data centre's
  inlet temperature (18-27 C, wandering) plus a rise with the load through the heat sink's
  lag of minutes (fans flattening the top), cron bursts, nightly backups and weekly malware
  scans heating it for an hour or hours, reboots (cool, then a burst at boot), cooling
  maintenance warming the room a little for hours. Anomalies: a fan failure (hotter at the
  same load until the fan is replaced), a cooling failure (the room warming by 5-15 C over
  tens of minutes, for hours), a runaway process (a cryptominer or a stuck loop: the top
  temperature day and night), the BMC stale (the same reading repeated for hours to days
  until its cold reset).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import temperature_series, web_nodes_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    hour_of_day,
    office_hour_rows,
    scrape_stamps,
)

EXAM_FAMILIES_R10 = ("synthClockOffset", "synthEgressQuota", "synthWebNodes",
                     "synthCpuTemperature")
FILES_PER_FAMILY = {"synthClockOffset": 9, "synthEgressQuota": 9, "synthWebNodes": 9,
                    "synthCpuTemperature": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthClockOffset": frozenset({"sync_stopped", "clock_step", "falseticker", "hunting"}),
    "synthEgressQuota": frozenset({"hotlinking", "scraper_loop", "cdn_bypass", "stats_frozen"}),
    "synthWebNodes": frozenset({"flapping", "launch_failing", "scale_in_stuck",
                                "runaway_scale_out"}),
    "synthCpuTemperature": frozenset({"fan_failure", "cooling_failure", "runaway_process",
                                      "bmc_stale"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY


# ---------------------------------------------------------------- clock offset


def _decays(elapsed: np.ndarray, rows: np.ndarray, sizes: np.ndarray, minutes: np.ndarray
            ) -> np.ndarray:
    """Offsets of ``sizes`` ms at ``rows``, each corrected within about ``minutes``."""
    out = np.zeros(len(elapsed))
    for row, size, tau in zip(rows, sizes, minutes, strict=True):
        since = elapsed - elapsed[row]
        out += (since >= 0) * size * np.exp(-np.maximum(since, 0) / tau)
    return out


def _clock_normal(rng: np.random.Generator, stamps: pd.DatetimeIndex, sigma: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(the disciplined offset's slow part, the measurement's noise), in ms."""
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    step = float(np.median(np.diff(elapsed)))
    busy = np.maximum(1 + rng.uniform(0, 0.6) * (common.traffic(stamps, rng) - 1), 0.3)
    noise = rng.normal(0, sigma, rows) * busy
    delayed = rng.random(rows) < rng.uniform(0.5, 6) * step / DAY  # an asymmetric round trip
    noise[delayed] += np.where(rng.random(int(delayed.sum())) < 0.7, 1, -1) * sigma * (
        rng.uniform(4, 25, int(delayed.sum())))
    slow = sigma * rng.uniform(0.3, 1.5) * common.wander(rng, rows, max(2, int(60 / step)))
    slow += sigma * rng.uniform(0, 1.5) * np.sin(
        2 * np.pi * (hour_of_day(stamps) - rng.uniform(0, 24)) / 24)  # the host warming
    bias = np.zeros(rows)
    for row in np.flatnonzero(rng.random(rows) < rng.uniform(0, 0.6) * step / DAY):
        bias[row:] = rng.normal(0, rng.uniform(1, 5) * sigma)  # another upstream server
    reboots = np.flatnonzero(rng.random(rows) < rng.uniform(0, 0.3) * step / DAY)
    if rng.random() < 0.4:  # the weekly patch night
        nights = common.daily_rows(stamps, rng.uniform(1, 5))
        reboots = np.r_[reboots, nights[np.asarray(stamps.day_of_week)[nights]
                                        == rng.integers(0, 7)]].astype(int)
    slow += _decays(elapsed, reboots, rng.choice([-1, 1], len(reboots)) * rng.uniform(
        1, 30, len(reboots)), rng.uniform(1, 10, len(reboots)))
    return slow + bias, noise


def _clock_anomalies(rng: np.random.Generator, elapsed: np.ndarray, sigma: float,
                     slow: np.ndarray, noise: np.ndarray, onsets: list[int], kinds: list[str]
                     ) -> None:
    for onset, kind in zip(onsets, kinds, strict=True):
        sign = float(rng.choice([-1, 1]))
        if kind == "sync_stopped":  # free-running: the crystal's error, 1 ppm = 0.06 ms/min
            span = common.span_rows(elapsed, onset, rng.uniform(3 * 60, 2 * DAY))
            since = elapsed[span] - elapsed[onset]
            ppm = sign * np.exp(rng.uniform(np.log(1), np.log(40)))
            slow[span] = slow[onset] + 0.06 * (ppm * since + rng.normal(0, 0.5) * since ** 2
                                               / DAY)
        elif kind == "clock_step":  # paused for a snapshot or migrated, then slewed back
            size = rng.uniform(100, 3000)
            rate = np.exp(rng.uniform(np.log(10), np.log(300)))  # ms slewed a minute
            since = elapsed - elapsed[onset]
            slow += sign * (since >= 0) * np.maximum(size - rate * np.maximum(since, 0), 0)
        elif kind == "falseticker":
            span = common.span_rows(elapsed, onset, rng.uniform(2 * 60, 3 * DAY))
            slow[span] += sign * (rng.uniform(3, 30) + 10 * sigma)
            noise[span] *= rng.uniform(1.5, 4)
        else:  # hunting: two time syncs pulling the clock, ramp and snap
            span = common.span_rows(elapsed, onset, rng.uniform(2 * 60, DAY))
            period = rng.uniform(5, 40)
            ramp = ((elapsed[span] - elapsed[onset]) % period) / period
            slow[span] += sign * (rng.uniform(5, 100) + 10 * sigma) * ramp


def clock_offset_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.05, int(rng.integers(0, 3)))
    sigma = float(np.exp(rng.uniform(np.log(0.02), np.log(2))))  # LAN reference .. internet
    slow, noise = _clock_normal(rng, stamps, sigma)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("sync_stopped", "clock_step", "falseticker",
                                       "hunting"))
    _clock_anomalies(rng, elapsed_minutes(stamps), sigma, slow, noise, starts, kinds)
    return SyntheticSeries(name, stamps, np.round(slow + noise, 3), starts, kinds)


# ---------------------------------------------------------------- CDN egress quota


def _egress_rate(rng: np.random.Generator, grid: pd.DatetimeIndex) -> np.ndarray:
    """GB a minute: the visitors' day and week, newsletters and viral posts, a weekly media
    release in some files."""
    minutes = len(grid)
    rate = np.exp(rng.uniform(np.log(0.5), np.log(2000))) / DAY * common.traffic(grid, rng)
    rate *= np.exp(0.2 * common.wander(rng, minutes, DAY))
    for start in office_hour_rows(rng, grid, rng.uniform(0.03, 0.2)):
        since = np.arange(minutes - start)
        rate[start:] *= 1 + rng.uniform(0.5, 5) * np.exp(-since / rng.uniform(180, DAY))
    if rng.random() < 0.3:  # a podcast or a video every week
        day, hour = int(rng.integers(0, 5)), rng.uniform(6, 18)
        rows = common.daily_rows(grid, hour)
        for start in rows[np.asarray(grid.day_of_week)[rows] == day]:
            since = np.arange(minutes - start)
            rate[start:] *= 1 + rng.uniform(0.5, 3) * np.exp(-since / rng.uniform(DAY / 2, 2 * DAY))
    return rate


def _reported_minutes(rng: np.random.Generator, grid_minutes: np.ndarray, lead: int
                      ) -> np.ndarray:
    """The minute each grid minute's reading covers usage up to: batches of 5 or 60 minutes
    published some minutes late, now and then a batch hours late."""
    batch = int(rng.choice([5, 60, 60]))
    delay = rng.uniform(5, 40)
    covered = np.floor((grid_minutes - delay) / batch) * batch
    for start in np.flatnonzero(rng.random(len(covered)) < rng.uniform(0, 1.5) / DAY):
        if start >= lead:
            late = slice(start, start + int(rng.uniform(60, 180)))
            covered[late] = covered[start]
    return np.maximum(covered, 0)


def _egress_anomalies(rng: np.random.Generator, grid: pd.DatetimeIndex, rate: np.ndarray,
                      covered: np.ndarray, onsets: list[int], kinds: list[str]) -> None:
    mean = rate.mean()
    ends = common.next_onsets(onsets, len(rate))
    for onset, kind, later in zip(onsets, kinds, ends, strict=True):
        if kind == "hotlinking":  # with the other site's visitors, until blocked
            end = onset + int(rng.uniform(DAY / 2, 4 * DAY))
            rate[onset:end] += mean * rng.uniform(1, 6) * common.traffic(grid, rng)[onset:end]
        elif kind == "scraper_loop":
            rate[onset:onset + int(rng.uniform(3 * 60, 2 * DAY))] += mean * rng.uniform(0.7, 3)
        elif kind == "cdn_bypass":
            rate[onset:onset + int(rng.uniform(3 * 60, 3 * DAY))] *= rng.uniform(0.02, 0.15)
        else:  # stats_frozen: the usage API stale, then caught up in one go
            end = min(onset + int(rng.uniform(6 * 60, 3 * DAY)), later)  # fixed before the next
            covered[onset:end] = covered[onset]


def _period_starts(times: pd.DatetimeIndex, billing_day: int, origin: pd.Timestamp
                   ) -> np.ndarray:
    """The minute (after ``origin``) each time's billing period started."""
    days = pd.DatetimeIndex(times.normalize())
    this = days - pd.to_timedelta(days.day - billing_day, unit="D")
    start = pd.DatetimeIndex(np.where(days.day >= billing_day, this,
                                      this - pd.DateOffset(months=1)))
    return ((start - origin).total_seconds() // 60).astype(int)


def egress_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    minutes = int(rng.choice([5, 10, 10, 15]))
    epoch = common.EPOCH + pd.Timedelta(days=int(rng.integers(0, 25)))
    stamps = scrape_stamps(rng, minutes, 0.05, int(rng.integers(0, 3)),
                           rows_by_step=common.ROWS_BY_STEP, epoch=epoch,
                           longest_hole_minutes=6 * 60)
    billing_day = 1 if rng.random() < 0.6 else int(rng.integers(2, 29))
    lead = 32 * DAY  # the grid starts a month early: the period's usage before the file
    grid = stamps[0].floor("min") - pd.Timedelta(minutes=lead) + pd.to_timedelta(
        np.arange(lead + int(elapsed_minutes(stamps)[-1]) + 2), unit="min")
    at = ((stamps - grid[0]).total_seconds() // 60).astype(int)
    rate = _egress_rate(rng, grid)
    covered = _reported_minutes(rng, np.arange(len(grid), dtype=float), lead)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("hotlinking", "scraper_loop", "cdn_bypass",
                                       "stats_frozen"))
    _egress_anomalies(rng, grid, rate, covered, [int(at[s]) for s in starts], kinds)
    used = np.r_[0.0, np.cumsum(rate)]  # used[m]: GB served before minute m
    upto = covered[at].astype(int)
    period = _period_starts(grid[upto], billing_day, grid[0])
    values = used[upto] - used[np.clip(period, 0, None)]
    return SyntheticSeries(name, stamps, np.round(values, 2), starts, kinds)


GENERATORS = {"synthClockOffset": clock_offset_series,
              "synthEgressQuota": egress_series,
              "synthWebNodes": web_nodes_series,
              "synthCpuTemperature": temperature_series}
STEMS = {"synthClockOffset": ("ntp_offset_ms", "clock_skew"),
         "synthEgressQuota": ("cdn_egress_gb_period", "bandwidth_quota_used"),
         "synthWebNodes": ("asg_healthy_nodes", "lb_backends_in_service"),
         "synthCpuTemperature": ("cpu_temp_celsius", "ipmi_cpu_temp")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R10, GENERATORS, STEMS, FILES_PER_FAMILY, salt=1000)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
