"""`healer-ops bench api`: a bounded load test of the Healer HTTP API on loopback.

A scratch database gets a demo fleet (sites, metrics, analyzed executions); the API
(`healer_ops.api:create_app`) is served by uvicorn in a process of its own, and this
process keeps `concurrency` requests in flight for `duration_s` seconds (a closed loop: the
rate is the highest the server sustains with that many clients), cycling through the data
routes with the bearer token: the fleet, open and resolved alerts, one site's alerts, an
execution's analysis (and an unknown one: 404 is its right answer), the health check.
Each request is made once before the clock starts (the first one's time is reported as
`first_request_ms`: the server's cold start). Figures: requests/s, latency percentiles,
errors (transport failures, 5xx, or a status that is not the route's expected one), per
route. Loopback only; the loop stops by itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime

import httpx
import numpy as np

from healer_ops import db
from healer_ops.devkit import kitdb
from healer_ops.devkit.bench import scratch_database

MAX_DURATION_S = 300.0
MAX_CONCURRENCY = 256


def bench_api(duration_s: float = 30.0, concurrency: int = 16, *, sites: int = 50,
              days: float = 2, seed: int = 7) -> dict:
    if not 0 < duration_s <= MAX_DURATION_S:
        raise ValueError(f"duration must be in (0, {MAX_DURATION_S:.0f}] seconds")
    if not 0 < concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be in [1, {MAX_CONCURRENCY}]")
    with scratch_database("api") as url:
        requests = _prepare(url, sites, days, seed)
        token = secrets.token_hex(16)
        with _ApiServer(url, token) as base:
            cold_ms = _warm_up(base, token, requests)
            results = asyncio.run(_load(base, token, requests, duration_s, concurrency))
    return {**_figures(results, duration_s, concurrency, sites), "first_request_ms": cold_ms}


def _warm_up(base: str, token: str, requests: list) -> float:
    """Each request once, before the clock starts; the first data request's milliseconds
    (the server's cold start: imports, the first connection) are reported apart."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        started = time.perf_counter()
        client.get(requests[0][1])
        first = (time.perf_counter() - started) * 1000
        for _, path, _ in requests[1:]:
            client.get(path)
    return round(first, 1)


def _prepare(url: str, sites: int, days: float, seed: int) -> list[tuple[str, str, int]]:
    """A fleet to serve, and the requests to cycle through: (route, path, expected status)."""
    from healer_ops.analysis.executions import analyze_failed_executions
    from healer_ops.devkit.fleet.generator import generate_fleet
    from healer_ops.devkit.fleet.grid import default_end

    generate_fleet(url, sites=sites, days=days, seed=seed, end=default_end(datetime.now(UTC)),
                   metrics_to_db=True)
    analyze_failed_executions(url, limit=200)
    with db.connect(url) as conn:
        targets = conn.execute(kitdb.query("bench_api_targets")).fetchall()
    site_ids = [value for kind, value in targets if kind == "site"]
    executions = [value for kind, value in targets if kind == "execution"]
    requests = [("fleet", "/api/fleet", 200), ("alerts", "/api/alerts", 200),
                ("alerts", "/api/alerts?status=resolved&limit=50", 200),
                ("health", "/api/health", 200),
                ("analysis", f"/api/executions/{uuid.uuid4()}/analysis", 404)]
    requests += [("site alerts", f"/api/alerts?site_id={s}", 200) for s in site_ids]
    requests += [("analysis", f"/api/executions/{e}/analysis", 200) for e in executions]
    return requests


class _ApiServer:
    """uvicorn serving the API in a subprocess on a free loopback port."""

    def __init__(self, url: str, token: str):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.env = {**os.environ, "HEALER_DATABASE_URL": url, "HEALER_API_TOKEN": token}
        self.env.pop("AIRFLOW_CONN_HEALER_DB", None)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "healer_ops.api:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"], env=self.env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the API server did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def _load(base: str, token: str, requests: list, duration_s: float,
                concurrency: int) -> list[tuple[str, float, str]]:
    """(route, seconds, outcome) of every request made until the deadline."""
    results: list[tuple[str, float, str]] = []
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as client:
        deadline = time.perf_counter() + duration_s

        async def client_loop(offset: int) -> None:
            turn = offset
            while time.perf_counter() < deadline:
                route, path, expected = requests[turn % len(requests)]
                turn += 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    outcome = ("ok" if response.status_code == expected
                               else f"status {response.status_code}")
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                results.append((route, time.perf_counter() - started, outcome))

        await asyncio.gather(*(client_loop(n) for n in range(concurrency)))
    return results


def _figures(results: list, duration_s: float, concurrency: int, sites: int) -> dict:
    seconds = np.array([r[1] for r in results]) * 1000
    outcomes = Counter(r[2] for r in results)
    by_route = defaultdict(list)
    for route, elapsed, _ in results:
        by_route[route].append(elapsed * 1000)
    return {
        "duration_s": duration_s, "concurrency": concurrency, "sites": sites,
        "requests": len(results),
        "requests_per_s": round(len(results) / duration_s, 1),
        "p50_ms": _percentile(seconds, 50), "p99_ms": _percentile(seconds, 99),
        "max_ms": round(float(seconds.max()), 1) if seconds.size else None,
        "errors": sum(n for outcome, n in outcomes.items() if outcome != "ok"),
        "outcomes": dict(outcomes),
        "by_route": {route: {"requests": len(times),
                             "p99_ms": _percentile(np.array(times), 99)}
                     for route, times in sorted(by_route.items())},
        "load_1m": round(os.getloadavg()[0], 2),
    }


def _percentile(values: np.ndarray, q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values.size else None
