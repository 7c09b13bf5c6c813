"""The fleet ranked by distance from baseline (the page itself is in page.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from healer_ops.api.auth import Reader
from healer_ops.api.errors import ERROR_RESPONSES
from healer_ops.api.models import FleetPage
from healer_ops.api.queries import page

router = APIRouter(responses=ERROR_RESPONSES)


@router.get("/api/fleet", response_model=FleetPage, tags=["fleet"])
def fleet(_who: Reader,
          status: Literal["DOWN", "CRITICAL", "DEGRADED", "WARNING", "HEALTHY",
                          "UNKNOWN"] | None = None,
          sort: Annotated[Literal["distance", "status", "domain"], Query(
              description="distance from baseline (default), status, or domain")] = "distance",
          limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict:
    """Every site with its status (from its open alerts) and its last hour against its
    baseline, farthest from baseline first."""
    return page("api_fleet", {"status": status, "sort": sort, "site_id": None,
                              "limit": limit, "offset": offset})

