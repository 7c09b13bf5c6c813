"""The fleet health page and who is calling.

The page is static: fleet.html, fleet.css and the ES modules fleet.js (sign-in, metrics,
sites, alerts), charts.js and format.js in healer_ops/api/static, with the chart library
vendored beside them (uPlot, static/vendor/uplot). The API app serves all of
it (`mount_static`), so the browser requests nothing from any other host; the page calls the
API with the Airflow session, or a token as a fallback. Its Content-Security-Policy allows
only this origin.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from healer_ops.api.auth import Reader
from healer_ops.api.errors import ERROR_RESPONSES

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PAGE = STATIC_DIR / "fleet.html"
UPLOT_VERSION = "1.6.32"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter()


class Me(BaseModel):
    name: str = Field(description="the Airflow user, or token:<name> for a machine token")
    scope: str = Field(description="read, or write (may also act on alerts)")
    via: str = Field(description="airflow, token or env-token")


@router.get("/api/me", response_model=Me, tags=["session"], responses=ERROR_RESPONSES)
def me(who: Reader) -> dict:
    """Who the credentials stand for and what they may do (the page greys out the buttons
    of a read-only login)."""
    return {"name": who.name, "scope": who.scope, "via": who.via}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def fleet_page(request: Request) -> HTMLResponse:
    # The app is mounted under a prefix (/healer in Airflow): the page's <base> carries it,
    # so its assets and API calls resolve however the page was reached.
    base = request.scope.get("root_path", "").rstrip("/") + "/"
    html = PAGE.read_text(encoding="utf-8").replace("__HEALER_BASE__", escape(base, quote=True))
    return HTMLResponse(html, headers=PAGE_HEADERS)


class RevalidatedFiles(StaticFiles):
    """Static files the browser checks before each use (a 304 when unchanged): after an
    upgrade no page runs an old script from its cache."""

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_static(app: FastAPI) -> None:
    """Serve static/ at /static: the page's modules and style, and the vendored uPlot."""
    app.mount("/static", RevalidatedFiles(directory=STATIC_DIR), name="static")
