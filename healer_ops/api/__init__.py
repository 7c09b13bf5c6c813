"""The Healer HTTP API and the fleet health page, served by the Airflow plugin at /healer.

`create_app()` builds the FastAPI app from the route modules in healer_ops/api/routes (each
a `router`, listed in ROUTE_MODULES); authentication is in auth.py, the JSON error shape in
errors.py, response shapes in models.py. Requests reach the database through the process's
connection pool (healer_ops.db.pool: made by the first request, closed at shutdown). The
OpenAPI document is served at /healer/openapi.json (and browsable at /healer/docs). The page
itself carries no data: it calls the API from the browser with the Airflow session.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

# /api/health waits at most this long for a database connection (then 503, saying why).
HEALTH_TIMEOUT_S = 5

ROUTE_MODULES = ("fleet", "alerts", "incidents", "sites", "executions", "metrics", "patterns",
                 "page")

DESCRIPTION = """Fleet health, predictive alerts and AI analyses of HealerOps.

Authentication: the Airflow session (the UI's `_token` cookie, or `Authorization: Bearer
<jwt>` from Airflow's `POST /auth/token`): users who may view DAGs read, users who may edit
DAGs also write. Machines: `Authorization: Bearer hops_...` from `healer-ops tokens create
--scope read|write`. Every error is `{"error", "message", "status", "details"?}`."""


def create_app() -> FastAPI:
    from importlib import import_module

    from healer_ops.api import errors
    from healer_ops.api.models import Health

    app = FastAPI(title="Healer API", version="2", description=DESCRIPTION, lifespan=_lifespan)
    errors.install(app)

    @app.get("/api/health", response_model=Health, tags=["health"],
             responses={503: {"model": Health, "description": "the database is unreachable "
                                                              "or not migrated"}})
    def health():
        """Open (no authentication): the API answers and its database does."""
        from fastapi.responses import JSONResponse

        result = _database_health()
        return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)

    for name in ROUTE_MODULES:
        app.include_router(import_module(f"healer_ops.api.routes.{name}").router)
    import_module("healer_ops.api.routes.page").mount_static(app)
    return app


@asynccontextmanager
async def _lifespan(_app: FastAPI):
    """The database pool is made by the first request that needs it (never here, never at
    import) and closed when the server stops (served by itself; mounted in Airflow's
    api-server, whose sub-apps get no lifespan, at the process' exit)."""
    yield
    from healer_ops.db.pool import close_pools

    close_pools()


def _database_health() -> dict:
    """A real query on a pooled connection (checked with a round trip before it is lent);
    when none comes in time, one direct connection says why (refused, bad password, ...)."""
    import psycopg
    from psycopg_pool import PoolTimeout

    from healer_ops import db
    from healer_ops.analysis.pipeline import safe_error

    url = None
    try:
        url = db.resolve_url("healer_db")
        with db.pooled(url, timeout_s=HEALTH_TIMEOUT_S) as conn:
            version = conn.execute(db.query("api_health")).fetchone()[0]
    except psycopg.errors.UndefinedTable:
        return {"status": "unavailable", "database": "not_migrated",
                "error": "run `healer-ops db migrate`"}
    except PoolTimeout:
        why = _why_unreachable(url)
        if why is None:  # it answers: every pooled connection was in use
            return {"status": "unavailable", "database": "busy",
                    "error": f"no pooled connection free within {HEALTH_TIMEOUT_S} s "
                             "(HEALER_API_POOL_MAX_SIZE)"}
        return {"status": "unavailable", "database": "unreachable", "error": why}
    except Exception as exc:  # unreachable, refused, bad credentials: say so, never hang
        return {"status": "unavailable", "database": "unreachable", "error": safe_error(exc)}
    return {"status": "ok", "database": "ok", "schema_version": version}


def _why_unreachable(url: str) -> str | None:
    """The error of one direct connection attempt (the pool only says it timed out)."""
    import psycopg

    from healer_ops.analysis.pipeline import safe_error

    try:
        psycopg.connect(url, connect_timeout=HEALTH_TIMEOUT_S).close()
    except Exception as exc:
        return safe_error(exc)
    return None  # it answers now: the pool was busy
