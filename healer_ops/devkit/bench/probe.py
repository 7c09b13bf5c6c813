"""`healer-ops bench probe`: probes per second against the loopback fleet server.

The fleet runs as a subprocess with its default mix of site profiles (healthy, slow, flaky,
5xx, white screens, redirect loops; no scripted incidents, no hanging sites, so a round's
length is set by throughput rather than by one timeout). The prober runs here, as the DAG
runs it, over `rounds` rounds of every site; the figure is probes / wall time. Loading the
observations is not timed here (it is the ingest path, see `bench ingest`).

A round is dealt over `processes` worker processes (HEALER_PROBE_PROCESSES, started per
round, as in a DAG run). On a shared machine the wall-clock figure depends on what else
runs, so the CPU time per probe of the prober (its processes) and of the server (its
process) is reported too, and cpu_bound_probes_per_s: the rate on two free cores.
"""

from __future__ import annotations

import resource
import time
import uuid
from collections import Counter

import numpy as np

from healer_ops.devkit.fleet.server import FleetServer
from healer_ops.ingest.prober import probe_round
from healer_ops.settings import get_settings


def bench_probe(sites: int, *, rounds: int = 3, concurrency: int | None = None,
                timeout_s: float | None = None, processes: int | None = None) -> dict:
    settings = get_settings()
    concurrency = concurrency or settings.probe_concurrency
    processes = settings.probe_processes if processes is None else processes
    timeout_s = timeout_s or settings.probe_timeout_s
    with FleetServer(sites, incidents=[]) as fleet:
        targets = [(str(uuid.UUID(int=i)), fleet.site_url(i)) for i in range(1, sites + 1)]
        started, client_cpu, server_cpu = time.perf_counter(), _own_cpu_s(), fleet.cpu_s()
        observations = []
        for _ in range(rounds):
            observations += probe_round(
                targets, concurrency=concurrency, timeout_s=timeout_s,
                max_redirects=settings.probe_max_redirects, processes=processes)
        elapsed = time.perf_counter() - started
        client_ms = (_own_cpu_s() - client_cpu) * 1000 / len(observations)
        server_ms = (fleet.cpu_s() - server_cpu) * 1000 / len(observations)
    times = np.array([o.response_time_ms for o in observations
                      if o.response_time_ms is not None])
    classes = Counter(o.error_class or "ok" for o in observations)
    return {"sites": sites, "rounds": rounds, "probes": len(observations),
            "probes_per_s": round(len(observations) / elapsed, 1),
            "elapsed_s": round(elapsed, 2), "concurrency": concurrency,
            "processes": processes,
            "response_ms_p50": round(float(np.percentile(times, 50)), 1) if times.size else None,
            "response_ms_p95": round(float(np.percentile(times, 95)), 1) if times.size else None,
            "outcomes": dict(sorted(classes.items())),
            "client_cpu_ms_per_probe": round(client_ms, 3),
            "server_cpu_ms_per_probe": round(server_ms, 3),
            "cpu_bound_probes_per_s": round(_cpu_bound_rate(client_ms, server_ms, sites,
                                                            processes), 1)}


def _cpu_bound_rate(client_ms: float, server_ms: float, sites: int, processes: int) -> float:
    """Probes/s on two free cores: the prober's processes, the server's one, and the two
    cores together each cap it."""
    from healer_ops.ingest.prober import MIN_SITES_PER_PROCESS

    used = max(1, min(processes, sites // MIN_SITES_PER_PROCESS, 2))
    return min(1000 * used / client_ms, 1000 / server_ms, 2000 / (client_ms + server_ms))


def _own_cpu_s() -> float:
    """CPU of this process and of its finished children (the probe worker processes)."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in (resource.getrusage(resource.RUSAGE_SELF),
                             resource.getrusage(resource.RUSAGE_CHILDREN)))
