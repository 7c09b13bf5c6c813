"""One site: its health now (status, baseline band, open alerts, recent executions) and its
response time and error rate over time against the band, with its alerts to mark."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from healer_ops.api.auth import Reader
from healer_ops.api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError
from healer_ops.api.models import SiteHealth, SiteSeries
from healer_ops.api.queries import one, page, rows

router = APIRouter(prefix="/api/sites", tags=["sites"], responses={**ERROR_RESPONSES,
                                                                   **NOT_FOUND})


def _site_or_404(site_id: UUID) -> dict:
    found = page("api_fleet", {"status": None, "sort": "distance", "site_id": str(site_id),
                               "limit": 1, "offset": 0})["items"]
    if not found:
        raise ApiError(404, "not_found", f"no site {site_id}")
    return found[0]


@router.get("/{site_id}/health", response_model=SiteHealth)
def site_health(site_id: UUID, _who: Reader,
                executions: Annotated[int, Query(ge=0, le=200)] = 10) -> dict:
    """Latest metrics and status, the baseline with its band, open alerts (open,
    acknowledged, snoozed) and the latest executions with their AI diagnosis."""
    site = _site_or_404(site_id)
    alerts = page("api_alerts", {
        "state": "open", "severities": None, "alert_type": None, "site_id": str(site_id),
        "since": None, "until": None, "labelled": None, "incident_id": None, "limit": 100,
        "offset": 0})["items"]
    return {"site": site, "baseline": one("api_site_baseline", {"site_id": str(site_id)}),
            "open_alerts": alerts,
            "recent_executions": rows("api_site_executions", {"site_id": str(site_id),
                                                              "limit": executions})}


@router.get("/{site_id}/series", response_model=SiteSeries)
def site_series(site_id: UUID, _who: Reader,
                hours: Annotated[int, Query(ge=1, le=24 * 90)] = 72,
                bucket_minutes: Annotated[int, Query(ge=5, le=24 * 60)] = 60,
                until: Annotated[AwareDatetime | None, Query(
                    description="end of the window (default: the latest observation)")] = None
                ) -> dict:
    """Buckets of response time (median, p95) and error rate with the baseline band of each
    (seasonal when the baseline has a profile), and the alerts overlapping the window."""
    _site_or_404(site_id)
    if until is None:
        latest = one("api_site_last_observation", {"site_id": str(site_id)})["max"]
        if latest is None:
            raise ApiError(404, "not_found", f"site {site_id} has no observations")
        until = latest + timedelta(seconds=1)
    since = until - timedelta(hours=hours)
    params = {"site_id": str(site_id), "since": since, "until": until}
    return {"site_id": str(site_id), "since": since, "until": until,
            "bucket_minutes": bucket_minutes,
            "points": rows("api_site_series", {**params, "bucket_s": bucket_minutes * 60}),
            "alerts": rows("api_site_alert_spans", params)}
