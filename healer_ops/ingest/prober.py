"""Probing HTTP sites: the measurements of one GET per site, for many sites at once.

Per probe: response_time_ms (request sent to body read), ttfb_ms (to the response headers),
page_size_bytes, status_code, error and error_class (timeout, dns, tls, connection, http,
wsod), wsod_marker (WordPress' critical-error text in the body) and, for https sites, the
certificate's expiry. The certificate is read from the probe's own TLS connection; when the
handshake fails verification (expired, self-signed, wrong host), a second handshake without
verification reads it anyway, once per host and port, so an expired certificate still shows
its date.

This module imports only httpx and the standard library (cryptography when a certificate is
read): probe worker processes start in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import ssl
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx

WSOD_MARKERS = (b"There has been a critical error on this website",
                b"The site is experiencing technical difficulties")
BLANK_PAGE_BYTES = 32  # a 2xx page shorter than this (after trimming) is a white screen
CLASS_BY_STATUS = "http"


@dataclass
class Observation:
    site_id: str
    response_time_ms: float | None = None
    ttfb_ms: float | None = None
    page_size_bytes: int | None = None
    status_code: int | None = None
    error: bool = False
    error_class: str | None = None
    wsod_marker: bool = False
    cert_expires_at: datetime | None = None
    detail: str = ""


# A worker process costs about half a second of CPU to start: below this many sites each,
# one process is faster (measured: 1000 sites, 2 processes 393/s, 1 process 436/s).
MIN_SITES_PER_PROCESS = 1500


def probe_round(targets, *, concurrency: int, timeout_s: float, max_redirects: int,
                verify: ssl.SSLContext | str | bool = True, processes: int = 1,
                min_sites_per_process: int = MIN_SITES_PER_PROCESS) -> list[Observation]:
    """Probe (site_id, url) pairs; results in the order of `targets`.

    With `processes` > 1 (and enough sites), the sites are dealt over that many worker
    processes, each with its own event loop and its share of `concurrency`: one Python
    process spends about a millisecond of CPU per probe, so a fleet of thousands needs more
    than one core. An SSLContext cannot cross processes: with one, the round stays here.
    """
    targets = [(str(site_id), url) for site_id, url in targets]
    processes = min(processes, len(targets) // min_sites_per_process)
    options = {"concurrency": concurrency, "timeout_s": timeout_s,
               "max_redirects": max_redirects, "verify": verify}
    if processes <= 1 or isinstance(verify, ssl.SSLContext):
        return run_probes(probe_many(targets, **options))
    options["concurrency"] = -(-concurrency // processes)
    chunks = [targets[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        parts = list(pool.map(_probe_chunk, chunks, [options] * processes))
    observations: list = [None] * len(targets)
    for i, part in enumerate(parts):
        observations[i::processes] = part
    return observations


def _probe_chunk(targets, options) -> list[Observation]:
    return run_probes(probe_many(targets, **options))


def run_probes(coroutine):
    """Run a probe round on uvloop when it is there (a faster event loop: less CPU per
    probe), else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


# --- one round in one process ------------------------------------------------------------

POOL_SIZE = 5  # connections per client: httpcore's pool scans all its connections per event


async def probe_many(targets, *, concurrency: int, timeout_s: float, max_redirects: int,
                     verify: ssl.SSLContext | str | bool = True) -> list[Observation]:
    """Probe (site_id, url) pairs, at most `concurrency` at a time.

    The probes are spread over several clients of POOL_SIZE connections each: one client
    with a pool of hundreds spends most of its time walking that pool (httpcore checks every
    connection on every request), which capped a single client near 100 probes/s.
    """
    timeout = httpx.Timeout(timeout_s, pool=None)
    certs = CertCache()
    headers = {"user-agent": "HealerOps-probe/1.0"}
    shards = max(1, -(-concurrency // POOL_SIZE))
    per_shard = -(-concurrency // shards)
    limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
    context = httpx.create_ssl_context(verify)  # one CA load for all clients
    clients = [httpx.AsyncClient(limits=limits, timeout=timeout, verify=context,
                                 follow_redirects=False, headers=headers)
               for _ in range(shards)]
    gates = [asyncio.Semaphore(per_shard) for _ in range(shards)]

    async def one(position: int, site_id: str, site_url: str) -> Observation:
        shard = position % shards
        async with gates[shard]:
            return await probe_one(clients[shard], site_id, site_url, timeout_s=timeout_s,
                                   max_redirects=max_redirects, certs=certs)

    try:
        return await asyncio.gather(*(one(i, str(site_id), site_url)
                                      for i, (site_id, site_url) in enumerate(targets)))
    finally:
        for client in clients:
            await client.aclose()


async def probe_one(client: httpx.AsyncClient, site_id: str, url: str, *, timeout_s: float,
                    max_redirects: int, certs: CertCache) -> Observation:
    observation = Observation(site_id)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            await _fetch(client, url, observation, started, max_redirects, certs)
    except (TimeoutError, httpx.TimeoutException) as exc:
        _failed(observation, "timeout", exc)
    except httpx.TooManyRedirects as exc:
        _failed(observation, "http", exc)
    except httpx.HTTPError as exc:
        _failed(observation, classify_error(exc), exc)
    if url.lower().startswith("https://") and observation.cert_expires_at is None:
        observation.cert_expires_at = await certs.expiry_by_handshake(url, timeout_s)
    return observation


async def _fetch(client: httpx.AsyncClient, url: str, observation: Observation,
                 started: float, max_redirects: int, certs: CertCache) -> None:
    request = client.build_request("GET", url)
    for _hop in range(max_redirects + 1):
        response = await client.send(request, stream=True)
        try:
            observation.status_code = response.status_code
            if url.lower().startswith("https://"):
                observation.cert_expires_at = certs.from_response(response)
            if not response.is_redirect:
                observation.ttfb_ms = _ms_since(started)
                body = await response.aread()
                observation.response_time_ms = _ms_since(started)
                _judge(observation, response.status_code, body)
                return
            request = response.next_request
        finally:
            await response.aclose()
    raise httpx.TooManyRedirects(f"more than {max_redirects} redirects", request=request)


def _judge(observation: Observation, status: int, body: bytes) -> None:
    observation.page_size_bytes = len(body)
    observation.wsod_marker = any(marker in body for marker in WSOD_MARKERS)
    if observation.wsod_marker:
        observation.error, observation.error_class = True, "wsod"
    elif status >= 400:
        observation.error, observation.error_class = True, CLASS_BY_STATUS
    elif 200 <= status < 300 and len(body.strip()) < BLANK_PAGE_BYTES:
        observation.error, observation.error_class = True, "wsod"
        observation.detail = "blank page"


def _failed(observation: Observation, error_class: str, exc: BaseException) -> None:
    observation.error, observation.error_class = True, error_class
    observation.response_time_ms = observation.ttfb_ms = observation.page_size_bytes = None
    if error_class != "http":  # a redirect loop keeps its last 3xx status
        observation.status_code = None
    observation.detail = f"{type(exc).__name__}: {exc}"


def classify_error(exc: BaseException) -> str:
    """timeout, dns, tls or connection, from the exception and its causes."""
    seen = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "dns"
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return "tls"
        if isinstance(seen, TimeoutError | httpx.TimeoutException):
            return "timeout"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text \
            or "no address associated" in text or "temporary failure in name resolution" in text:
        return "dns"
    if "certificate" in text or "ssl" in text or "tls" in text:
        return "tls"
    return "connection"


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


# --- certificates -----------------------------------------------------------------------

class CertCache:
    """Certificate expiry per (host, port) for one probe round."""

    def __init__(self):
        self.expiry: dict[tuple[str, int], datetime | None] = {}

    def from_response(self, response: httpx.Response) -> datetime | None:
        key = _host_port(str(response.url))
        if key not in self.expiry:
            stream = response.extensions.get("network_stream")
            ssl_object = stream.get_extra_info("ssl_object") if stream else None
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            if der is None:
                return None
            self.expiry[key] = certificate_expiry(der)
        return self.expiry[key]

    async def expiry_by_handshake(self, url: str, timeout_s: float) -> datetime | None:
        """The peer certificate's expiry from a handshake that does not verify it."""
        key = _host_port(url)
        if key not in self.expiry:
            self.expiry[key] = None
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            try:
                async with asyncio.timeout(timeout_s):
                    reader, writer = await asyncio.open_connection(
                        key[0], key[1], ssl=context, server_hostname=key[0])
                try:
                    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
                    self.expiry[key] = certificate_expiry(der) if der else None
                finally:
                    writer.close()
            except (OSError, TimeoutError, ssl.SSLError, ValueError):
                pass  # no TLS server there: the probe itself says why
        return self.expiry[key]


def certificate_expiry(der: bytes) -> datetime:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
