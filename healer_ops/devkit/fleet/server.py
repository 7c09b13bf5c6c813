"""A loopback fleet: N simulated WordPress sites behind one HTTP server on 127.0.0.1.

`healer-ops fleet serve --sites N --port P` (or `FleetServer` in tests and benchmarks, a
subprocess) serves site i at ``http://127.0.0.1:P/site-iii.example.test/`` (the first path
segment names the site; a Host header ``site-iii.example.test`` works too), the url
`register_sites` stores in wp_sites, and the demo generator's ``--site-url-template
"http://127.0.0.1:P/{domain}/"`` produces.

Each site has a behaviour drawn from the seed: response time with a daily cycle (peak hour,
amplitude) and noise, a page size, and a profile: most sites are healthy, some are slow,
flaky (occasional 503), white screens (200 with an empty page, or 500 with WordPress'
"There has been a critical error on this website."), 500s, or redirect loops. On top of
that, scripted incidents switch a site to another profile for a window that repeats every
hour (`--incidents FILE`, JSON: [{"site": 3, "profile": "wsod_critical", "start_s": 600,
"end_s": 900}], seconds into each hour; default: a few drawn from the seed). Profile
"hang" answers after an hour, so a probe times out.

A plain ASGI app on uvicorn (httptools, uvloop): ~1000 sites at well over 500 probes/s.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROFILES = ("healthy", "slow", "flaky", "http_500", "wsod_blank", "wsod_critical",
            "redirect_loop", "hang")
# Share of sites per profile when drawn from the seed ("hang" only by script or override).
PROFILE_SHARES = {"healthy": 0.90, "slow": 0.03, "flaky": 0.03, "http_500": 0.01,
                  "wsod_blank": 0.01, "wsod_critical": 0.01, "redirect_loop": 0.01}
CRITICAL_ERROR = b"There has been a critical error on this website."
HANG_S = 3600.0
SITE_SEGMENT = re.compile(r"^site-0*(\d+)(?:\.example\.test)?$")


def site_domain(index: int) -> str:
    """The domain of site `index` (1-based), as the demo fleet generator names it."""
    return f"site-{index:03d}.example.test"


@dataclass
class Site:
    index: int
    profile: str
    base_ms: float
    amplitude: float
    peak_hour: float
    noise: float
    page_bytes: int


@dataclass
class Incident:
    site: int
    profile: str
    start_s: float  # seconds into each hour
    end_s: float


@dataclass
class Fleet:
    sites: dict[int, Site]
    incidents: list[Incident] = field(default_factory=list)
    seed: int = 7
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def profile_at(self, site: Site, now: float) -> str:
        second = now % 3600
        for incident in self.incidents:
            if incident.site == site.index and incident.start_s <= second < incident.end_s:
                return incident.profile
        return site.profile

    def latency_s(self, site: Site, now: float) -> float:
        hour = (now / 3600) % 24
        daily = 1 + site.amplitude * math.cos(2 * math.pi * (hour - site.peak_hour) / 24)
        jitter = math.exp(self.rng.normal(0, site.noise))
        return site.base_ms * daily * jitter / 1000


def make_fleet(sites: int, seed: int = 7, profiles: dict[int, str] | None = None,
               incidents: list[Incident] | None = None) -> Fleet:
    """The sites' behaviour, deterministic by seed; `profiles` overrides per site index."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 42]))
    names = list(PROFILE_SHARES)
    drawn = rng.choice(names, size=sites, p=list(PROFILE_SHARES.values()))
    fleet = {}
    for i in range(1, sites + 1):
        profile = (profiles or {}).get(i, str(drawn[i - 1]))
        if profile not in PROFILES:
            raise ValueError(f"site {i}: unknown profile {profile!r} (one of {PROFILES})")
        fleet[i] = Site(i, profile, base_ms=float(rng.uniform(5, 40)),
                        amplitude=float(rng.uniform(0.1, 0.5)),
                        peak_hour=float(rng.uniform(0, 24)), noise=float(rng.uniform(0.05, 0.2)),
                        page_bytes=int(rng.lognormal(np.log(30_000), 0.5)))
    if incidents is None:
        incidents = default_incidents(sites, rng)
    return Fleet(fleet, incidents, seed, np.random.default_rng(seed))


def default_incidents(sites: int, rng: np.random.Generator) -> list[Incident]:
    """About one site in fifty gets a 5 to 15 minute incident at a random time each hour."""
    kinds = ("slow", "http_500", "wsod_critical", "wsod_blank", "flaky")
    chosen = rng.choice(np.arange(1, sites + 1), size=max(1, sites // 50), replace=False)
    incidents = []
    for site in chosen.tolist():
        start = float(rng.uniform(0, 3000))
        incidents.append(Incident(int(site), str(rng.choice(kinds)), start,
                                  start + float(rng.uniform(300, 900))))
    return incidents


def load_incidents(path: Path) -> list[Incident]:
    return [Incident(int(i["site"]), str(i["profile"]), float(i["start_s"]), float(i["end_s"]))
            for i in json.loads(Path(path).read_text())]


# --- the ASGI app -----------------------------------------------------------------------

_PAGE_HEAD = (b'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="UTF-8">'
              b'<meta name="generator" content="WordPress 6.5.3"><title>%s</title></head>'
              b'<body class="home blog">\n')
_FILLER = (b'<article class="post"><h2 class="entry-title">Hello world!</h2><div '
           b'class="entry-content"><p>Welcome to WordPress. This is your first post. Edit or '
           b'delete it, then start writing!</p></div></article>\n')
_CRITICAL_PAGE = (b'<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head>'
                  b'<body id="error-page"><div class="wp-die-message"><p>' + CRITICAL_ERROR +
                  b'</p><p><a href="https://wordpress.org/documentation/article/faq-'
                  b'troubleshooting/">Learn more about troubleshooting WordPress.</a></p>'
                  b'</div></body></html>')


def make_app(fleet: Fleet):
    pages: dict[int, bytes] = {}

    def page(site: Site) -> bytes:
        if site.index not in pages:
            head = _PAGE_HEAD % site_domain(site.index).encode()
            repeats = max(1, (site.page_bytes - len(head)) // len(_FILLER))
            pages[site.index] = head + _FILLER * repeats + b"</body></html>\n"
        return pages[site.index]

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        site = _route(fleet, scope)
        if site is None:
            if scope["path"] == "/_fleet/health":
                return await _respond(send, 200, b"ok", "text/plain")
            return await _respond(send, 404, b"no such site", "text/plain")
        now = time.time()
        profile = fleet.profile_at(site, now)
        delay = fleet.latency_s(site, now)
        if profile == "slow":
            delay = delay * 12 + 0.3  # 0.35 to 1 s: ten to a hundred times a healthy site
        elif profile == "hang":
            delay = HANG_S
        await asyncio.sleep(delay)
        if profile == "redirect_loop":
            hop = int(scope.get("query_string", b"").decode().partition("hop=")[2] or 0)
            target = f"{scope['path']}?hop={(hop + 1) % 2}"
            return await _respond(send, 302, b"", "text/html", [(b"location", target.encode())])
        if profile == "http_500" or (profile == "flaky" and fleet.rng.random() < 0.3):
            status = 503 if profile == "flaky" else 500
            return await _respond(send, status, b"<h1>Service Unavailable</h1>", "text/html")
        if profile == "wsod_blank":
            return await _respond(send, 200, b"", "text/html")
        if profile == "wsod_critical":
            return await _respond(send, 500, _CRITICAL_PAGE, "text/html")
        return await _respond(send, 200, page(site), "text/html; charset=UTF-8")

    return app


def _route(fleet: Fleet, scope) -> Site | None:
    segment = scope["path"].lstrip("/").partition("/")[0]
    match = SITE_SEGMENT.match(segment)
    if match is None:
        host = dict(scope["headers"]).get(b"host", b"").decode().partition(":")[0]
        match = SITE_SEGMENT.match(host)
    return fleet.sites.get(int(match.group(1))) if match else None


async def _respond(send, status: int, body: bytes, content_type: str,
                   extra: list | None = None) -> None:
    headers = [(b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode())] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- running it -------------------------------------------------------------------------

def serve(sites: int, port: int = 8800, *, host: str = "127.0.0.1", seed: int = 7,
          profiles: dict[int, str] | None = None, incidents: list[Incident] | None = None,
          certfile: str | None = None, keyfile: str | None = None, announce=print) -> None:
    """Serve the fleet until interrupted; `announce` gets the base URL once listening."""
    import uvicorn

    fleet = make_fleet(sites, seed, profiles, incidents)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4096)
    scheme = "https" if certfile else "http"
    config = uvicorn.Config(make_app(fleet), log_level="warning", access_log=False,
                            lifespan="off", backlog=4096, timeout_keep_alive=30,
                            timeout_graceful_shutdown=1,  # a hanging site must not hold it
                            ssl_certfile=certfile, ssl_keyfile=keyfile)
    announce(f"{scheme}://{host}:{sock.getsockname()[1]}")
    uvicorn.Server(config).run(sockets=[sock])


class FleetServer:
    """The fleet server as a subprocess (a real process on its own core): a context manager
    whose `base_url` is known once it listens; `site_url(i)` is site i's url."""

    def __init__(self, sites: int, *, seed: int = 7, profiles: dict[int, str] | None = None,
                 incidents: list[Incident] | None = None, certfile: str | None = None,
                 keyfile: str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.args = {"sites": sites, "seed": seed, "profiles": profiles or {},
                     "incidents": None if incidents is None else [i.__dict__ for i in incidents],
                     "certfile": certfile, "keyfile": keyfile, "host": host, "port": port}
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self, timeout_s: float = 30) -> FleetServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "healer_ops.devkit.fleet.server", json.dumps(self.args)],
            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"fleet server did not start within {timeout_s} s "
                               f"(said {line!r})")
        self.base_url = line
        return self

    def site_url(self, index: int) -> str:
        return f"{self.base_url}/{site_domain(index)}/"

    def cpu_s(self) -> float:
        """CPU seconds the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> FleetServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def register_sites(url: str, base_url: str, sites: int, *, enabled: bool = True) -> list[str]:
    """Upsert sites 1..N of a fleet server at `base_url` into wp_sites (ids as the demo
    generator makes them, so a generated fleet and a served one are the same sites).
    Returns the site ids in index order."""
    import psycopg

    from healer_ops.devkit import kitdb
    from healer_ops.devkit.fleet.seeding import stable_uuid
    from healer_ops.devkit.fleet.sites import server_of

    rows = [{"id": str(stable_uuid("site", site_domain(i))), "domain": site_domain(i),
             "url": f"{base_url.rstrip('/')}/{site_domain(i)}/", "is_healer_enabled": enabled,
             "server": server_of(i)}
            for i in range(1, sites + 1)]
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(kitdb.query("fleet_register_served_sites"), rows)
    return [row["id"] for row in rows]


def _main(argv: list[str]) -> None:
    args = json.loads(argv[0])
    incidents = (None if args["incidents"] is None
                 else [Incident(**i) for i in args["incidents"]])

    def announce(base_url: str) -> None:
        sys.stdout.write(base_url + "\n")
        sys.stdout.flush()

    serve(args["sites"], args["port"], host=args["host"], seed=args["seed"],
          profiles={int(k): v for k, v in args["profiles"].items()}, incidents=incidents,
          certfile=args["certfile"], keyfile=args["keyfile"], announce=announce)


if __name__ == "__main__":
    _main(sys.argv[1:])
