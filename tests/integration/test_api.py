"""The Healer HTTP API over real HTTP (uvicorn on loopback) against a real database."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from healer_ops.settings import reset_settings

TOKEN = "test-token-" + uuid.uuid4().hex


@contextmanager
def serve(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def fleet_rows(conn):
    site_id = uuid.uuid4()
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'shop.example.test',"
                 " 'http://shop.example.test/')", [site_id])
    conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms, status_code)"
                 " VALUES (%s, now(), 812.5, 200)", [site_id])
    conn.execute(
        "INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, confidence,"
        " dedup_key, opened_at, last_seen_at) VALUES (%s, 'PERFORMANCE_DEGRADATION', 'HIGH',"
        " 'p95 2.4 s vs 0.6 s baseline', 0.9, %s, now(), now())", [site_id, f"{site_id}:PERF"])
    conn.commit()
    return site_id


@pytest.fixture
def api(db_url, monkeypatch):
    from healer_ops.api import create_app

    monkeypatch.setenv("HEALER_API_TOKEN", TOKEN)
    reset_settings()
    with serve(create_app()) as base:
        yield base
    reset_settings()


def test_data_routes_require_the_bearer_token(api, fleet_rows):
    assert httpx.get(f"{api}/api/health").json() == {"status": "ok"}
    assert httpx.get(f"{api}/api/fleet").status_code == 401
    wrong = httpx.get(f"{api}/api/fleet", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_fleet_and_alerts(api, fleet_rows):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    fleet = httpx.get(f"{api}/api/fleet", headers=headers).json()
    assert [row["domain"] for row in fleet] == ["shop.example.test"]
    assert fleet[0]["open_alerts"] == 1 and fleet[0]["worst_severity"] == "HIGH"
    assert fleet[0]["last_response_time_ms"] == 812.5
    alerts = httpx.get(f"{api}/api/alerts", params={"site_id": str(fleet_rows)},
                       headers=headers).json()
    assert alerts[0]["alert_type"] == "PERFORMANCE_DEGRADATION"
    missing = httpx.get(f"{api}/api/executions/{uuid.uuid4()}/analysis", headers=headers)
    assert missing.status_code == 404
    page = httpx.get(f"{api}/")
    assert page.status_code == 200 and "Fleet health" in page.text and "shop" not in page.text


def test_api_refuses_when_no_token_is_configured(db_url, monkeypatch):
    from healer_ops.api import create_app

    monkeypatch.delenv("HEALER_API_TOKEN", raising=False)
    reset_settings()
    with serve(create_app()) as base:
        response = httpx.get(f"{base}/api/fleet", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503 and "HEALER_API_TOKEN" in response.text


def test_plugin_registers_the_app_and_the_page(airflow_ready):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "plugins" / "healer_plugin.py"
    spec = importlib.util.spec_from_file_location("healer_plugin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plugin = module.HealerOpsPlugin
    assert plugin.fastapi_apps[0]["url_prefix"] == "/healer"
    assert plugin.external_views[0]["href"] == "/healer/"
