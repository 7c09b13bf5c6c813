"""Fleet health, predictive alerts and an execution's analysis (read-only routes), and the
fleet health page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse

from healer_ops.api.auth import require_token
from healer_ops.api.queries import rows
from healer_ops.settings import DATA_DIR

FLEET_PAGE = DATA_DIR / "fleet_health.html"

router = APIRouter()
authorized = [Depends(require_token)]


@router.get("/api/fleet", dependencies=authorized)
def fleet(limit: Annotated[int, Query(ge=1, le=10_000)] = 500) -> list[dict]:
    return rows("api_fleet", {"limit": limit})


@router.get("/api/alerts", dependencies=authorized)
def alerts(status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
           site_id: UUID | None = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> list[dict]:
    return rows("api_alerts", {"status": status, "site_id": site_id and str(site_id),
                               "limit": limit})


@router.get("/api/executions/{execution_id}/analysis", dependencies=authorized)
def execution_analysis(execution_id: UUID) -> dict:
    found = rows("api_execution_analysis", {"execution_id": str(execution_id)})
    if not found:
        raise HTTPException(404, f"no execution {execution_id}")
    return found[0]


@router.get("/", response_class=HTMLResponse)
def fleet_page() -> str:
    return Path(FLEET_PAGE).read_text()
