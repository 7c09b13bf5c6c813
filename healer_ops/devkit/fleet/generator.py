"""The demo fleet: sites, 5-minute metrics with labelled incidents, executions and patterns.

Everything is deterministic by ``seed``: ids are uuid5 of stable names, values come from
numpy generators seeded per stream (sites, metrics, incidents, bad rows, history), so the
same seed and ``end`` give the same rows and re-running upserts them in place.

Metrics are vectorized over a (time, site) grid: a 1000-site week is two million rows.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

NAMESPACE = uuid.UUID("5b0e7c2a-3f7d-4c1e-9a57-6d2f0c1b8e41")
STEP = timedelta(minutes=5)
STEPS_PER_DAY = 288

ALERT_TYPES = ("PERFORMANCE_DEGRADATION", "ERROR_SPIKE", "DOWNTIME", "PAGE_SIZE_ANOMALY",
               "SSL_EXPIRY")
INCIDENT_TYPES = ("slow_degradation", "error_spike", "white_screen", "cert_expiry")
CERT_WARNING_DAYS = 14  # an SSL_EXPIRY alert is expected from this many days before expiry
METRIC_COLUMNS = ["site_id", "observed_at", "response_time_ms", "ttfb_ms", "page_size_bytes",
                  "status_code", "error", "cert_expires_at"]
BAD_ROW_KINDS = ("unknown_site", "negative_size", "bad_status", "future_time",
                 "unparsable_number", "duplicate")

# Isolated blips every real site has: one failed probe, one slow sample. A detector that
# pages on these is wrong, so clean sites keep them.
BLIP_ERROR_RATE = 0.0005
BLIP_SLOW_RATE = 0.003

_STREAMS = {"sites": 1, "metrics": 2, "incidents": 3, "bad_rows": 4, "history": 5}


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """An independent generator per purpose, so one part changing does not shift another."""
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAMS[name], *extra]))


def stable_uuid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


# --------------------------------------------------------------------------------- sites

_PATH_STYLES = (
    "/var/www/{name}/public_html",
    "/home/{user}/public_html",
    "/var/www/vhosts/{domain}/httpdocs",
    "/home/{user}/domains/{domain}/public_html",
    "/srv/www/{domain}/htdocs",
    "/var/www/html/{name}",
    "/home/{user}/webapps/{name}",
    "/home/{user}/www/{name}",
)
_WP_VERSIONS = ("6.4.5", "6.5.5", "6.6.2", "6.7.1", "6.7.2", "6.8", "6.8.1", "6.8.2")
_PHP_VERSIONS = ("7.4", "8.0", "8.1", "8.1", "8.2", "8.2", "8.3")
_USER_STEMS = ("acme", "blue", "north", "ivy", "maple", "delta", "orbit", "pixel", "sunny",
               "coral", "zen", "harbor", "atlas", "cedar", "nova", "lumen")


@dataclass(frozen=True)
class Site:
    index: int
    id: str
    domain: str
    url: str
    path: str
    https: bool
    wp_version: str
    php_version: str
    healing_mode: str
    blacklisted_plugins: tuple[str, ...]
    created_at: datetime
    # metric profile
    base_response_ms: float
    daily_amplitude: float
    peak_hour_utc: float
    weekend_factor: float
    noise_sigma: float
    ttfb_ratio: float
    page_size_bytes: float
    cert_expires_at: datetime | None
    db_user: str = field(repr=False, default="")


def make_sites(count: int, seed: int, end: datetime,
               url_template: str | None = None) -> list[Site]:
    """`count` sites with varied install paths, versions, modes and metric profiles."""
    rng = stream(seed, "sites")
    sites = []
    for i in range(1, count + 1):
        name = f"site-{i:03d}"
        domain = f"{name}.example.test"
        user = f"{_USER_STEMS[rng.integers(len(_USER_STEMS))]}{rng.integers(10, 999)}"
        https = bool(rng.random() < 0.9)
        scheme = "https" if https else "http"
        url = (url_template.format(domain=domain, name=name, index=i) if url_template
               else f"{scheme}://{domain}/")
        path = _PATH_STYLES[rng.integers(len(_PATH_STYLES))].format(
            name=name, user=user, domain=domain)
        extra_blacklist = ("elementor-pro",) if rng.random() < 0.1 else ()
        sites.append(Site(
            index=i,
            id=str(stable_uuid("site", domain)),
            domain=domain,
            url=url,
            path=path,
            https=https,
            wp_version=_WP_VERSIONS[rng.integers(len(_WP_VERSIONS))],
            php_version=_PHP_VERSIONS[rng.integers(len(_PHP_VERSIONS))],
            healing_mode=("MANUAL", "SEMI_AUTO", "FULL_AUTO")[rng.choice(3, p=[.2, .5, .3])],
            blacklisted_plugins=("woocommerce", "woocommerce-*", *extra_blacklist),
            created_at=end - timedelta(days=float(rng.uniform(200, 2500))),
            base_response_ms=float(rng.lognormal(np.log(420), 0.45)),
            daily_amplitude=float(rng.uniform(0.15, 0.6)),
            peak_hour_utc=float(rng.uniform(0, 24)),
            weekend_factor=float(rng.uniform(0.8, 1.15)),
            noise_sigma=float(rng.uniform(0.06, 0.18)),
            ttfb_ratio=float(rng.uniform(0.3, 0.75)),
            page_size_bytes=float(rng.lognormal(np.log(90_000), 0.7)),
            cert_expires_at=(end + timedelta(days=float(rng.uniform(40, 330)))).replace(
                microsecond=0) if https else None,
            db_user=f"{user}_wp{rng.integers(1, 99)}",
        ))
    return sites


# ----------------------------------------------------------------------------- incidents

@dataclass
class Incident:
    id: str
    site_id: str
    site_index: int
    incident_type: str
    starts_at: datetime
    outage_at: datetime | None
    ends_at: datetime
    expected_alert_types: list[str]
    details: dict

    def row(self) -> dict:
        return asdict(self)


class GeneratedMetrics(NamedTuple):
    frame: pd.DataFrame
    incidents: list[Incident]
    sites: list[Site]


def default_end(now: datetime | None = None) -> datetime:
    """Now in UTC, rounded down to the 5-minute grid."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=now.minute % 5)


def _grid(end: datetime, days: float) -> pd.DatetimeIndex:
    steps = int(round(days * STEPS_PER_DAY))
    if steps < 1:
        raise ValueError(f"days must cover at least one 5-minute step, got {days}")
    return pd.date_range(end=end - STEP, periods=steps, freq="5min", tz="UTC", unit="ns")


def incident_count(sites: int) -> int:
    """About one incident per four sites; small fleets still show each kind once."""
    if sites < 2:
        return 0
    return max(sites // 4, min(len(INCIDENT_TYPES), sites - 1))


def plan_incidents(sites: list[Site], times: pd.DatetimeIndex, seed: int) -> list[Incident]:
    """Pick incident sites and windows: none in the first ~40% (at most 5 days) of the period."""
    rng = stream(seed, "incidents")
    count = incident_count(len(sites))
    kinds = [INCIDENT_TYPES[k % len(INCIDENT_TYPES)] for k in range(count)]
    https_pool = [s for s in sites if s.https]
    chosen: set[int] = set()
    incidents = []
    for k, kind in enumerate(kinds):
        pool = [s for s in (https_pool if kind == "cert_expiry" else sites)
                if s.index not in chosen]
        if not pool:
            continue
        site = pool[rng.integers(len(pool))]
        chosen.add(site.index)
        incidents.append(_INCIDENT_PLANNERS[kind](rng, f"demo-{seed}-{k + 1:03d}", site, times))
    return incidents


def _clean_until(times: pd.DatetimeIndex) -> pd.Timestamp:
    span = times[-1] - times[0] + STEP
    return times[0] + min(pd.Timedelta(days=5), span * 0.4)


def _snap(times: pd.DatetimeIndex, when: pd.Timestamp) -> int:
    """Index of the first grid point at or after `when` (clipped to the grid)."""
    return int(min(times.searchsorted(when), len(times) - 1))


def _plan_slow_degradation(rng, incident_id, site, times) -> Incident:
    clean = _clean_until(times)
    outage_steps = int(rng.integers(12, 49))  # one to four hours of 5xx and timeouts
    latest_outage = len(times) - outage_steps - int(rng.integers(6, 36))
    room = times[latest_outage] - clean
    ramp = min(pd.Timedelta(days=float(rng.uniform(1, 3))), room * 0.8)
    earliest = _snap(times, clean + ramp)
    outage = int(rng.integers(earliest, max(earliest, latest_outage) + 1))
    start = _snap(times, times[outage] - ramp)
    end = min(outage + outage_steps, len(times) - 1)
    peak = float(rng.uniform(3, 8))
    curve = float(rng.uniform(1.5, 3))
    detectable = start + int((outage - start) * (0.5 / (peak - 1)) ** (1 / curve))
    return Incident(
        id=incident_id, site_id=site.id, site_index=site.index,
        incident_type="slow_degradation",
        starts_at=times[start].to_pydatetime(), outage_at=times[outage].to_pydatetime(),
        ends_at=times[end].to_pydatetime(),
        expected_alert_types=["PERFORMANCE_DEGRADATION", "DOWNTIME"],
        details={
            "peak_slowdown": round(peak, 2), "curve": round(curve, 2),
            "lead_window": {"from": times[start].isoformat(), "to": times[outage].isoformat(),
                            "hours": round((outage - start) / 12, 1)},
            "slowdown_1_5x_at": times[detectable].isoformat(),
            "outage_minutes": (end - outage) * 5,
            "also_acceptable": ["ERROR_SPIKE", "PAGE_SIZE_ANOMALY"],
        })


def _plan_error_spike(rng, incident_id, site, times) -> Incident:
    clean_index = _snap(times, _clean_until(times))
    steps = int(rng.integers(6, 19))  # 30 to 90 minutes
    start = int(rng.integers(clean_index, max(clean_index, len(times) - steps - 6) + 1))
    end = min(start + steps - 1, len(times) - 1)
    return Incident(
        id=incident_id, site_id=site.id, site_index=site.index, incident_type="error_spike",
        starts_at=times[start].to_pydatetime(), outage_at=None,
        ends_at=times[end].to_pydatetime(), expected_alert_types=["ERROR_SPIKE"],
        details={"error_rate": round(float(rng.uniform(0.45, 0.9)), 2),
                 "minutes": (end - start + 1) * 5,
                 "also_acceptable": ["DOWNTIME", "PERFORMANCE_DEGRADATION",
                                     "PAGE_SIZE_ANOMALY"]})


def _plan_white_screen(rng, incident_id, site, times) -> Incident:
    clean_index = _snap(times, _clean_until(times))
    steps = int(rng.integers(12, 97))  # one to eight hours until someone heals it
    start = int(rng.integers(clean_index, max(clean_index, len(times) - steps - 6) + 1))
    end = min(start + steps - 1, len(times) - 1)
    status = 200 if rng.random() < 0.6 else 500
    expected = ["PAGE_SIZE_ANOMALY"] + (["DOWNTIME"] if status == 500 else [])
    return Incident(
        id=incident_id, site_id=site.id, site_index=site.index, incident_type="white_screen",
        starts_at=times[start].to_pydatetime(), outage_at=times[start].to_pydatetime(),
        ends_at=times[end].to_pydatetime(), expected_alert_types=expected,
        details={"status_code": status, "minutes": (end - start + 1) * 5,
                 "also_acceptable": ["ERROR_SPIKE", "PERFORMANCE_DEGRADATION"]
                 + (["DOWNTIME"] if status == 200 else [])})


def _plan_cert_expiry(rng, incident_id, site, times) -> Incident:
    grid_end = times[-1] + STEP
    expires = (grid_end + pd.Timedelta(days=float(rng.uniform(1, 6)))).floor("min")
    start = _snap(times, expires - pd.Timedelta(days=CERT_WARNING_DAYS))
    return Incident(
        id=incident_id, site_id=site.id, site_index=site.index, incident_type="cert_expiry",
        starts_at=times[start].to_pydatetime(), outage_at=None,
        ends_at=times[-1].to_pydatetime(), expected_alert_types=["SSL_EXPIRY"],
        details={"cert_expires_at": expires.isoformat(), "warning_days": CERT_WARNING_DAYS,
                 "days_left_at_end": round((expires - grid_end) / pd.Timedelta(days=1), 2),
                 "renewal": "failing (certbot: DNS challenge rejected)"})


_INCIDENT_PLANNERS = {
    "slow_degradation": _plan_slow_degradation,
    "error_spike": _plan_error_spike,
    "white_screen": _plan_white_screen,
    "cert_expiry": _plan_cert_expiry,
}


# ------------------------------------------------------------------------------- metrics

def generate_metrics(sites: int | list[Site] = 50, days: float = 14, seed: int = 7,
                     end: datetime | None = None, incidents: bool = True) -> GeneratedMetrics:
    """5-minute observations of every site over `days` days ending at `end` (exclusive).

    Returns (frame, incidents, sites); the frame has METRIC_COLUMNS, rows ordered by time
    then site, nulls where a probe got no answer (timeouts).
    """
    end = default_end(end)
    site_list = make_sites(sites, seed, end) if isinstance(sites, int) else list(sites)
    times = _grid(end, days)
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


# ------------------------------------------------------------------- files and database

def metrics_csv(frame: pd.DataFrame) -> str:
    """The frame as the drop files' CSV (ISO 8601 UTC times, empty for null, lowercase bools)."""
    out = frame[METRIC_COLUMNS].copy()
    out["error"] = np.where(out["error"].to_numpy(bool), "true", "false")
    return out.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ", float_format="%.1f",
                      lineterminator="\n")


def write_day_files(frame: pd.DataFrame, drop_dir: Path, seed: int,
                    incidents: list[Incident], known_sites: list[Site]) -> dict[str, int]:
    """One `site_metrics_YYYY-MM-DD.csv` per UTC day, with a few deliberately bad rows.

    Returns the count of bad rows written by kind.
    """
    drop_dir = Path(drop_dir)
    drop_dir.mkdir(parents=True, exist_ok=True)
    rng = stream(seed, "bad_rows")
    incident_sites = {i.site_id for i in incidents}
    days = frame["observed_at"].dt.floor("D")
    bounds = np.flatnonzero(np.r_[True, days.to_numpy()[1:] != days.to_numpy()[:-1], True])
    bad_counts = dict.fromkeys(BAD_ROW_KINDS, 0)
    for number, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        day_frame = frame.iloc[lo:hi]
        lines = metrics_csv(day_frame).splitlines()
        kinds = [BAD_ROW_KINDS[(2 * number) % 6], BAD_ROW_KINDS[(2 * number + 1) % 6]]
        kinds += list(rng.choice(BAD_ROW_KINDS, int(rng.poisson(0.5))))
        eligible = np.flatnonzero(~day_frame["site_id"].isin(incident_sites).to_numpy()
                                  & day_frame["status_code"].notna().to_numpy())
        if eligible.size == 0:
            continue
        for kind in kinds:
            row = int(eligible[rng.integers(eligible.size)]) + 1  # +1: header line
            _corrupt(lines, row, str(kind), rng, seed, known_sites)
            bad_counts[str(kind)] += 1
        day = days.iloc[lo].strftime("%Y-%m-%d")
        (drop_dir / f"site_metrics_{day}.csv").write_text("\n".join(lines) + "\n")
    return bad_counts


def _corrupt(lines: list[str], row: int, kind: str, rng: np.random.Generator, seed: int,
             known_sites: list[Site]) -> None:
    fields = lines[row].split(",")
    col = {name: i for i, name in enumerate(METRIC_COLUMNS)}
    if kind == "duplicate":
        lines.insert(row + 1, lines[row])
        return
    if kind == "unknown_site":
        fields[col["site_id"]] = (str(stable_uuid("unknown-site", seed, rng.integers(1 << 30)))
                                  if rng.random() < 0.6
                                  else f"site-{len(known_sites) + 1 + rng.integers(9):03d}"
                                       ".example.test")
        lines.insert(row + 1, ",".join(fields))
        return
    if kind == "future_time":
        when = datetime.strptime(fields[col["observed_at"]], "%Y-%m-%dT%H:%M:%SZ")
        fields[col["observed_at"]] = (when + timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.insert(row + 1, ",".join(fields))
        return
    if kind == "negative_size":
        fields[col["page_size_bytes"]] = str(-int(rng.integers(1, 90_000)))
    elif kind == "bad_status":
        fields[col["status_code"]] = str(rng.choice([0, 999]))
    elif kind == "unparsable_number":
        target = ("response_time_ms", "ttfb_ms", "page_size_bytes")[rng.integers(3)]
        value = fields[col[target]]
        fields[col[target]] = rng.choice([value.replace("0", "o", 1) if "0" in value
                                          else value + "ms", value + "ms", f'"1,{value}"',
                                          "~" + value])
    lines[row] = ",".join(fields)


def load_metrics(conn, frame: pd.DataFrame, source: str = "demo") -> int:
    """Write generated metrics through the ingest loader (the one site_metrics write path),
    upserting on (site_id, observed_at); returns the rows inserted or changed."""
    from healer_ops.ingest.columns import LOAD_COLUMNS
    from healer_ops.ingest.load import upsert_metrics

    no_answer = frame["status_code"].isna().to_numpy() & frame["error"].to_numpy(bool)
    server_error = frame["status_code"].fillna(0).to_numpy() >= 500
    rows = frame.assign(error_class=np.where(no_answer, "timeout",
                                             np.where(server_error, "http", None)),
                        wsod_marker=False)
    return upsert_metrics(conn, rows[list(LOAD_COLUMNS)], source)


def upsert_sites(conn, sites: list[Site]) -> None:
    rows = [(s.id, s.domain, s.url, s.path, s.wp_version, s.php_version, s.healing_mode,
             list(s.blacklisted_plugins), s.created_at) for s in sites]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO wp_sites (id, domain, url, path, wp_version, php_version, healing_mode,"
            " blacklisted_plugins, health_status, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'HEALTHY', %s)"
            " ON CONFLICT (domain) DO UPDATE SET url = EXCLUDED.url, path = EXCLUDED.path,"
            " wp_version = EXCLUDED.wp_version, php_version = EXCLUDED.php_version,"
            " healing_mode = EXCLUDED.healing_mode,"
            " blacklisted_plugins = EXCLUDED.blacklisted_plugins", rows)
    stored = dict(conn.execute("SELECT domain, id::text FROM wp_sites WHERE domain = ANY(%s)",
                               ([s.domain for s in sites],)).fetchall())
    mismatched = [s.domain for s in sites if stored.get(s.domain) != s.id]
    if mismatched:
        raise ValueError(f"wp_sites already holds {mismatched[0]} (and {len(mismatched) - 1} "
                         "more) under another id; generate the demo fleet into a fresh database")


def upsert_incidents(conn, incidents: list[Incident]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO devkit.demo_incidents (id, site_id, incident_type, starts_at, outage_at,"
            " ends_at, expected_alert_types, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id,"
            " incident_type = EXCLUDED.incident_type, starts_at = EXCLUDED.starts_at,"
            " outage_at = EXCLUDED.outage_at, ends_at = EXCLUDED.ends_at,"
            " expected_alert_types = EXCLUDED.expected_alert_types, details = EXCLUDED.details",
            [(i.id, i.site_id, i.incident_type, i.starts_at, i.outage_at, i.ends_at,
              i.expected_alert_types, json.dumps(i.details)) for i in incidents])


def generate_fleet(url: str, *, sites: int = 50, days: float = 14, seed: int = 7,
                   end: datetime | None = None, drop_dir: Path | str | None = None,
                   metrics_to_db: bool = False, incidents: bool = True,
                   site_url_template: str | None = None) -> dict:
    """Write the demo fleet into the database at `url` (and day files into `drop_dir`).

    Metrics go to `drop_dir` as day files for the ingest DAG, and/or straight into
    site_metrics with `metrics_to_db`. With neither, they go to the settings' drop folder.
    `site_url_template` (e.g. "http://127.0.0.1:8800/{domain}/") points the sites' url at
    loopback servers. Returns a summary of what was written.
    """
    from healer_ops import db
    from healer_ops.devkit import kitdb
    from healer_ops.devkit.fleet import history

    kitdb.migrate(url)
    end = default_end(end)
    site_list = make_sites(sites, seed, end, site_url_template)
    frame, planned, _ = generate_metrics(site_list, days, seed, end, incidents)
    if drop_dir is None and not metrics_to_db:
        drop_dir = default_drop_dir()
    bad_rows = (write_day_files(frame, Path(drop_dir), seed, planned, site_list)
                if drop_dir is not None else {})
    plan = history.build_history(site_list, planned, seed, end, days)
    with db.transaction(url) as conn:
        upsert_sites(conn, site_list)
        upsert_incidents(conn, planned)
        if metrics_to_db:
            load_metrics(conn, frame)
        history_summary = history.write_history(conn, plan)
    incidents_by_type = {kind: sum(i.incident_type == kind for i in planned)
                         for kind in INCIDENT_TYPES}
    return {
        "sites": len(site_list), "days": days, "seed": seed, "end": end.isoformat(),
        "metric_rows": len(frame), "metric_rows_to_db": len(frame) if metrics_to_db else 0,
        "drop_dir": str(drop_dir) if drop_dir is not None else None,
        "day_files": len(list(Path(drop_dir).glob("site_metrics_*.csv"))) if drop_dir else 0,
        "bad_rows": sum(bad_rows.values()), "bad_rows_by_kind": bad_rows,
        "incidents": len(planned), "incidents_by_type": incidents_by_type,
        **history_summary,
    }


def default_drop_dir() -> Path:
    from healer_ops.settings import get_settings

    settings = get_settings()
    return Path(settings.drop_dir or settings.home / "drop")
