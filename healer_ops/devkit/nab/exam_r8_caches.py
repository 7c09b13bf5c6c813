"""``synthOpcache`` and ``synthDnsLookup`` of the eighth exam families (``exam_families_r8``):
caches whose state, not the load, shapes the values. OPcache fills within minutes of a reset,
keeps each deploy's old scripts as wasted memory and restarts itself when full; a caching
resolver answers from memory until a record's TTL runs out, then asks upstream once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    elapsed_minutes,
    office_hour_rows,
)

DAY = common.MINUTES_PER_DAY
MB = 2.0 ** 20
KEY_LIMITS = (7963, 16229, 32531, 65407)  # max_accelerated_files, as OPcache rounds it up
MEMORY_LIMITS_MB = (64, 128, 192, 256, 512, 1024)
WASTED_RESTART = 0.05  # opcache.max_wasted_percentage


def _steps(elapsed: np.ndarray, minutes: int) -> np.ndarray:
    return np.diff(elapsed, prepend=elapsed[0] - minutes)


# ---------------------------------------------------------------- PHP OPcache


@dataclass
class Codebase:
    """The scripts a site's PHP compiles: those its pages load (compiled within minutes of a
    reset at mean traffic) and those only the admin and cron reach (over days); their mean
    compiled size; OPcache's own tables; its memory and key limits; whether timestamps are
    validated (a changed file recompiled, its old copy wasted) or deploys reset the cache."""

    hot: float
    cold: float
    script_bytes: float
    hot_minutes: float
    cold_minutes: float
    base: float
    memory: float
    keys: float
    validate: bool


def _codebase(rng: np.random.Generator) -> Codebase:
    hot = float(np.exp(rng.uniform(np.log(800), np.log(6000))))
    cold = hot * rng.uniform(0.3, 1.5)
    script_bytes, base = rng.uniform(15, 60) * 1024, rng.uniform(4, 16) * MB
    full = base + (hot + cold) * script_bytes
    memory = next((mb * MB for mb in MEMORY_LIMITS_MB if mb * MB * rng.uniform(0.45, 0.9) >= full),
                  2048 * MB)
    keys = next((k for k in KEY_LIMITS if k >= (hot + cold) * rng.uniform(1.3, 3)), KEY_LIMITS[-1])
    return Codebase(hot, cold, script_bytes, rng.uniform(1, 10), rng.uniform(0.5, 4) * DAY,
                    base, memory, float(keys), rng.random() < 0.65)


@dataclass
class CacheEvents:
    """What happens to the cache at each row: a reset (and the share of the step since it),
    the share of the code a deploy changes, bytes a minute of PHP files rewritten, scripts
    added by a plugin, and whether OPcache is switched off."""

    resets: np.ndarray
    since_reset: np.ndarray
    changes: np.ndarray
    churn: np.ndarray
    added: np.ndarray
    disabled: np.ndarray


def _normal_events(rng: np.random.Generator, stamps: pd.DatetimeIndex) -> CacheEvents:
    """Deploys and plugin updates in office hours, auto-updates after WordPress's twice-daily
    version check, and in some sites a nightly or weekly PHP-FPM reload (a reset)."""
    rows = len(stamps)
    events = CacheEvents(np.zeros(rows, dtype=bool), rng.random(rows), np.zeros(rows),
                         np.zeros(rows), np.zeros(rows), np.zeros(rows, dtype=bool))
    deploys = office_hour_rows(rng, stamps, rng.uniform(0.1, 1.5))
    events.changes[deploys] = np.minimum(rng.lognormal(np.log(0.05), 0.8, len(deploys)), 0.6)
    check = rng.uniform(0, 12)
    for hour in (check, check + 12):
        checks = common.daily_rows(stamps, hour)
        updated = checks[rng.random(len(checks)) < 0.1]
        events.changes[updated] = rng.uniform(0.01, 0.1, len(updated))
    if rng.random() < 0.5:
        reloads = common.daily_rows(stamps, rng.uniform(0, 6))
        if rng.random() < 0.4:
            reloads = reloads[np.asarray(stamps.day_of_week)[reloads] == rng.integers(0, 7)]
        events.resets[reloads] = True
    return events


def _fill(code: Codebase, traffic: np.ndarray, steps: np.ndarray, events: CacheEvents,
          warm: float) -> tuple[np.ndarray, np.ndarray]:
    """(used bytes, cached scripts) at each row. Past the memory or key limit, OPcache
    restarts itself if enough of it is wasted, else it caches no more scripts."""
    hot, cold, wasted = 1.0, warm, 0.0
    used, scripts = np.zeros(len(steps)), np.zeros(len(steps))
    for row, step in enumerate(steps):
        hot_scripts = code.hot + events.added[row]
        if events.resets[row] or (events.changes[row] and not code.validate):
            hot, cold, wasted = 0.0, 0.0, 0.0
            step *= events.since_reset[row]
        elif events.changes[row]:
            share = events.changes[row]
            wasted += share * (hot * hot_scripts + cold * code.cold) * code.script_bytes
            hot, cold = hot * (1 - share), cold * (1 - share)
        wasted += events.churn[row] * step
        hot += (1 - hot) * (1 - np.exp(-traffic[row] * step / code.hot_minutes))
        cold += (1 - cold) * (1 - np.exp(-step / code.cold_minutes))
        count = hot * hot_scripts + cold * code.cold
        room = code.memory - code.base - wasted
        if count * code.script_bytes > room or count > code.keys:
            if wasted > WASTED_RESTART * code.memory:  # restarted: refilled since
                wasted, cold = 0.0, 0.0
                hot = 1 - np.exp(-traffic[row] * step * events.since_reset[row] / code.hot_minutes)
            else:
                fit = max(min(room / code.script_bytes, code.keys) / count, 0.0)
                hot, cold = hot * fit, cold * fit
            count = hot * hot_scripts + cold * code.cold
        scripts[row] = count
        used[row] = code.base + count * code.script_bytes + wasted
    used[events.disabled] = scripts[events.disabled] = 0.0
    return used, scripts


def _cache_anomalies(rng: np.random.Generator, code: Codebase, elapsed: np.ndarray,
                     events: CacheEvents, starts: list[int], kinds: list[str]) -> None:
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "churn_restarts":  # a plugin rewriting PHP cache files (validated: wasted)
            span = common.span_rows(elapsed, start, rng.uniform(3 * 60, 3 * DAY))
            events.churn[span] += code.memory * rng.uniform(0.05, 0.5) / rng.uniform(5, 120)
        elif kind == "opcache_disabled":  # a PHP upgrade without the OPcache ini
            span = common.span_rows(elapsed, start, rng.uniform(6 * 60, 4 * DAY))
            events.disabled[span] = True
            events.resets[start] = True
            if span.stop < len(elapsed):  # switched on again: empty
                events.resets[span.stop] = True
        elif kind == "cache_full":  # a big plugin or an SDK's vendor tree
            full = code.base + (code.hot + code.cold) * code.script_bytes
            events.added[start:] = max((code.memory * rng.uniform(1.05, 1.6) - full)
                                       / code.script_bytes, 0.3 * code.hot)
        else:  # reset_loop: opcache_reset() on every post save, or from a cron job
            span = common.span_rows(elapsed, start, rng.uniform(60, 2 * DAY))
            every = rng.uniform(2, 30)
            ticks = np.floor((elapsed[span] - elapsed[start]) / every)
            events.resets[span] |= np.r_[True, np.diff(ticks) > 0]


def opcache_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    count_scripts = name.startswith("opcache_cached_scripts")
    minutes = int(rng.choice([1, 1, 2, 5, 10]))
    stamps = common.stamps(rng, minutes, 0.02, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    code = _codebase(rng)
    traffic = common.traffic(stamps, rng) * np.exp(0.2 * common.wander(rng, rows, 500))
    events = _normal_events(rng, stamps)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    choices = (("churn_restarts", "opcache_disabled", "cache_full", "reset_loop")
               if code.validate else ("reset_loop", "opcache_disabled", "cache_full"))
    kinds = common.kinds(rng, starts, choices, once="cache_full")
    _cache_anomalies(rng, code, elapsed, events, starts, kinds)
    used, scripts = _fill(code, traffic, _steps(elapsed, minutes), events,
                          rng.uniform(0.2, 0.9))
    if count_scripts:
        values = np.round(scripts)
    else:  # small allocations come and go
        values = np.round(used * (1 + rng.normal(0, 0.0005, rows)))
    return SyntheticSeries(name, stamps, values, starts, kinds)


# ---------------------------------------------------------------- DNS lookups


@dataclass
class Lookups:
    """At each row: the upstream's round trip (ms), the share of misses it must ask the
    authoritative servers about and what that costs (ms), the share of lookups that lose a
    packet and the retry timeout then waited (ms), the record's TTL (minutes), whether the
    local cache is bypassed or was just flushed."""

    rtt: np.ndarray
    fetch_share: np.ndarray
    fetch_ms: np.ndarray
    lost_share: np.ndarray
    retry_ms: float
    ttl: np.ndarray
    bypassed: np.ndarray
    flushed: np.ndarray


def _lookups(rng: np.random.Generator, stamps: pd.DatetimeIndex, elapsed: np.ndarray,
             upstream: bool) -> Lookups:
    """Normal: an anycast or in-datacenter round trip moved by a route change now and then,
    the TTL lowered for days before a migration in some sites, a resolver restarted nightly
    in others (its cache flushed), a lookup in a few hundred losing a packet."""
    rows = len(elapsed)
    rtt = np.full(rows, rng.uniform(5, 30) if upstream else rng.uniform(0.3, 3))
    for _ in range(int(rng.integers(0, 3))):
        rtt[elapsed > rng.uniform(0, elapsed[-1])] *= rng.uniform(0.7, 1.4)
    fetch_ms = np.exp(rng.uniform(np.log(15), np.log(120))) * rng.lognormal(0, 0.4, rows)
    ttl = np.full(rows, float(rng.choice([1, 2, 5, 5, 10, 60])))
    migrations = office_hour_rows(rng, stamps, 0.05)
    if ttl[0] >= 10 and len(migrations) and rng.random() < 0.25:
        span = common.span_rows(elapsed, int(rng.choice(migrations)), rng.uniform(1, 3) * DAY)
        ttl[span] = float(rng.choice([1, 5]))
    flushed = np.zeros(rows, dtype=bool)
    if rng.random() < 0.3:
        flushed[common.daily_rows(stamps, rng.uniform(0, 6))] = True
    fetch_share = np.full(rows, rng.uniform(0.03, 0.3) if upstream else rng.uniform(0.1, 0.5))
    return Lookups(rtt, fetch_share, fetch_ms, np.full(rows, rng.uniform(1 / 2000, 1 / 300)),
                   float(rng.choice([1000, 2000, 5000]) if upstream else
                         rng.choice([400, 800, 1000, 2000])), ttl, np.zeros(rows, dtype=bool),
                   flushed)


def _asked_upstream(rng: np.random.Generator, elapsed: np.ndarray, look: Lookups,
                    prefetch: bool) -> tuple[np.ndarray, np.ndarray]:
    """(rows the local cache missed, rows whose miss went on to the authoritative servers).
    A miss caches the record for what is left of the upstream's copy: the full TTL if it
    was fetched afresh. With prefetch, a hit in the TTL's last tenth renews it unseen."""
    rows = len(elapsed)
    missed, fetched = np.zeros(rows, dtype=bool), rng.random(rows) < look.fetch_share
    left, expiry = rng.random(rows), -np.inf
    for row, now in enumerate(elapsed):
        ttl = look.ttl[row]
        if look.bypassed[row] or look.flushed[row] or now >= expiry:
            missed[row] = True
            expiry = now + ttl * (1.0 if fetched[row] else left[row])
        elif prefetch and now >= expiry - 0.1 * ttl:
            expiry = now + ttl
    return missed, missed & fetched


def _lookup_anomalies(rng: np.random.Generator, elapsed: np.ndarray, look: Lookups,
                      upstream: bool, starts: list[int], kinds: list[str]) -> np.ndarray:
    """Applies the anomalies to ``look``; returns the rows whose lookups fail."""
    failing = np.zeros(len(elapsed), dtype=bool)
    for start, kind in zip(starts, kinds, strict=True):
        if kind == "authoritative_slow":  # a DDoS on the DNS provider
            span = common.span_rows(elapsed, start, rng.uniform(30, 12 * 60))
            look.fetch_ms[span] *= rng.uniform(10, 40)
            look.fetch_share[span] = np.maximum(look.fetch_share[span], rng.uniform(0.5, 0.9))
        elif kind == "upstream_timeouts":  # a half-dead first upstream, or packet loss
            span = common.span_rows(elapsed, start, rng.uniform(2 * 60, 3 * DAY))
            # every lookup asks a public resolver; a local cache only asks on a miss
            look.lost_share[span] = rng.uniform(0.2, 0.7) if upstream else rng.uniform(0.5, 1)
        elif kind == "cache_bypassed":  # resolv.conf rewritten to point upstream directly
            look.bypassed[common.span_rows(elapsed, start, rng.uniform(2 * 60, 4 * DAY))] = True
        else:  # lookups_failing: the resolver down or refusing, the probe records 0
            failing[common.span_rows(elapsed, start, rng.uniform(10, 6 * 60))] = True
    return failing


def dns_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    upstream, in_seconds = name.startswith("dns_upstream"), "seconds" in name
    minutes = int(rng.choice([1, 1, 2, 5]))
    stamps = common.stamps(rng, minutes, 0.03, int(rng.integers(0, 3)))
    rows, elapsed = len(stamps), elapsed_minutes(stamps)
    load = 1 + rng.uniform(0, 0.5) * common.traffic(stamps, rng)  # a busy host answers later
    look = _lookups(rng, stamps, elapsed, upstream)
    starts = anomaly_starts(rng, rows, anomaly_count(rng, common.ANOMALY_COUNTS))
    choices = ("authoritative_slow", "upstream_timeouts", "lookups_failing") + (
        () if upstream else ("cache_bypassed",))
    kinds = common.kinds(rng, starts, choices)
    failing = _lookup_anomalies(rng, elapsed, look, upstream, starts, kinds)
    lost = rng.random(rows) < look.lost_share
    asked = look.rtt * rng.lognormal(0, rng.uniform(0.05, 0.3), rows) * load
    if upstream:  # every lookup asks the public resolver; some of its caches miss
        fetched = rng.random(rows) < look.fetch_share
        ms = asked + fetched * look.fetch_ms + lost * look.retry_ms
    else:
        missed, fetched = _asked_upstream(rng, elapsed, look, rng.random() < 0.2)
        hit = np.exp(rng.uniform(np.log(0.04), np.log(0.3))) * rng.lognormal(0, 0.3, rows)
        ms = np.where(missed, asked + fetched * look.fetch_ms + lost * look.retry_ms, hit * load)
    ms = np.maximum(np.round(ms, 3), 0.001)
    ms[failing] = 0.0
    values = np.round(ms / 1000, 6) if in_seconds else ms
    return SyntheticSeries(name, stamps, values, starts, kinds)
