"""Live probes: GET every enabled site's url, measure it, and load the observations through
the same validation and upsert as files.

What a probe measures: see `healer_ops.ingest.prober`. A probe round has one observed_at
(the run's slot), so a retried run upserts the same rows.
"""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from healer_ops import db
from healer_ops.ingest.load import known_site_ids
from healer_ops.ingest.pipeline import Summary, validate_and_write
from healer_ops.ingest.prober import Observation, probe_round
from healer_ops.ingest.read import RawBatch
from healer_ops.ingest.validate import Checks, parse_values
from healer_ops.settings import get_settings
from healer_ops.storage.partitions import ensure_for_interval


def probe_sites(url: str, *, site_ids=None, observed_at=None, concurrency=None, timeout_s=None,
                max_redirects=None, verify: ssl.SSLContext | str | bool = True,
                run_id=None, processes=None, id_range=(None, None)) -> dict:
    """Probe every enabled site of wp_sites (or `site_ids`; only ids in `id_range`, a
    shard's [from_id, to_id), when given) and load the observations."""
    settings = get_settings()
    observed_at = _slot(observed_at)
    ensure_for_interval(url, observed_at, observed_at + timedelta(seconds=1))
    with db.connect(url) as conn:
        ids = [str(s) for s in site_ids] if site_ids else None
        targets = conn.execute(db.query("ingest_probe_targets"), {
            "site_ids": ids, "from_id": id_range[0], "to_id": id_range[1]}).fetchall()
        started = time.perf_counter()
        observations = probe_round(
            targets, concurrency=concurrency or settings.probe_concurrency,
            timeout_s=timeout_s or settings.probe_timeout_s,
            max_redirects=settings.probe_max_redirects if max_redirects is None
            else max_redirects, verify=verify,
            processes=settings.probe_processes if processes is None else processes)
        probe_s = time.perf_counter() - started
        summary = load_observations(conn, observations, observed_at, run_id=run_id)
        conn.commit()
    classes = pd.Series([o.error_class for o in observations], dtype=object).value_counts()
    return summary.as_dict() | {
        "probed": len(observations), "observed_at": observed_at.isoformat(),
        "errors_by_class": {str(k): int(v) for k, v in classes.items()},
        "probe_s": round(probe_s, 3),
        "probes_per_s": round(len(observations) / probe_s, 1) if probe_s else None}


def load_observations(conn, observations: list[Observation], observed_at: datetime, *,
                      run_id=None) -> Summary:
    """Validate and write one probe round's observations (the caller commits)."""
    batch = observations_batch(observations, observed_at)
    known = known_site_ids(conn)
    return validate_and_write(conn, batch, parse_values(batch.frame, known),
                              Checks(known, datetime.now(UTC)), metrics_source="probe",
                              run_id=run_id)


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


