"""Twenty-fifth exam families: written blind, before any detector was run or scored on them.

The generators and labels were written from how these operations metrics behave in
production, without reading the detection engine and without scoring anything on them:
their held-out figures estimate how the engine does on kinds of data it was not built on.
Each family puts the oddities that are normal for its kind into the normal data too, so a
detector is rewarded for knowing the kind, not for flagging whatever looks odd.

The four kinds were chosen for shapes the earlier sets lack: a single probe's timing made of
whole round trips (so a change of protocol doubles it, and a lost packet adds a retransmission
timeout, not a little noise), a count over a trailing 24 hours of events made by people in
sittings (every step up leaves exactly a day later, weekends stay flat), a counter that only
moves when the connections in use outgrow a cache of a fixed size (zero for most of the night,
bursts at the day's peak and after every restart), and a stock of pages that fills with the
writes and drains at the storage's pace (a smooth level with a ceiling, emptied by restarts).

- ``synthTlsHandshake``: the TLS phase of a blackbox probe of a WordPress site over HTTPS
  (probe_http_duration_seconds{phase="tls"}, seconds, or milliseconds in tenths), one probe a
  row every 1-5 minutes. Normal: one round trip with TLS 1.3 (two with 1.2) on a route whose
  delay wanders and is longer in the internet's evening, the signature's CPU time, the TLS
  terminator's event loop waiting longer at the visitors' peak, the uplink full during the
  nightly backup in some sites, short reroutes, a lost packet now and then (a retransmission
  timeout of 200 ms and more on one probe), the probe's own hiccups, reloads at deploys.
  Anomalies: the terminator saturated (session resumption broken after a config change, or a
  flood of handshakes: its CPU full, the waits long and wild, worst at the peak, for 2 hours
  to 2 days), TLS 1.3 disabled (a config rollback or a failover node with an old OpenSSL:
  every handshake a round trip longer, for hours or from now on), packet loss (a faulty link:
  retransmission timeouts on a large share of probes, for 30 minutes to 12 hours), the CDN's
  PoP rerouted (a maintenance or a BGP change sends the probe to a farther PoP: every round
  trip longer, for 30 minutes to 3 days).
- ``synthRefunds``: refunds a WooCommerce shop made over the last 24 hours, or as a percent
  of its orders of the same 24 hours, every 5-15 minutes (``exam_r25_refunds``). Normal: each
  order refunded with a small chance (cancelled within hours, or returned days to weeks later)
  and the refund made in the next sitting at the desk (weekdays in office hours; Saturdays in
  some shops) or at once by the owner, days off and a holiday in some files (the backlog
  after), sales raising the orders for a day or two and the returns a week later, small shops
  counting 0, 1 or 2 for days. Anomalies: duplicate charges (a gateway update charging orders
  twice: each refunded within hours, for 1 hour to a day and a half of orders), the refund
  sync broken (the gateway's webhook failing: refunds made in its dashboard never recorded,
  the count draining to nothing for half a day to four days, then resynced at once or never),
  a fraud wave (card-testing bots' orders day and night for 1-8 hours, most refunded within
  hours: the orders jump, then the refunds), an event cancelled (a cancelled event or a
  recalled product: tens to hundreds of orders refunded at once, which leaves 24 hours later).
- ``synthThreadCache``: threads MySQL created (Threads_created, the thread cache's misses) per
  scrape of 1-5 minutes, or as a rate a second (``exam_r25_mysql``). Normal: a connection for
  each PHP request, held for the request; the cache of thread_cache_size keeps spare threads
  above the connections in use, so creations follow the peak's wandering in busy sites and
  are nil at night or in sites with a large cache; campaigns and crawls, the cron's long jobs,
  the nightly backup's global read lock (queries queue for seconds), a restart in the
  maintenance night now and then (no threads: every connection of the next minute a new one).
  Anomalies: the cache disabled (a config template without thread_cache_size: a thread for
  every connection, for 6 hours to 3 days), lock pile-ups (a long ALTER or a report locking a
  table over and over: queries queue and the connections jump, for 20 minutes to 4 hours), a
  query creeping (a table growing without an index: connections held longer by the day, for
  days), OOM restarts (mysqld killed again and again every 20-90 minutes: each time no thread
  and a cold, slow buffer pool, for 2 to 12 hours).
- ``synthDirtyPages``: the InnoDB buffer pool's dirty pages (a count, or a percent of the pool
  in hundredths), every 1-10 minutes (``exam_r25_mysql``). Normal: pages dirtied by the
  visitors' writes (sessions, orders, comments, transients) and the editors in office hours,
  rewrites of hot pages that are dirty already, the page cleaner writing back a share a
  minute up to innodb_io_capacity_max, the nightly cron's cleanups and imports, a weekly
  OPTIMIZE in some, a restart now and then (an empty pool), the flushing's batches as noise.
  Anomalies: flushing stalled (the volume out of burst credits or a noisy neighbour: the dirty
  pages climb to a plateau, up to the maximum, for 2 hours to 2 days), writes stopped (the
  sites moved to another server or set read-only: the pages drain to nothing and stay there,
  for hours to the end of the file), a write storm (a plugin logging a row for every request:
  several times the writes, with the visitors' rhythm, for 2 hours to 3 days), the exporter
  frozen (stuck on a query, serving its last reading: the same value for 1 to 12 hours).

Labels follow NAB's rule (``synthetic.label_windows``); onsets are in the last 85% of each
file. ``generate`` mirrors ``synthetic.generate``; everything is drawn from the seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r4_common import daily_cycle
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r25_mysql import dirty_pages_series, thread_cache_series
from healer_ops.devkit.nab.exam_r25_refunds import refunds_series
from healer_ops.devkit.nab.synthetic import (
    FamilySet,
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    hour_of_day,
    office_hour_rows,
)

EXAM_FAMILIES_R25 = ("synthTlsHandshake", "synthRefunds", "synthThreadCache",
                     "synthDirtyPages")
FILES_PER_FAMILY = {"synthTlsHandshake": 9, "synthRefunds": 9, "synthThreadCache": 9,
                    "synthDirtyPages": 8}
# The kinds each family's anomalies are labelled with (the exam tests hold files to them).
ANOMALY_KINDS: dict[str, frozenset[str]] = {
    "synthTlsHandshake": frozenset({"terminator_saturated", "tls13_disabled", "packet_loss",
                                    "pop_rerouted"}),
    "synthRefunds": frozenset({"duplicate_charges", "refund_sync_broken", "fraud_wave",
                               "event_cancelled"}),
    "synthThreadCache": frozenset({"cache_disabled", "lock_pileup", "slow_query_creep",
                                   "oom_restarts"}),
    "synthDirtyPages": frozenset({"flush_stall", "writes_stopped", "write_storm",
                                  "exporter_frozen"}),
}
MOST_ANOMALIES_PER_FILE = 4  # labelled onsets in one file, at most
DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- TLS handshake of a probe

RTO = 200.0  # ms: Linux's least retransmission timeout


def retransmission_delay(lost: np.ndarray, rtt: np.ndarray) -> np.ndarray:
    """Milliseconds ``lost`` packets in a row add to a handshake: a timeout of at least 200 ms
    (a little over the round trip), doubled at each loss."""
    return (2.0 ** lost - 1) * np.maximum(RTO, 1.2 * rtt)


class Probe:
    """What the probe's handshake is made of, a minute: the route's round trip (wandering,
    longer in the internet's evening, the uplink full in some nights, short reroutes), the
    round trips of the protocol, the signature's CPU time, the terminator's event loop (its
    wait grows with its CPU, which follows the visitors), packets lost now and then."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        hours = hour_of_day(grid)
        self.rtt0 = float(np.exp(rng.uniform(np.log(3), np.log(150))))
        evening = rng.uniform(0, 0.15) * daily_cycle(hours, rng.uniform(19, 22), 2.5)
        self.rtt = self.rtt0 * (1 + evening) * np.exp(0.03 * common.wander(rng, span, DAY))
        if rng.random() < 0.5:  # the nightly backup filling the uplink: queues in the router
            for start in common.daily_rows(grid, rng.uniform(0, 5)):
                self.rtt[start:start + int(rng.uniform(30, 120))] += rng.uniform(2, 40)
        for start in np.flatnonzero(rng.random(span) < rng.uniform(0, 0.3) / DAY):
            self.rtt[start:start + int(rng.uniform(5, 60))] *= rng.uniform(1.1, 1.6)
        self.trips = np.full(span, 1.0 if rng.random() < 0.75 else 2.0)  # TLS 1.3 or 1.2
        self.sign = rng.uniform(0.1, 0.5) if rng.random() < 0.5 else rng.uniform(1, 3)  # ms
        load = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
        self.cpu = np.minimum(rng.uniform(0.02, 0.4) * load, 0.9)
        self.loop = rng.uniform(1, 6)  # ms the event loop takes a turn at no load
        self.loss = np.full(span, float(np.exp(rng.uniform(np.log(1e-4), np.log(2e-3)))))
        self.reloads = office_hour_rows(rng, grid, rng.uniform(0.2, 3))  # deploys

    def wait(self) -> np.ndarray:
        """Mean milliseconds a handshake waits for the terminator's event loop."""
        busy = np.minimum(self.cpu, 0.99)
        return self.loop * busy / (1 - busy)

    def handshakes(self, rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
        """Milliseconds of the probes at minutes ``at``."""
        n = len(at)
        rtt = self.rtt[at] * rng.lognormal(0, rng.uniform(0.02, 0.12), n)
        lost = rng.binomial(4, np.minimum(self.loss[at], 1))  # hello, certificate, finished
        slow = np.isin(at, self.reloads) * rng.uniform(20, 300, n)  # workers reloading
        hiccup = (rng.random(n) < 1 / 2000) * rng.uniform(50, 500, n)  # the probe's own
        return (self.trips[at] * rtt + self.sign * rng.lognormal(0, 0.3, n)
                + rng.exponential(self.wait()[at]) + rng.uniform(0.2, 1) + slow + hiccup
                + retransmission_delay(lost, rtt))


def _tls_anomalies(rng: np.random.Generator, probe: Probe, onsets: list[int],
                   kinds: list[str]) -> None:
    span = probe.span
    for i, (onset, later) in enumerate(zip(onsets, common.next_onsets(onsets, span),
                                           strict=True)):
        if kinds[i] == "tls13_disabled" and probe.trips[onset] > 1:
            kinds[i] = "pop_rerouted"  # no TLS 1.3 to lose
        if kinds[i] == "terminator_saturated":  # its CPU full, worst at the peak
            end = min(later, onset + int(rng.uniform(2 * 60, 2 * DAY)))
            boost = max(rng.uniform(3, 10), rng.uniform(0.95, 0.99) / probe.cpu[onset])
            probe.cpu[onset:end] = np.minimum(probe.cpu[onset:end] * boost, 0.99)
        elif kinds[i] == "tls13_disabled":  # a round trip more, for hours or from now on
            end = later if rng.random() < 0.5 else min(later, onset + int(
                rng.uniform(3 * 60, 3 * DAY)))
            probe.trips[onset:end] = 2.0
        elif kinds[i] == "packet_loss":
            end = min(later, onset + int(rng.uniform(30, 12 * 60)))
            probe.loss[onset:end] = rng.uniform(0.05, 0.3)
        else:  # pop_rerouted: a farther PoP
            end = min(later, onset + int(rng.uniform(30, 3 * DAY)))
            probe.rtt[onset:end] = probe.rtt[onset:end] * rng.uniform(1.5, 4) + rng.uniform(
                5, 60)


def tls_handshake_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    step = int(rng.choice([1, 1, 2, 5]))
    stamps, at, grid = minute_grid(rng, step)
    probe = Probe(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("terminator_saturated", "tls13_disabled",
                                       "packet_loss", "pop_rerouted"))
    _tls_anomalies(rng, probe, [int(at[s]) for s in starts], kinds)
    ms = probe.handshakes(rng, at)
    if name.startswith("tls_handshake_ms"):
        return SyntheticSeries(name, stamps, np.round(ms, 1), starts, kinds)
    return SyntheticSeries(name, stamps, np.round(ms / 1000, 6), starts, kinds)


GENERATORS = {"synthTlsHandshake": tls_handshake_series, "synthRefunds": refunds_series,
              "synthThreadCache": thread_cache_series, "synthDirtyPages": dirty_pages_series}
STEMS = {"synthTlsHandshake": ("probe_tls_handshake_seconds", "tls_handshake_ms"),
         "synthRefunds": ("woo_refunds_24h", "woo_refund_rate_24h_percent"),
         "synthThreadCache": ("mysql_threads_created", "mysql_threads_created_rate"),
         "synthDirtyPages": ("innodb_buffer_pool_dirty_pct", "mysql_buffer_pool_pages_dirty")}
FAMILY_SET = FamilySet(EXAM_FAMILIES_R25, GENERATORS, STEMS, FILES_PER_FAMILY, salt=2500)
file_names = FAMILY_SET.file_names
generate = FAMILY_SET.generate
