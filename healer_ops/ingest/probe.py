"""Live probes: GET every enabled site's url, measure it, and load the observations through
the same validation and upsert as files.

Per probe: response_time_ms (request sent to body read), ttfb_ms (to the response headers),
page_size_bytes, status_code, error and error_class (timeout, dns, tls, connection, http,
wsod), wsod_marker (WordPress' critical-error text in the body) and, for https sites, the
certificate's expiry. The certificate is read from the probe's own TLS connection; when the
handshake fails verification (expired, self-signed, wrong host), a second handshake without
verification reads it anyway, once per host and port, so an expired certificate still shows
its date.

A probe round has one observed_at (the run's slot), so a retried run upserts the same rows.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import numpy as np
import pandas as pd

from healer_ops import db
from healer_ops.ingest.load import known_site_ids
from healer_ops.ingest.pipeline import validate_and_write
from healer_ops.ingest.read import RawBatch
from healer_ops.ingest.validate import Checks, parse_values
from healer_ops.settings import get_settings

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


def probe_sites(url: str, *, site_ids=None, observed_at=None, concurrency=None, timeout_s=None,
                max_redirects=None, verify: ssl.SSLContext | str | bool = True,
                run_id=None) -> dict:
    """Probe every enabled site of wp_sites (or `site_ids`) and load the observations."""
    settings = get_settings()
    observed_at = _slot(observed_at)
    with db.connect(url) as conn:
        ids = [str(s) for s in site_ids] if site_ids else None
        targets = conn.execute(db.query("ingest_probe_targets"), {"site_ids": ids}).fetchall()
        started = time.perf_counter()
        observations = asyncio.run(probe_many(
            targets, concurrency=concurrency or settings.probe_concurrency,
            timeout_s=timeout_s or settings.probe_timeout_s,
            max_redirects=settings.probe_max_redirects if max_redirects is None
            else max_redirects, verify=verify))
        probe_s = time.perf_counter() - started
        batch = observations_batch(observations, observed_at)
        known = known_site_ids(conn)
        summary = validate_and_write(conn, batch, parse_values(batch.frame, known),
                                     Checks(known, datetime.now(UTC)),
                                     metrics_source="probe", run_id=run_id)
        conn.commit()
    classes = pd.Series([o.error_class for o in observations], dtype=object).value_counts()
    return summary.as_dict() | {
        "probed": len(observations), "observed_at": observed_at.isoformat(),
        "errors_by_class": {str(k): int(v) for k, v in classes.items()},
        "probe_s": round(probe_s, 3),
        "probes_per_s": round(len(observations) / probe_s, 1) if probe_s else None}


def _slot(observed_at) -> datetime:
    if observed_at is None:
        return datetime.now(UTC).replace(microsecond=0)
    stamp = pd.Timestamp(observed_at)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.to_pydatetime()


def observations_batch(observations: list[Observation], observed_at: datetime) -> RawBatch:
    """The observations as a text batch, like a file's rows (locator: the site)."""
    def text(value) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return value.isoformat()
        return repr(value) if isinstance(value, float) else str(value)

    columns = ("site_id", "response_time_ms", "ttfb_ms", "page_size_bytes", "status_code",
               "error", "error_class", "wsod_marker", "cert_expires_at")
    data = {name: [text(getattr(o, name)) for o in observations] for name in columns}
    data["observed_at"] = [observed_at.isoformat()] * len(observations)
    frame = pd.DataFrame({name: pd.array(values, dtype="str") for name, values in data.items()})
    return RawBatch(f"probe {observed_at.isoformat()}", frame,
                    np.arange(1, len(observations) + 1), unit="",
                    labels=[f"site {o.site_id}" for o in observations])


# --- probing ----------------------------------------------------------------------------

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
