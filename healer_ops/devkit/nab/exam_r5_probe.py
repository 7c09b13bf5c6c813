"""``synthProbeRegions`` of the fifth exam families (``exam_families_r5``): an uptime probe's
response time where successive rows come from probe regions in rotation, so the normal is a
row-interleaved mixture of one level per region."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    elapsed_minutes,
    first_week_minute,
    office_hour_rows,
)

TIMEOUTS_MS = (10000, 15000, 30000)


def _rotation(rng: np.random.Generator, regions: int, cycles: int) -> np.ndarray:
    """Region of each slot, cycle by cycle; the provider reshuffles the order now and then
    (normal: the same regions, another interleaving)."""
    orders = np.tile(rng.permutation(regions), (cycles, 1))
    for cycle in np.sort(rng.integers(1, cycles, int(rng.integers(0, 3)))):
        orders[cycle:] = rng.permutation(regions)
    return orders.ravel()


def _probe_stamps(rng: np.random.Generator, period: int, regions: int, rows: int
                  ) -> np.ndarray:
    """Minutes after the epoch of each check: slot j of each period belongs to the j-th region
    in the rotation, a few seconds late."""
    spacing = period / regions
    slots = np.arange(rows) * spacing + first_week_minute(rng, period)
    return slots + rng.uniform(0, 0.25 * spacing, rows)


def _network_ms(rng: np.random.Generator, region: np.ndarray, regions: int,
                elapsed: np.ndarray) -> np.ndarray:
    """DNS, TCP and TLS from each region: its own level and jitter; a route change now and
    then moves one region's level a little for good (normal)."""
    level = np.exp(rng.uniform(np.log(30), np.log(600), regions))
    sigma = rng.uniform(0.04, 0.2, regions)
    net = level[region] * rng.lognormal(0, 1, len(region)) ** sigma[region]
    for r in range(regions):
        if rng.random() < 0.3:
            since = elapsed >= rng.uniform(0, elapsed[-1])
            net[(region == r) & since] *= rng.uniform(0.8, 1.25)
    dns_miss = rng.random(len(region)) < rng.uniform(0.002, 0.02)
    return net + dns_miss * rng.uniform(20, 300, len(region))


def _server_ms(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Time to first byte at the origin, and what it is when the page cache is missed."""
    rows = len(stamps)
    uncached = (rng.uniform(150, 1500) * common.traffic(stamps, rng) ** rng.uniform(0.1, 0.4)
                * rng.lognormal(0, rng.uniform(0.1, 0.3), rows))
    for row in office_hour_rows(rng, stamps, rng.uniform(0.2, 1.2)):  # deploys: cold opcache
        span = common.span_rows(elapsed, row, rng.uniform(5, 20))
        uncached[span] *= rng.uniform(1.5, 4)
    if rng.random() < 0.5:
        return uncached, uncached
    cached = rng.uniform(8, 60) * rng.lognormal(0, 0.2, rows)
    misses = rng.random(rows) < rng.uniform(0.03, 0.2)  # the page expired at that edge
    return np.where(misses, uncached, cached), uncached


def _first_row_of(region: np.ndarray, r: int, start: int) -> int:
    later = np.flatnonzero(region[start:] == r)
    return start + int(later[0]) if len(later) else start


def probe_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    in_seconds = name.startswith("probe_seconds")
    regions = int(rng.integers(3, 7))
    period = int(rng.choice([p for p in (5, 10, 15) if p >= regions]))
    spacing = period / regions
    rows = int(rng.integers(*((6000, 16000) if spacing < 2 else (2500, 8000))))
    region = _rotation(rng, regions, -(-rows // regions))[:rows]
    minutes = _probe_stamps(rng, period, regions, rows)
    stamps = pd.DatetimeIndex(common.EPOCH + pd.to_timedelta(minutes, unit="min").floor("s"))
    elapsed = elapsed_minutes(stamps)
    net = _network_ms(rng, region, regions, elapsed)
    server, uncached = _server_ms(rng, stamps, elapsed)
    timeout = float(rng.choice(TIMEOUTS_MS))
    timed_out = rng.random(rows) < rng.uniform(0.0001, 0.001)  # a lost packet at the wrong time
    keep = np.ones(rows, dtype=bool)
    longest_minutes = 0.006 * rows * spacing  # the dropped rows keep NAB's windows apart
    for _ in range(int(rng.integers(0, 3))):  # the probe service itself had an outage
        outage = min(rng.uniform(20, 180), longest_minutes)
        keep[common.span_rows(elapsed, int(rng.integers(rows)), outage)] = False
    starts = common.spaced_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, ("region_degraded", "all_slow", "region_dropout",
                                       "region_blocked"))
    for i, kind in enumerate(kinds):
        r = int(rng.integers(regions))
        if kind != "all_slow":  # seen first on that region's next check
            starts[i] = _first_row_of(region, r, starts[i])
        hours = rng.uniform(1, 24)
        if kind == "region_dropout":
            hours = min(hours, 0.01 * rows * period / 60)
        span = common.span_rows(elapsed, starts[i], hours * 60)
        mine = np.flatnonzero(region[span] == r) + starts[i]
        if kind == "region_degraded":  # a lossy transit path: slower, and TCP retransmits
            net[mine] *= rng.uniform(1.5, 3)
            retransmits = rng.random(len(mine)) < rng.uniform(0.1, 0.4)
            net[mine[retransmits]] += rng.choice([1000.0, 3000.0], int(retransmits.sum()))
        elif kind == "all_slow":  # the database struggling: every region, cache or not
            span = common.span_rows(elapsed, starts[i], rng.uniform(0.5, 8) * 60)
            server[span] = uncached[span] * rng.uniform(3, 10)
        elif kind == "region_dropout":  # the region's probe node is gone: no rows from it
            keep[mine] = False
        elif rng.random() < 0.5:  # region_blocked: a firewall drops its packets
            timed_out[mine] = True
        else:  # region_blocked: the WAF answers 403 at once, the origin never sees it
            server[mine] = 0.0
            net[mine] *= 0.4
    milliseconds = np.where(timed_out, timeout, np.minimum(net + server, timeout))
    values = np.round(milliseconds / 1000, 3) if in_seconds else np.round(milliseconds)
    stamps, values, starts = common.keep_rows(stamps, values, keep, starts)
    return SyntheticSeries(name, stamps, values, starts, kinds)
