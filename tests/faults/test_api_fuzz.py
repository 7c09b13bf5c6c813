"""The HTTP API fuzzed from its OpenAPI document (schemathesis) over real HTTP on loopback:
no request gets a server error, and no route answers without the bearer token.

Both tests read the routes from the app (`healer_ops.api.create_app()`) and its document, so
routes added later are covered without touching this file; a route meant to be public must
be listed in PUBLIC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from healer_ops.settings import reset_settings

pytestmark = pytest.mark.slow

TOKEN = "fuzz-" + uuid.uuid4().hex
PUBLIC = {"/api/health", "/", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
PUBLIC_PREFIXES = ("/static",)  # the page's scripts and styles: no data
END = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def api_base(db_url, monkeypatch):
    """The app served on loopback over a small generated fleet (sites, metrics, alerts,
    analyzed executions), with HEALER_API_TOKEN set."""
    from api_server import serve
    from typer.testing import CliRunner

    from healer_ops.analysis.executions import analyze_failed_executions
    from healer_ops.api import create_app
    from healer_ops.cli import app as cli
    from healer_ops.devkit.fleet.generator import generate_fleet

    generate_fleet(db_url, sites=4, days=2, seed=3, end=END, metrics_to_db=True)
    assert CliRunner().invoke(cli, ["alerts", "scan", "--json"]).exit_code == 0  # alerts
    analyze_failed_executions(db_url, limit=20)
    monkeypatch.setenv("HEALER_API_TOKEN", TOKEN)
    reset_settings()
    app = create_app()
    with serve(app) as base:
        yield base, app
    reset_settings()


@pytest.fixture
def api_schema(api_base):
    base, _ = api_base
    return schemathesis.openapi.from_url(f"{base}/openapi.json")


def test_no_request_gets_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:
        fuzz_operation(operation)


def fuzz_operation(operation) -> None:
    """Schemathesis' cases of one operation, with the token: none may get a 5xx."""

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"},
                               checks=[not_a_server_error])

    fuzz()


def test_every_route_but_the_public_ones_refuses_requests_without_the_token(api_base):
    base, app = api_base
    checked = 0
    for route in app.routes:
        path = getattr(route, "path", None)
        if path is None or path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
            continue
        url = base + path.format(**{name: str(uuid.uuid4())
                                    for name in getattr(route, "param_convertors", {})})
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method == "HEAD":
                continue
            for headers in ({}, {"Authorization": "Bearer wrong"},
                            {"Authorization": f"Basic {TOKEN}"}):
                response = httpx.request(method, url, headers=headers, timeout=30)
                assert response.status_code == 401, (method, path, headers,
                                                      response.status_code)
            checked += 1
    assert checked >= 3  # the fleet, alerts and analysis routes at least


def test_once_the_token_is_unset_it_opens_nothing(api_base, monkeypatch):
    base, _ = api_base
    monkeypatch.delenv("HEALER_API_TOKEN")
    reset_settings()
    response = httpx.get(f"{base}/api/fleet", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 401
