"""The Healer HTTP API and the fleet health page, served by the Airflow plugin at /healer.

Airflow does not authenticate plugin apps: every /api route except /api/health requires
``Authorization: Bearer <HEALER_API_TOKEN>``; with no token configured the API refuses all
data requests rather than serving them openly. The page itself carries no data: it asks for
the token and calls the API from the browser.
"""

from __future__ import annotations

import hmac
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import HTMLResponse
from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.settings import DATA_DIR, get_settings

FLEET_PAGE = DATA_DIR / "fleet_health.html"


def require_token(authorization: Annotated[str | None, Header()] = None) -> None:
    expected = get_settings().api_token
    if not expected:
        raise HTTPException(503, "the Healer API is disabled: set HEALER_API_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong bearer token",
                            headers={"WWW-Authenticate": "Bearer"})


def _rows(query_name: str, params: dict) -> list[dict]:
    with db.connect(db.resolve_url("healer_db")) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(db.query(query_name), params)
        return [_jsonable(row) for row in cur.fetchall()]


def _jsonable(row: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def create_app() -> FastAPI:
    app = FastAPI(title="Healer API", version="1",
                  description="Fleet health, predictive alerts and AI analyses of HealerOps.")
    authorized = [Depends(require_token)]

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/api/fleet", dependencies=authorized)
    def fleet(limit: Annotated[int, Query(ge=1, le=10_000)] = 500) -> list[dict]:
        return _rows("api_fleet", {"limit": limit})

    @app.get("/api/alerts", dependencies=authorized)
    def alerts(status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
               site_id: UUID | None = None,
               limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> list[dict]:
        return _rows("api_alerts", {"status": status, "site_id": site_id and str(site_id),
                                    "limit": limit})

    @app.get("/api/executions/{execution_id}/analysis", dependencies=authorized)
    def execution_analysis(execution_id: UUID) -> dict:
        rows = _rows("api_execution_analysis", {"execution_id": str(execution_id)})
        if not rows:
            raise HTTPException(404, f"no execution {execution_id}")
        return rows[0]

    @app.get("/", response_class=HTMLResponse)
    def fleet_page() -> str:
        return Path(FLEET_PAGE).read_text()

    return app
