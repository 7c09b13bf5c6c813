"""Incidents: alerts of many sites that opened together (one hosting server, or a large
share of the fleet), grouped by detection (healer_ops.detect.incidents). Read only: people
act on the member alerts, per site."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from healer_ops.api.auth import Reader
from healer_ops.api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError
from healer_ops.api.models import IncidentDetail, IncidentPage
from healer_ops.api.queries import one, page

router = APIRouter(prefix="/api/incidents", tags=["incidents"], responses=ERROR_RESPONSES)

MAX_MEMBERS = 1000


@router.get("", response_model=IncidentPage)
def list_incidents(
    _who: Reader,
    status: Annotated[Literal["open", "resolved", "all"], Query(
        description="open (a member alert still open), resolved, or all")] = "open",
    scope: Literal["server", "fleet"] | None = None,
    server: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x20\x7f]+$",
                                        description="only this server's")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    return page("api_incidents", {"state": status, "scope": scope, "server": server,
                                  "limit": limit, "offset": offset})


@router.get("/{incident_id}", response_model=IncidentDetail, responses=NOT_FOUND)
def get_incident(incident_id: UUID, _who: Reader) -> dict:
    """One incident with its member alerts (at most 1,000; `GET /api/alerts?incident_id=`
    pages through more)."""
    incident = one("api_incident", {"id": str(incident_id)})
    if incident is None:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    incident["alerts"] = page("api_alerts", {
        "state": "all", "severities": None, "alert_type": None, "site_id": None,
        "since": None, "until": None, "labelled": None, "incident_id": str(incident_id),
        "limit": MAX_MEMBERS, "offset": 0})["items"]
    return incident
