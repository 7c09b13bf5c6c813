"""The fleet health page in a real browser: Debian's headless Chromium driven by Playwright,
against the real API app mounted at /healer as the Airflow plugin mounts it, on loopback
uvicorn, over a demo fleet (generated, then scanned by the real detection and analyzed by the
local analyzer) in a real PostgreSQL.

The page must load with the Airflow session cookie, draw the charts and list the alerts, and
an acknowledge click must change the alert in the database. A token is the fallback without a
session, kept for other tabs. A screenshot is kept in .healer/artifacts/fleet-page.png.
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from api_server import serve
from fastapi import FastAPI

from healer_ops.api.routes.page import UPLOT_VERSION
from healer_ops.settings import reset_settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / ".healer" / "artifacts" / "fleet-page.png"
SITES, DAYS = 6, 4
WAIT_MS = 60_000
# As in .ci/run: the flags that let Debian's Chromium run headless as root with no network.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fleet-page")]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Debian's chromium is not installed here (.ci/run installs it with "
                "`apt-get install -y chromium`; it needs root and the Debian archive)")


@pytest.fixture(scope="module")
def fleet_db(pg_admin_url, template_db):
    """A demo-like fleet: sites, 5-minute metrics with injected incidents, executions; then
    detection (alerts) and the local analyzer (diagnoses, cache) as the DAGs would."""
    import psycopg

    from healer_ops import db
    from healer_ops.analysis.executions import analyze_failed_executions
    from healer_ops.detect.fleet import detect_fleet
    from healer_ops.devkit.fleet.generator import generate_fleet
    from healer_ops.devkit.fleet.grid import default_end

    name = f"healer_page_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = db.with_database(pg_admin_url, name)
    end = default_end()
    generate_fleet(url, sites=SITES, days=DAYS, seed=3, end=end, metrics_to_db=True)
    detect_fleet(url, end - timedelta(days=DAYS), end)
    analyze_failed_executions(url, analyzer="local")
    yield url
    db.drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def healer(fleet_db, airflow_ready):
    """The API app under /healer (as plugins/healer_plugin.py mounts it in Airflow) with an
    Airflow auth manager to sign sessions: (base URL, database URL, auth manager)."""
    from airflow.api_fastapi.app import create_auth_manager

    from healer_ops.api import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEALER_DATABASE_URL", fleet_db)
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "page-secret-" + uuid.uuid4().hex * 3)
        patch.setenv("AIRFLOW__CORE__AUTH_MANAGER", "airflow.api_fastapi.auth.managers."
                     "simple.simple_auth_manager.SimpleAuthManager")
        reset_settings()
        manager = create_auth_manager()
        airflow = FastAPI()
        airflow.mount("/healer", create_app())
        with serve(airflow) as base:
            yield f"{base}/healer/", fleet_db, manager
    reset_settings()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    expect.set_options(timeout=WAIT_MS)     # 2 cores shared with other test workers
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watch:
    """Everything the page asked for and complained about."""

    def __init__(self, page):
        self.requests, self.errors = [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


def _session(manager, username: str, role: str) -> str:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return manager.generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def _api(base: str, token: str, path: str, **params) -> dict:
    return httpx.get(base + path, params=params, timeout=30,
                     headers={"Authorization": f"Bearer {token}"}).json()


def _db_alert(url: str, alert_id: int) -> dict:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT acknowledged_by, acknowledged_at, snoozed_until, label, labelled_by, "
            "alert_state(status, manually_resolved_at, snoozed_until, acknowledged_at) AS state,"
            " (SELECT array_agg(action || ':' || actor ORDER BY acted_at) FROM alert_actions"
            "  WHERE alert_id = a.id) AS actions FROM predictive_alerts a WHERE id = %s",
            [alert_id]).fetchone()


def test_the_page_with_the_airflow_session_draws_the_fleet_and_acts_on_alerts(healer, browser,
                                                                             record_property):
    from playwright.sync_api import expect

    base, url, manager = healer
    session = _session(manager, "ulla", "user")          # Airflow's User role: may write
    fleet = _api(base, session, "api/fleet")
    open_alerts = _api(base, session, "api/alerts")
    assert fleet["total"] == SITES and open_alerts["total"] >= 1, "the fleet must have alerts"

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    context.add_cookies([{"name": "_token", "value": session, "url": base}])
    page = context.new_page()
    watch = Watch(page)
    page.goto(base)

    # the fleet, ranked as the API ranks it (farthest from baseline first), and the charts
    page.wait_for_selector("#chart-response canvas")
    page.wait_for_selector("#chart-errors canvas")
    domains = page.locator("#sites tbody tr .site-link").all_text_contents()
    assert domains == [s["domain"] for s in fleet["items"]]
    assert page.locator("#sites tbody tr.selected").count() == 1
    assert "ulla" in page.locator("#who").inner_text()
    assert page.locator("#metric-cards .card").count() == 6
    rows = page.locator("#alert-list tbody tr[data-alert-id]")
    assert rows.count() == open_alerts["total"]
    text = page.locator("body").inner_text()
    assert not re.search(r"\d\.\d{4,}", text), "a number not formatted for people"
    response_cells = page.locator("#sites tbody td:nth-child(3)").all_inner_texts()
    assert all(re.fullmatch(r"[\d,]+ ms|[\d.]+ s|—", c.splitlines()[0]) for c in response_cells)
    error_cells = page.locator("#sites tbody td:nth-child(4)").all_inner_texts()
    assert all(re.fullmatch(r"< 0\.1%|[\d.]+%|—", c.splitlines()[0]) for c in error_cells)
    assert open_alerts["items"][0]["prediction"] in text

    # acknowledge the first open alert: the database says who, and when
    alert = next(a for a in open_alerts["items"] if a["state"] == "open")
    row = page.locator(f'#alert-list tr[data-alert-id="{alert["id"]}"]')
    row.locator('button[data-action="acknowledge"]').click()
    page.wait_for_selector(f'#alert-list tr[data-alert-id="{alert["id"]}"]'
                           '[data-state="acknowledged"]')
    stored = _db_alert(url, alert["id"])
    assert stored["state"] == "acknowledged" and stored["acknowledged_by"] == "ulla"
    assert datetime.now(UTC) - stored["acknowledged_at"] < timedelta(minutes=2)

    # label it a real problem: the report's alert precision follows
    row.locator('button[data-action="label-real"]').click()
    page.wait_for_selector(f'#alert-list tr[data-alert-id="{alert["id"]}"] '
                           'button[data-action="label-real"].on')
    assert _db_alert(url, alert["id"])["label"] is True
    expect(page.locator("[data-metric=alert_precision] .value")).to_have_text("100%")

    # snooze it for an hour
    row.locator('select[data-action="snooze"]').select_option("60")
    page.wait_for_selector(f'#alert-list tr[data-alert-id="{alert["id"]}"][data-state="snoozed"]')
    stored = _db_alert(url, alert["id"])
    assert timedelta(minutes=58) < stored["snoozed_until"] - datetime.now(UTC) <= timedelta(
        minutes=60)
    assert stored["actions"] == ["acknowledge:ulla", "label:ulla", "snooze:ulla"]

    # the site with the most alerts, and every alert, for the picture
    page.select_option("#alert-state", "all")
    expect(page.locator("#alerts-count")).to_contain_text("in all")
    busiest = max(fleet["items"], key=lambda s: len(_api(
        base, session, "api/alerts", status="all", site_id=s["site_id"])["items"]))
    page.locator("#sites .site-link", has_text=busiest["domain"]).click()
    expect(page.locator("#site-title")).to_contain_text(busiest["domain"])
    page.wait_for_selector("#chart-response canvas")
    page.wait_for_timeout(300)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACT), full_page=True)
    record_property("screenshot", str(ARTIFACT))
    print(f"\nfleet page screenshot: {ARTIFACT}")

    assert not watch.errors, watch.errors                 # CSP violations are errors too
    origin = base.split("/healer/")[0]
    foreign = [u for u in watch.requests if not (u.startswith(origin) or u.startswith("data:"))]
    assert not foreign, f"the page asked another host: {foreign}"
    assert any("/healer/static/vendor/uplot/" in u for u in watch.requests)
    context.close()


def test_without_a_session_a_token_signs_in_and_other_tabs_keep_it(healer, browser):
    from playwright.sync_api import expect

    from healer_ops.operate.tokens import create_token

    base, url, _ = healer
    token = create_token(url, f"viewer-{uuid.uuid4().hex[:6]}", "read",
                         created_by="test")["token"]
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(base)
    page.wait_for_selector("#auth:not([hidden])")
    assert page.locator("#content").is_hidden()
    page.fill("#token", "hops_" + "x" * 43)
    page.click("#auth button[type=submit]")
    expect(page.locator("#auth-reason")).to_contain_text("refused")

    page.fill("#token", token)
    page.click("#auth button[type=submit]")
    page.wait_for_selector("#chart-response canvas")
    assert "read only" in page.locator("#who").inner_text()
    controls = page.locator("#alert-list tbody [data-action]")   # buttons and the snooze menu
    assert controls.count() >= 3
    assert all(controls.nth(i).is_disabled() for i in range(controls.count()))

    other_tab = context.new_page()                       # same browser: the token is kept
    other_tab.goto(base)
    other_tab.wait_for_selector("#chart-response canvas")
    assert other_tab.locator("#auth").is_hidden()
    stored = other_tab.evaluate("JSON.parse(localStorage.getItem('healer.apiToken'))")
    hours = (stored["expires"] / 1000 - datetime.now(UTC).timestamp()) / 3600
    assert stored["token"] == token and 11.9 < hours <= 12
    context.close()


def test_the_page_and_its_assets_are_served_by_the_app_alone(healer):
    base, _, _ = healer
    page = httpx.get(base, timeout=30)
    assert page.status_code == 200
    assert '<base href="/healer/">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "no asset from another host"
    chart = httpx.get(base + "static/vendor/uplot/uPlot.iife.min.js", timeout=30)
    assert chart.status_code == 200 and "javascript" in chart.headers["content-type"]
    assert chart.text.startswith(f"/*! https://github.com/leeoniya/uPlot (v{UPLOT_VERSION}) */")
    assert chart.headers["cache-control"] == "no-cache" and chart.headers["etag"]
    assert httpx.get(base + "static/vendor/uplot/uPlot.iife.min.js", timeout=30, headers={
        "If-None-Match": chart.headers["etag"]}).status_code == 304
    for asset in ("static/fleet.js", "static/charts.js", "static/format.js", "static/fleet.css",
                  "static/vendor/uplot/uPlot.min.css", "static/vendor/uplot/LICENSE"):
        assert httpx.get(base + asset, timeout=30).status_code == 200, asset
    for outside in ("static/../routes/page.py", "static/%2e%2e/routes/page.py"):
        assert httpx.get(base + outside, timeout=30).status_code == 404, outside
