"""``synthPodRestarts`` and ``synthJvmHeap`` of the twenty-second exam families
(``exam_families_r22``): two clusters beside the sites. A Kubernetes deployment's restart count
is a sum of per-pod counters: each restart adds one for as long as its pod lives, and the count
goes with the pod when a rollout, a scale-in or a node's end replaces it, so the sum climbs by
ones and falls back in steps. The heap of an Elasticsearch node (ElasticPress' search) is
G1's: a young generation filled and emptied every few seconds to minutes, an old generation
climbing with what survives until a concurrent cycle and mixed collections take it back to the
live set, so it is a sawtooth over a noisy band, faster when more is searched or indexed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healer_ops.devkit.nab import exam_r5_common as common
from healer_ops.devkit.nab.exam_r10_fleet import minute_grid
from healer_ops.devkit.nab.exam_r12_ratchets import weekly_rows
from healer_ops.devkit.nab.exam_r13_fleet import count_on_grid
from healer_ops.devkit.nab.exam_r15_scheduled import ends_by
from healer_ops.devkit.nab.synthetic import (
    SyntheticSeries,
    anomaly_count,
    anomaly_starts,
    office_hour_rows,
    snap_onsets,
)

DAY = common.MINUTES_PER_DAY

# ---------------------------------------------------------------- container restarts

BACKOFF_SECONDS = (10, 20, 40, 80, 160)  # kubelet's CrashLoopBackOff, doubling ...
BACKOFF_CAP_SECONDS = 300  # ... to five minutes between restarts
POD_KINDS = ("crash_loop", "oom_at_peaks", "probe_storm", "sidecar_crashing")


def crash_loop_times(start: float, end: float, runs_for: float) -> np.ndarray:
    """Minutes of the restarts of a container that exits ``runs_for`` seconds after each start,
    from ``start`` (a new pod, backoff from 10 s) to ``end``."""
    times, at, restarts = [], start, 0
    while True:
        wait = BACKOFF_SECONDS[restarts] if restarts < len(BACKOFF_SECONDS) else (
            BACKOFF_CAP_SECONDS)
        at += (runs_for + wait) / 60
        if at >= end:
            return np.array(times)
        times.append(at)
        restarts += 1


class Deployment:
    """A WordPress deployment's pods as slots: slot ``i`` holds a pod while the replicas the
    HPA keeps (the visitors, a stabilisation window before scaling in, the newest pods going
    first) exceed ``i``; each pod is replaced at rollouts (deploys in office hours, a nightly
    image rebuild, the weekly node pool upgrade, one at a time) and when a preemptible node
    goes."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.load = common.traffic(grid, rng) * np.exp(0.25 * common.wander(rng, span, DAY))
        self.low = int(rng.choice([1, 2, 2, 3, 4, 6]))
        self.high = self.low + int(rng.integers(1, 16))
        desired = np.clip(np.ceil(self.load * self.high / np.quantile(self.load, 0.98)),
                          self.low, self.high)
        window = int(rng.choice([5, 5, 10, 15]))  # minutes: the scale-in stabilisation window
        padded = np.r_[np.full(window - 1, desired[0]), desired]
        self.replicas = np.lib.stride_tricks.sliding_window_view(padded, window).max(axis=1)
        self.replaced: list[list[float]] = [[] for _ in range(self.high)]
        for start in office_hour_rows(rng, grid, rng.uniform(0.1, 2)):
            self.roll(rng, start, rng.uniform(0.5, 2))
        if rng.random() < 0.3:
            for start in common.daily_rows(grid, rng.uniform(1, 6)):
                self.roll(rng, start, rng.uniform(0.5, 2))
        if rng.random() < 0.5:
            for start in weekly_rows(rng, grid, rng.uniform(0, 6)):
                self.roll(rng, start, rng.uniform(3, 12))  # nodes drained one by one
        if rng.random() < 0.4:
            nodes = int(rng.integers(2, 6))
            for start in np.flatnonzero(rng.random(span) < rng.uniform(0.1, 2) / DAY):
                for slot in np.flatnonzero(rng.random(self.high) < 1 / nodes):
                    self.replaced[slot].append(start + rng.uniform(0.5, 3))
        self.flaky = float(np.exp(rng.uniform(np.log(0.02), np.log(3)))) / DAY  # a pod-minute

    def roll(self, rng: np.random.Generator, start: float, spacing: float) -> None:
        """Replace every pod, one slot after another ``spacing`` minutes apart."""
        for slot in range(self.high):
            self.replaced[slot].append(start + spacing * (slot + rng.random()))

    def active(self, slot: int) -> np.ndarray:
        return self.replicas > slot

    def pod_ends(self, slot: int) -> np.ndarray:
        """Sorted minutes the slot's pod goes: replaced, or the slot scaled in."""
        active = self.active(slot)
        scaled_in = np.flatnonzero(active[:-1] & ~active[1:]) + 1
        return np.sort(np.r_[scaled_in, self.replaced[slot]])

    def usual_restarts(self, rng: np.random.Generator) -> list[np.ndarray]:
        """Each slot's restarts: a heavy request's OOM or a probe missed now and then (more at
        the busy hours), and a database hiccup restarting a few pods at once."""
        rate = self.flaky * (0.4 + 0.6 * self.load)
        hiccups = np.flatnonzero(rng.random(self.span) < rng.uniform(0, 0.4) / DAY)
        out = []
        for slot in range(self.high):
            hit = self.active(slot) & (rng.random(self.span) < rate)
            times = np.flatnonzero(hit) + rng.random(hit.sum())
            caught = hiccups[rng.random(len(hiccups)) < rng.uniform(0.2, 0.8)]
            out.append(np.r_[times, caught + rng.uniform(0, 5, len(caught))])
        return out

    def crash_looping(self, slot: int, start: float, end: float, runs_for: float
                      ) -> np.ndarray:
        """Restarts of a container failing from ``start`` to ``end`` in whichever pod holds the
        slot: each new pod starts its backoff afresh."""
        bounds = [start, *[e for e in self.pod_ends(slot) if start < e < end], end]
        return np.concatenate([crash_loop_times(first, last, runs_for) for first, last in zip(
            bounds, bounds[1:], strict=False)] + [np.empty(0)])

    def restart_count(self, restarts: list[np.ndarray]) -> np.ndarray:
        """The sum over live pods of their restarts, a minute."""
        shown, hidden = [], []
        for slot, times in enumerate(restarts):
            times = times[(times >= 0) & (times < self.span)]
            times = times[self.active(slot)[times.astype(int)]]
            ends = self.pod_ends(slot)
            index = np.searchsorted(ends, times, side="right")
            shown.append(times)
            hidden.append(np.r_[ends, np.inf][index])
        return count_on_grid(np.concatenate(shown), np.concatenate(hidden), self.span)


def _restart_anomalies(rng: np.random.Generator, deployment: Deployment,
                       restarts: list[np.ndarray], onsets: list[int], kinds: list[str]
                       ) -> None:
    span = deployment.span
    for onset, kind, over_by in zip(onsets, kinds, ends_by(onsets, span), strict=True):
        if kind == "crash_loop":  # one pod's PHP-FPM failing on a broken mount or a bad node
            end = min(over_by, onset + rng.uniform(60, 2 * DAY))
            slot = int(rng.integers(0, deployment.low))
            restarts[slot] = np.r_[restarts[slot], deployment.crash_looping(
                slot, onset, end, rng.uniform(3, 40))]
            deployment.replaced[slot].append(end)  # the pod deleted once the cause is fixed
        elif kind == "sidecar_crashing":  # a rotated secret the proxy sidecar cannot use
            end = min(over_by, onset + rng.uniform(20, 4 * 60))
            runs_for = rng.uniform(1, 10)
            for slot in range(deployment.high):
                if deployment.active(slot)[onset]:
                    restarts[slot] = np.r_[restarts[slot], deployment.crash_looping(
                        slot, onset + rng.uniform(0, 2), end, runs_for)]
            if rng.random() < 0.5:  # fixed by a rollout with the new secret
                deployment.roll(rng, end, rng.uniform(0.5, 2))
        elif kind == "probe_storm":  # PHP saturated: liveness probes time out, pods restarted
            end = onset + rng.uniform(5, 30)  # until the database or the crowd lets go
            failing = rng.uniform(30, 90)  # seconds a restarted pod lasts before failing again
            for slot in range(deployment.high):
                if deployment.active(slot)[onset]:
                    restarts[slot] = np.r_[restarts[slot], deployment.crash_looping(
                        slot, onset + rng.uniform(0, 3), end, failing)]
        else:  # oom_at_peaks: a deploy lowered the memory limit; pods OOM at the busy hours
            deployment.roll(rng, onset, rng.uniform(0.5, 2))
            end = int(min(over_by, onset + rng.uniform(DAY, 4 * DAY)))
            threshold = min(np.quantile(deployment.load[max(0, onset - DAY):onset + 1],
                                        rng.uniform(0.4, 0.75)),
                            deployment.load[onset] * rng.uniform(0.6, 0.85))
            pressure = np.zeros(span)
            pressure[onset:end] = np.maximum(deployment.load[onset:end] / threshold - 1, 0)
            rate = np.minimum(rng.uniform(0.05, 0.3) * pressure, 0.2)  # backoff: 5 min
            for slot in range(deployment.high):
                hit = rng.random(span) < rate
                restarts[slot] = np.r_[restarts[slot],
                                       np.flatnonzero(hit) + rng.uniform(0, 1, hit.sum())]
            if end < over_by and rng.random() < 0.7:  # the limit raised again
                deployment.roll(rng, end, rng.uniform(0.5, 2))


def pod_restarts_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5])))
    deployment = Deployment(rng, grid)
    restarts = deployment.usual_restarts(rng)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, POD_KINDS)
    busy = np.flatnonzero(deployment.load[at] > np.quantile(deployment.load, 0.7))
    snap_onsets(("probe_storm", "oom_at_peaks"), "crash_loop", busy, starts, kinds,
                len(stamps))
    order = np.argsort(starts)
    starts, kinds = [starts[i] for i in order], [kinds[i] for i in order]
    _restart_anomalies(rng, deployment, restarts, [int(at[s]) for s in starts], kinds)
    return SyntheticSeries(name, stamps, np.round(deployment.restart_count(restarts)[at]),
                           starts, kinds)


# ---------------------------------------------------------------- a search node's JVM heap

HEAP_GIB = (1, 2, 2, 4, 4, 8, 8, 16, 31)  # -Xmx: half the node's memory, under 32 GiB
HEAP_KINDS = ("fielddata_pressure", "heap_leak", "reindex_loop", "stats_frozen")
CRASH_AT = 0.95  # share of the heap the live set reaches when the node dies of OOM


class SearchNode:
    """What a node's heap holds a minute: the live set (segments, caches, the indexing buffer:
    slowly growing, emptied by a restart and refilled over hours), what the load allocates
    (searches following the visitors, the nightly sync of changed posts, a weekly full reindex
    in some sites) and the share of it that survives into the old generation, G1's threshold
    for a concurrent cycle, the young generation's size."""

    def __init__(self, rng: np.random.Generator, grid: pd.DatetimeIndex) -> None:
        span = len(grid)
        self.span = span
        self.heap_gib = int(rng.choice(HEAP_GIB))
        searches = common.traffic(grid, rng) * np.exp(0.2 * common.wander(rng, span, DAY))
        indexing = np.zeros(span)
        for start in common.daily_rows(grid, rng.uniform(0, 6)):
            indexing[start:start + int(rng.uniform(20, 120))] += rng.uniform(1, 6)
        if rng.random() < 0.3:
            for start in weekly_rows(rng, grid, rng.uniform(0, 6)):
                indexing[start:start + int(rng.uniform(60, 240))] += rng.uniform(4, 12)
        shape = rng.uniform(4, 20)
        self.load = (searches + indexing) * rng.gamma(shape, 1 / shape, span)
        self.buffer = rng.uniform(0.03, 0.1)  # the indexing buffer's share when it is full
        self.live = rng.uniform(0.15, 0.38) * (1 + 0.04 * common.wander(rng, span, 2 * DAY)) + (
            rng.uniform(0, 0.01) * np.arange(span) / DAY) + self.buffer * np.minimum(
            indexing / 4, 1)
        self.threshold = rng.uniform(0.42, 0.6)  # G1's IHOP, adapted
        period = float(np.exp(rng.uniform(np.log(6), np.log(6 * 60))))  # at the mean load
        self.promoted = (self.threshold - self.live.mean()) / period  # heap shares a minute
        self.allocated = self.promoted / rng.uniform(0.01, 0.06)
        self.young = rng.uniform(0.08, 0.35)
        self.survivors = rng.uniform(0.005, 0.03)
        self.left = rng.uniform(0, 0.15)  # garbage the mixed collections leave behind
        self.marking = rng.uniform(0.3, 1.5) * np.sqrt(self.heap_gib / 4)  # minutes
        self.restarts = np.zeros(span, bool)  # rolling upgrades, a node replaced
        self.restarts[office_hour_rows(rng, grid, rng.uniform(0, 0.06))] = True

    def refilling(self, rng: np.random.Generator) -> np.ndarray:
        """The live set with the caches emptied by each restart and refilled over hours."""
        live = self.live.copy()
        for restart in np.flatnonzero(self.restarts):
            since = np.arange(self.span - restart)
            live[restart:] *= 1 - 0.6 * np.exp(-since / rng.uniform(60, 600))
        return live

    def used(self, rng: np.random.Generator, live: np.ndarray, load: np.ndarray) -> np.ndarray:
        """The heap's used share when scraped, a minute: the old generation (climbing with
        what is promoted; past the threshold a concurrent cycle marks for a while, then mixed
        collections take it back towards the live set; a full collection if the heap runs
        out first), survivors, and the young generation as far as it had filled since its
        last collection (smaller when the heap is full)."""
        old, filled, marked = live[0], rng.uniform(0, self.young), np.inf
        when = rng.random(self.span)
        out = np.empty(self.span)
        for minute in range(self.span):
            if self.restarts[minute]:
                old, marked = 0.02, np.inf
            old = max(old + self.promoted * load[minute], live[minute])
            if old > self.threshold and marked == np.inf:
                marked = minute + self.marking * rng.uniform(0.7, 1.5)
            if minute >= marked or old + self.survivors > 0.96:
                old, marked = live[minute] + self.left * (old - live[minute]), np.inf
            young = min(self.young, max(0.97 - old - self.survivors, 0.01))
            seen = (filled + self.allocated * load[minute] * when[minute]) % young
            filled = (filled + self.allocated * load[minute]) % young
            out[minute] = old + self.survivors + seen
        return np.minimum(out, 0.995)


def _heap_anomalies(rng: np.random.Generator, node: SearchNode, live: np.ndarray,
                    load: np.ndarray, onsets: list[int], kinds: list[str]) -> list[slice]:
    """The anomalies on the live set, the load and the restarts; returns the minutes whose
    figure stays the one pushed last."""
    span = node.span
    frozen = []
    for onset, kind, over_by in zip(onsets, kinds, ends_by(onsets, span), strict=True):
        if kind == "fielddata_pressure":  # an aggregation on a text field loads fielddata
            end = int(min(over_by, onset + rng.uniform(60, 12 * 60)))
            since = np.arange(end - onset)
            target = rng.uniform(0.72, 0.9)
            rise = np.minimum(since / rng.uniform(5, 60), 1)
            live[onset:end] = np.maximum(live[onset:end], live[onset:end] + rise * (
                target - live[onset:end]))
        elif kind == "heap_leak":  # scroll contexts never cleared: the live set creeps up
            end = int(min(over_by, onset + rng.uniform(DAY, 3 * DAY)))
            creep = rng.uniform(0.3, 0.6) * np.arange(end - onset) / rng.uniform(0.7 * DAY,
                                                                                2 * DAY)
            dead = np.flatnonzero(live[onset:end] + creep >= CRASH_AT)
            live[onset:onset + len(creep)] += creep
            if len(dead):  # the node dies of OutOfMemoryError and restarts with empty caches
                crash = onset + int(dead[0])
                node.restarts[crash] = True
                since = np.arange(span - crash)
                live[crash:end] -= creep[crash - onset:]
                live[crash:] *= 1 - 0.6 * np.exp(-since / rng.uniform(60, 600))
        elif kind == "reindex_loop":  # a sync restarting from the first post, over and over
            end = int(min(over_by, onset + rng.uniform(3 * 60, 2 * DAY)))
            load[onset:end] += rng.uniform(3, 10) * load.mean()
            # the indexing buffer kept full, and the bulk requests in flight
            live[onset:end] += node.buffer + rng.uniform(0.03, 0.08)
        else:  # stats_frozen: the pushing script broken, the Pushgateway serves its last push
            frozen.append(slice(onset, int(min(over_by, onset + rng.uniform(2 * 60, 3 * DAY)))))
    return frozen


def jvm_heap_series(rng: np.random.Generator, name: str) -> SyntheticSeries:
    stamps, at, grid = minute_grid(rng, int(rng.choice([1, 1, 2, 5])))
    node = SearchNode(rng, grid)
    starts = anomaly_starts(rng, len(stamps), anomaly_count(rng, common.ANOMALY_COUNTS))
    kinds = common.kinds(rng, starts, HEAP_KINDS)
    live, load = node.refilling(rng), node.load.copy()
    onsets = [int(at[s]) for s in starts]
    for i, onset in enumerate(onsets):
        if kinds[i] == "fielddata_pressure" and live[onset] > 0.6:
            kinds[i] = "reindex_loop"  # already as full as fielddata would make it
    frozen = _heap_anomalies(rng, node, live, load, onsets, kinds)
    used = node.used(rng, live, load)
    for minutes in frozen:
        used[minutes] = used[minutes.start - 1]
    if name.startswith("opensearch_heap_used_bytes"):
        values = np.round(used * node.heap_gib * 2 ** 30)
    else:  # jvm.mem.heap_used_percent, a whole percent
        values = np.round(100 * used)
    return SyntheticSeries(name, stamps, values[at], starts, kinds)
