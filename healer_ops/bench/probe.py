"""`healer-ops bench probe`: probes per second against the loopback fleet server.

The fleet runs as a subprocess with its default mix of site profiles (healthy, slow, flaky,
5xx, white screens, redirect loops; no scripted incidents, no hanging sites, so a round's
length is set by throughput rather than by one timeout). The prober runs here, as the DAG
runs it, over `rounds` rounds of every site; the figure is probes / wall time. Loading the
observations is not timed here (it is the ingest path, see `bench ingest`).

On a shared machine the wall-clock figure depends on what else runs, so the CPU time per
probe of the prober (this process) and of the server (its process) is reported too, and
cpu_bound_probes_per_s: the rate when each has a core of its own.
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid
from collections import Counter

import numpy as np

from healer_ops.fleet.server import FleetServer
from healer_ops.ingest.probe import probe_many
from healer_ops.settings import get_settings


def bench_probe(sites: int, *, rounds: int = 3, concurrency: int | None = None,
                timeout_s: float | None = None) -> dict:
    settings = get_settings()
    concurrency = concurrency or settings.probe_concurrency
    timeout_s = timeout_s or settings.probe_timeout_s
    with FleetServer(sites, incidents=[]) as fleet:
        targets = [(str(uuid.UUID(int=i)), fleet.site_url(i)) for i in range(1, sites + 1)]
        started, client_cpu, server_cpu = time.perf_counter(), _own_cpu_s(), fleet.cpu_s()
        observations = []
        for _ in range(rounds):
            observations += asyncio.run(probe_many(
                targets, concurrency=concurrency, timeout_s=timeout_s,
                max_redirects=settings.probe_max_redirects))
        elapsed = time.perf_counter() - started
        client_ms = (_own_cpu_s() - client_cpu) * 1000 / len(observations)
        server_ms = (fleet.cpu_s() - server_cpu) * 1000 / len(observations)
    times = np.array([o.response_time_ms for o in observations
                      if o.response_time_ms is not None])
    classes = Counter(o.error_class or "ok" for o in observations)
    return {"sites": sites, "rounds": rounds, "probes": len(observations),
            "probes_per_s": round(len(observations) / elapsed, 1),
            "elapsed_s": round(elapsed, 2), "concurrency": concurrency,
            "response_ms_p50": round(float(np.percentile(times, 50)), 1) if times.size else None,
            "response_ms_p95": round(float(np.percentile(times, 95)), 1) if times.size else None,
            "outcomes": dict(sorted(classes.items())),
            "client_cpu_ms_per_probe": round(client_ms, 3),
            "server_cpu_ms_per_probe": round(server_ms, 3),
            "cpu_bound_probes_per_s": round(1000 / max(client_ms, server_ms), 1)}


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
