"""The Healer HTTP API and the fleet health page, served by the Airflow plugin at /healer.

`create_app()` builds the FastAPI app from the route modules in healer_ops/api/routes (each
a `router`); authentication is in auth.py. The page itself carries no data: it asks for the
token and calls the API from the browser.
"""

from __future__ import annotations

from fastapi import FastAPI

ROUTE_MODULES = ("fleet", "patterns")


def create_app() -> FastAPI:
    from importlib import import_module

    app = FastAPI(title="Healer API", version="1",
                  description="Fleet health, predictive alerts and AI analyses of HealerOps.")

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok"}

    for name in ROUTE_MODULES:
        app.include_router(import_module(f"healer_ops.api.routes.{name}").router)
    return app
