"""Labelled incidents of the demo fleet: which site, what kind, when it starts, when the site
goes down and which alerts a detector should raise. None falls in the first ~40% (at most
5 days) of the period, so detectors have a clean history to learn from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd

from healer_ops.devkit.fleet.grid import STEP
from healer_ops.devkit.fleet.seeding import stream
from healer_ops.devkit.fleet.sites import Site

ALERT_TYPES = ("PERFORMANCE_DEGRADATION", "ERROR_SPIKE", "DOWNTIME", "PAGE_SIZE_ANOMALY",
               "SSL_EXPIRY")
INCIDENT_TYPES = ("slow_degradation", "error_spike", "white_screen", "cert_expiry")
CERT_WARNING_DAYS = 14  # an SSL_EXPIRY alert is expected from this many days before expiry


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
