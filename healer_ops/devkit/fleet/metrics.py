"""5-minute metrics of the demo fleet, and how each kind of incident bends them.

Vectorized over a (time, site) grid: a 1000-site week is two million rows. Clean behaviour
has daily and weekly seasonality, autocorrelated noise and rare blips; each planned incident
then rewrites its site's column over its window.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from healer_ops.devkit.fleet.grid import default_end, time_grid
from healer_ops.devkit.fleet.incidents import Incident, plan_incidents
from healer_ops.devkit.fleet.seeding import stream
from healer_ops.devkit.fleet.sites import Site, make_sites

METRIC_COLUMNS = ["site_id", "observed_at", "response_time_ms", "ttfb_ms", "page_size_bytes",
                  "status_code", "error", "cert_expires_at"]

# Isolated blips every real site has: one failed probe, one slow sample. A detector that
# pages on these is wrong, so clean sites keep them.
BLIP_ERROR_RATE = 0.0005
BLIP_SLOW_RATE = 0.003


class GeneratedMetrics(NamedTuple):
    frame: pd.DataFrame
    incidents: list[Incident]
    sites: list[Site]


def generate_metrics(sites: int | list[Site] = 50, days: float = 14, seed: int = 7,
                     end: datetime | None = None, incidents: bool = True) -> GeneratedMetrics:
    """5-minute observations of every site over `days` days ending at `end` (exclusive).

    Returns (frame, incidents, sites); the frame has METRIC_COLUMNS, rows ordered by time
    then site, nulls where a probe got no answer (timeouts).
    """
    end = default_end(end)
    site_list = make_sites(sites, seed, end) if isinstance(sites, int) else list(sites)
    times = time_grid(end, days)
    planned = plan_incidents(site_list, times, seed) if incidents else []
    arrays = _baseline_arrays(site_list, times, seed)
    for incident in planned:
        _APPLY[incident.incident_type](arrays, incident, times, seed)
    return GeneratedMetrics(_frame(arrays, site_list, times), planned, site_list)


def _profile(sites: list[Site], name: str) -> np.ndarray:
    return np.array([getattr(s, name) for s in sites], dtype=float)


def _baseline_arrays(sites: list[Site], times: pd.DatetimeIndex, seed: int) -> dict:
    """Clean behaviour: daily and weekly seasonality, autocorrelated noise, rare blips."""
    from scipy.signal import lfilter

    rng = stream(seed, "metrics")
    shape = (len(times), len(sites))
    hours = np.asarray(times.hour + times.minute / 60, dtype=float)[:, None]
    weekend = np.asarray(times.dayofweek >= 5)[:, None]
    phase = 2 * np.pi * (hours - _profile(sites, "peak_hour_utc")) / 24
    daily = np.cos(phase) + 0.25 * np.cos(2 * phase + 1.0)
    load = 1 + _profile(sites, "daily_amplitude") * daily
    load = load * np.where(weekend, _profile(sites, "weekend_factor"), 1.0)
    # AR(1) noise: real latency wanders for a while instead of jumping sample to sample
    sigma = _profile(sites, "noise_sigma")
    shocks = rng.standard_normal(shape) * sigma * np.sqrt(1 - 0.7 ** 2)
    wander = lfilter([1.0], [1.0, -0.7], shocks, axis=0)
    response = _profile(sites, "base_response_ms") * load * np.exp(wander)
    slow = rng.random(shape) < BLIP_SLOW_RATE
    response = np.where(slow, response * rng.uniform(1.5, 4, shape), response)
    ttfb = response * _profile(sites, "ttfb_ratio") * np.exp(rng.normal(0, 0.05, shape))
    size = _profile(sites, "page_size_bytes") * (1 + rng.normal(0, 0.01, shape))
    status = np.full(shape, 200.0)
    blip = rng.random(shape) < BLIP_ERROR_RATE
    arrays = {"response": response, "ttfb": np.minimum(ttfb, response), "size": size,
              "status": status, "timeout": np.zeros(shape, bool),
              "cert": pd.to_datetime([s.cert_expires_at for s in sites], utc=True)
              .tz_convert(None).to_numpy("datetime64[ns]")}
    _fail(arrays, blip, rng, timeout_share=0.5)
    return arrays


def _fail(arrays: dict, mask: np.ndarray, rng: np.random.Generator,
          timeout_share: float) -> None:
    """Turn masked samples into failed probes: 5xx error pages or timeouts (no answer)."""
    shape = mask.shape
    timeout = mask & (rng.random(shape) < timeout_share)
    http_error = mask & ~timeout
    arrays["status"] = np.where(http_error, rng.choice([500, 502, 503, 504], shape),
                                arrays["status"])
    arrays["size"] = np.where(http_error, rng.uniform(300, 2500, shape), arrays["size"])
    arrays["response"] = np.where(http_error, rng.uniform(40, 900, shape), arrays["response"])
    arrays["ttfb"] = np.where(http_error, arrays["response"] * 0.9, arrays["ttfb"])
    arrays["timeout"] = arrays["timeout"] | timeout


def _window(incident: Incident, times: pd.DatetimeIndex) -> tuple[int, int]:
    return (int(times.searchsorted(pd.Timestamp(incident.starts_at))),
            int(times.searchsorted(pd.Timestamp(incident.ends_at))) + 1)


def _incident_rng(seed: int, incident: Incident) -> np.random.Generator:
    return stream(seed, "incidents", 1000 + int(incident.id.rsplit("-", 1)[1]))


def _apply_slow_degradation(arrays, incident, times, seed) -> None:
    rng = _incident_rng(seed, incident)
    col = incident.site_index - 1
    start, stop = _window(incident, times)
    outage = int(times.searchsorted(pd.Timestamp(incident.outage_at)))
    progress = np.linspace(0, 1, outage - start, endpoint=False)
    factor = 1 + (incident.details["peak_slowdown"] - 1) * progress ** incident.details["curve"]
    factor = factor * np.exp(rng.normal(0, 0.08, factor.size))
    arrays["response"][start:outage, col] *= factor
    arrays["ttfb"][start:outage, col] *= factor
    # near the end, the odd request already times out
    late = np.zeros(len(times), bool)
    late[start:outage] = (progress > 0.8) & (rng.random(outage - start) < 0.08)
    outage_mask = np.zeros(len(times), bool)
    outage_mask[outage:stop] = True
    _fail_column(arrays, col, late | outage_mask, rng, timeout_share=0.5)


def _apply_error_spike(arrays, incident, times, seed) -> None:
    rng = _incident_rng(seed, incident)
    col = incident.site_index - 1
    start, stop = _window(incident, times)
    mask = np.zeros(len(times), bool)
    mask[start:stop] = rng.random(stop - start) < incident.details["error_rate"]
    mask[start] = True  # starts_at is the first anomalous sample
    arrays["response"][start:stop, col] *= rng.uniform(1.3, 2.2, stop - start)
    arrays["ttfb"][start:stop, col] *= rng.uniform(1.3, 2.2, stop - start)
    _fail_column(arrays, col, mask, rng, timeout_share=0.25)


def _apply_white_screen(arrays, incident, times, seed) -> None:
    rng = _incident_rng(seed, incident)
    col = incident.site_index - 1
    start, stop = _window(incident, times)
    n = stop - start
    status = incident.details["status_code"]
    top = 60 if status == 200 else 500
    arrays["size"][start:stop, col] = np.where(rng.random(n) < 0.5, 0, rng.uniform(0, top, n))
    arrays["status"][start:stop, col] = status
    fast = rng.uniform(0.25, 0.6, n)  # an empty page renders fast
    arrays["response"][start:stop, col] *= fast
    arrays["ttfb"][start:stop, col] *= fast


def _apply_cert_expiry(arrays, incident, times, seed) -> None:
    arrays["cert"][incident.site_index - 1] = np.datetime64(
        pd.Timestamp(incident.details["cert_expires_at"]).tz_convert(None), "ns")


def _fail_column(arrays, col, mask, rng, timeout_share) -> None:
    column = {k: (v[:, col:col + 1] if k != "cert" else v) for k, v in arrays.items()}
    _fail(column, mask[:, None], rng, timeout_share)
    for key in ("response", "ttfb", "size", "status", "timeout"):
        arrays[key][:, col] = column[key][:, 0]


_APPLY = {
    "slow_degradation": _apply_slow_degradation,
    "error_spike": _apply_error_spike,
    "white_screen": _apply_white_screen,
    "cert_expiry": _apply_cert_expiry,
}


def _frame(arrays: dict, sites: list[Site], times: pd.DatetimeIndex) -> pd.DataFrame:
    n_times, n_sites = arrays["response"].shape
    timeout = arrays["timeout"].ravel()
    status = arrays["status"].ravel()
    response = np.round(arrays["response"].ravel(), 1)
    ttfb = np.round(arrays["ttfb"].ravel(), 1)
    size = np.round(arrays["size"].ravel())
    frame = pd.DataFrame({
        "site_id": np.tile(np.array([s.id for s in sites], dtype=object), n_times),
        "observed_at": pd.DatetimeIndex(np.repeat(times.tz_convert(None).to_numpy(),
                                                  n_sites)).tz_localize("UTC"),
        "response_time_ms": np.where(timeout, np.nan, response),
        "ttfb_ms": np.where(timeout, np.nan, ttfb),
        "page_size_bytes": pd.array(np.where(timeout, np.nan, size), dtype="Int64"),
        "status_code": pd.array(np.where(timeout, np.nan, status), dtype="Int64"),
        "error": timeout | (status >= 500),
        "cert_expires_at": np.tile(arrays["cert"], n_times),
    })
    frame["cert_expires_at"] = frame["cert_expires_at"].dt.tz_localize("UTC")
    return frame
