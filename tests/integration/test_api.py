"""The Healer HTTP API over real HTTP (uvicorn on loopback) against a real database: every
route with and without authentication, each scope (machine tokens, HEALER_API_TOKEN,
Airflow logins), bad ids and query values, and the lifecycle and labelling writes end to
end."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from api_server import serve

from healer_ops.settings import reset_settings

ENV_TOKEN = "env-token-" + uuid.uuid4().hex
NOW = datetime.now(UTC).replace(microsecond=0)
LOG = ("PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted (tried to allocate "
       "20480 bytes) in /var/www/html/wp-content/plugins/big-gallery/lib/resize.php on line 212")


@pytest.fixture
def fleet(conn):
    """Two sites: `shop` with an hour of data, a baseline, an open CRITICAL alert, an open
    MEDIUM one, a resolved one and a failed execution whose analysis failed 3 times;
    `quiet` with nothing."""
    shop, quiet = uuid.uuid4(), uuid.uuid4()
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'shop.example.test', "
                 "'https://shop.example.test/'), (%s, 'quiet.example.test', "
                 "'https://quiet.example.test/')", [shop, quiet])
    for minutes in range(0, 60, 5):
        conn.execute("INSERT INTO site_metrics (site_id, observed_at, response_time_ms, "
                     "status_code, error) VALUES (%s, %s, %s, 200, false)",
                     [shop, NOW - timedelta(minutes=minutes), 438.03000000000003 + minutes])
    conn.execute(
        "INSERT INTO performance_baselines (site_id, period_start, period_end, "
        "median_response_time_ms, mad_response_time_ms, p95_response_time_ms, avg_error_rate,"
        " sample_size) VALUES (%s, %s, %s, 200.0, 20.0, 300.0, 0.01, 8000)",
        [shop, NOW - timedelta(days=28), NOW - timedelta(hours=1)])
    alerts = {}
    for name, (kind, severity, status, opened) in {
            "critical": ("PERFORMANCE_DEGRADATION", "CRITICAL", "open", 3),
            "medium": ("PAGE_SIZE_ANOMALY", "MEDIUM", "open", 2),
            "old": ("ERROR_SPIKE", "HIGH", "resolved", 30)}.items():
        alerts[name] = conn.execute(
            "INSERT INTO predictive_alerts (site_id, alert_type, severity, prediction, "
            "confidence, dedup_key, status, opened_at, last_seen_at, resolved_at, deviation) "
            "VALUES (%s, %s, %s, 'p95 2.4 s vs 0.6 s baseline', 0.912345678, %s, %s, %s, %s, "
            "%s, 3.14159265) RETURNING id",
            [shop, kind, severity, f"{shop}:{kind}", status, NOW - timedelta(hours=opened),
             NOW, NOW - timedelta(hours=opened - 2) if status == "resolved" else None]
        ).fetchone()[0]
    execution = conn.execute(
        "INSERT INTO healer_executions (site_id, status, logs_analyzed, ai_status, ai_attempts,"
        " ai_error) VALUES (%s, 'FAILED', %s, 'FAILED', 3, 'boom') RETURNING id::text",
        [shop, LOG]).fetchone()[0]
    pattern = conn.execute(
        "INSERT INTO healing_patterns (diagnosis_type, error_pattern, commands) VALUES"
        " ('MAINTENANCE', 'Briefly unavailable', '[\"wp maintenance-mode deactivate\"]')"
        " RETURNING id::text").fetchone()[0]
    incident = str(uuid.uuid4())
    conn.execute("INSERT INTO alert_incidents (id, scope, server, opened_at, last_seen_at, "
                 "site_count, alert_count, alert_types, max_severity, summary) VALUES "
                 "(%s, 'server', 'web-1', %s, %s, 1, 1, '{PERFORMANCE_DEGRADATION}', "
                 "'CRITICAL', 'server web-1: 1 site slower')", [incident, NOW, NOW])
    conn.execute("UPDATE predictive_alerts SET incident_id = %s WHERE id = %s",
                 [incident, alerts["critical"]])
    conn.commit()
    return {"shop": str(shop), "quiet": str(quiet), "alerts": alerts, "execution": execution,
            "pattern": pattern, "incident": incident}


@pytest.fixture
def tokens(db_url):
    from healer_ops.operate.tokens import create_token, revoke_token

    made = {scope: create_token(db_url, f"{scope}-bot", scope, created_by="test")["token"]
            for scope in ("read", "write")}
    made["revoked"] = create_token(db_url, "old-bot", "write", created_by="test")["token"]
    revoke_token(db_url, "old-bot")
    made["env"] = ENV_TOKEN
    return made


@pytest.fixture
def api(db_url, monkeypatch):
    from healer_ops.api import create_app

    monkeypatch.setenv("HEALER_API_TOKEN", ENV_TOKEN)
    reset_settings()
    app = create_app()
    with serve(app) as base:
        yield httpx.Client(base_url=base, timeout=60), app
    reset_settings()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _operations(app, ids: dict):
    """(method, concrete path, needs write) of every documented operation but health."""
    values = {"alert_id": ids["alerts"]["critical"], "site_id": ids["shop"],
              "execution_id": ids["execution"], "pattern_id": ids["pattern"],
              "incident_id": ids["incident"]}
    for path, item in app.openapi()["paths"].items():
        for method in item:
            if path == "/api/health":
                continue
            concrete = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
            yield method.upper(), concrete, method != "get"


def _is_error(response, status: int) -> bool:
    body = response.json()
    return (response.status_code == status and body["status"] == status
            and body["error"] and body["message"])


def test_health_is_open_and_checks_the_database(api, db_url, monkeypatch):
    client, _ = api
    ok = client.get("/api/health")
    assert ok.status_code == 200 and ok.json()["database"] == "ok"
    assert ok.json()["schema_version"].startswith("00")
    from healer_ops import db

    monkeypatch.setenv("HEALER_DATABASE_URL", db.with_database(db_url, "healer_missing_db"))
    reset_settings()
    down = client.get("/api/health")
    assert down.status_code == 503 and down.json()["database"] == "unreachable"
    assert "healer_missing_db" in down.json()["error"]


def test_every_route_needs_authentication_and_each_scope_holds(api, fleet, tokens):
    client, app = api
    operations = list(_operations(app, fleet))
    assert len(operations) >= 15
    for method, path, _write in operations:
        for headers in ({}, bearer(tokens["revoked"]), bearer("hops_" + "x" * 43),
                        bearer("not-a-token"), {"Authorization": "Basic abc"}):
            response = client.request(method, path, headers=headers)
            assert _is_error(response, 401), (method, path, headers, response.text)
    for method, path, write in operations:
        if write:  # a read-only token may not write, and is told why
            response = client.request(method, path, headers=bearer(tokens["read"]), json={})
            assert _is_error(response, 403) and "read" in response.json()["message"]
        else:
            for token in ("read", "write", "env"):
                response = client.request(method, path, headers=bearer(tokens[token]))
                assert response.status_code == 200, (path, token, response.text)


def test_airflow_logins_read_or_write_by_role(api, fleet, airflow_ready, monkeypatch):
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "test-secret-" + uuid.uuid4().hex * 3)
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", "airflow.api_fastapi.auth.managers."
                       "simple.simple_auth_manager.SimpleAuthManager")
    manager = create_auth_manager()
    viewer = manager.generate_jwt(SimpleAuthManagerUser(username="vera", role="viewer"))
    user = manager.generate_jwt(SimpleAuthManagerUser(username="ulla", role="user"))
    client, _ = api
    alert = fleet["alerts"]["critical"]
    assert client.get("/api/alerts", headers=bearer(viewer)).status_code == 200
    denied = client.post(f"/api/alerts/{alert}/acknowledge", headers=bearer(viewer))
    assert _is_error(denied, 403) and "vera" in denied.json()["message"]
    # the UI's session cookie works as is (the fleet page needs no token of its own)
    client.cookies.set("_token", user)
    assert client.get("/api/fleet").status_code == 200
    # ... but a write it signs must be JSON (a cross-site form cannot send that)
    assert _is_error(client.post(f"/api/alerts/{alert}/acknowledge",
                                 content="note=x", headers={"Content-Type":
                                                            "application/x-www-form-urlencoded"}),
                     415)
    done = client.post(f"/api/alerts/{alert}/acknowledge", json={"note": "on it"})
    assert done.status_code == 200 and done.json()["alert"]["acknowledged_by"] == "ulla"
    client.cookies.clear()
    assert _is_error(client.get("/api/fleet", headers=bearer(viewer[:-4] + "AAAA")), 401)


def test_bad_ids_and_query_values_answer_json_errors(api, fleet, tokens):
    client, _ = api
    h = bearer(tokens["read"])
    for path, status in [
            ("/api/alerts/abc", 422), ("/api/alerts/0", 422), ("/api/alerts/99999999", 404),
            ("/api/sites/not-a-uuid/health", 422), (f"/api/sites/{uuid.uuid4()}/health", 404),
            (f"/api/sites/{fleet['quiet']}/series", 404),
            (f"/api/executions/{uuid.uuid4()}/analysis", 404),
            ("/api/executions/123/analysis", 422),
            ("/api/alerts?status=bogus", 422), ("/api/alerts?limit=0", 422),
            ("/api/alerts?limit=100000", 422), ("/api/alerts?offset=-1", 422),
            ("/api/alerts?severity=URGENT", 422), ("/api/alerts?type=NOPE", 422),
            ("/api/alerts?since=2026-01-01T00:00:00", 422),  # no time zone
            ("/api/alerts?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", 422),
            ("/api/report?since=yesterday", 422), ("/api/fleet?sort=random", 422),
            (f"/api/sites/{fleet['shop']}/series?hours=0", 422), ("/api/nothing-here", 404)]:
        response = client.get(path, headers=h)
        assert _is_error(response, status), (path, response.status_code, response.text)
    invalid = client.get("/api/alerts?limit=0", headers=h).json()
    assert invalid["details"][0]["where"] == "query.limit"


def test_alerts_filter_by_state_severity_type_site_and_time_and_page(api, fleet, tokens):
    client, _ = api
    h = bearer(tokens["read"])

    def ids(**params):
        body = client.get("/api/alerts", params=params, headers=h).json()
        return {item["id"] for item in body["items"]}, body

    a = fleet["alerts"]
    assert ids()[0] == {a["critical"], a["medium"]}               # default: open
    assert ids(status="all")[0] == set(a.values())
    assert ids(status="resolved")[0] == {a["old"]}
    assert ids(status="all", min_severity="HIGH")[0] == {a["critical"], a["old"]}
    assert ids(status="all", severity=["MEDIUM", "CRITICAL"])[0] == {a["critical"], a["medium"]}
    assert ids(status="all", type="ERROR_SPIKE")[0] == {a["old"]}
    assert ids(status="all", site_id=fleet["quiet"])[0] == set()
    since = (NOW - timedelta(hours=10)).isoformat()
    assert ids(status="all", since=since)[0] == {a["critical"], a["medium"]}
    assert ids(status="all", until=since)[0] == {a["old"]}
    first, body = ids(status="all", limit=2)
    assert body["total"] == 3 and body["next_offset"] == 2 and len(first) == 2
    rest, body = ids(status="all", limit=2, offset=2)
    assert rest == {a["old"]} and body["next_offset"] is None and body["total"] == 3
    empty, body = ids(status="all", offset=50)
    assert empty == set() and body["total"] == 3
    item = client.get(f"/api/alerts/{a['critical']}", headers=h).json()
    assert item["confidence"] == 0.912 and item["deviation"] == 3.14  # rounded for people


def test_alert_lifecycle_end_to_end(api, fleet, tokens, conn):
    client, _ = api
    h = bearer(tokens["write"])
    alert = fleet["alerts"]["critical"]
    url = f"/api/alerts/{alert}"

    acked = client.post(f"{url}/acknowledge", json={"note": "looking"}, headers=h).json()
    assert acked["changed"] and acked["state"] == "acknowledged"
    assert acked["alert"]["acknowledged_by"] == "token:write-bot"
    again = client.post(f"{url}/acknowledge", headers=h).json()
    assert not again["changed"]                                  # idempotent
    snoozed = client.post(f"{url}/snooze", json={"minutes": 90}, headers=h).json()
    assert snoozed["state"] == "snoozed"
    until = datetime.fromisoformat(snoozed["alert"]["snoozed_until"])
    assert timedelta(minutes=89) < until - datetime.now(UTC) <= timedelta(minutes=90)
    for bad in ({}, {"minutes": -5}, {"until": "2020-01-01T00:00:00Z"},
                {"until": (NOW + timedelta(days=60)).isoformat()}):
        assert _is_error(client.post(f"{url}/snooze", json=bad, headers=h), 422), bad
    assert client.post(f"{url}/unsnooze", headers=h).json()["state"] == "acknowledged"
    assert client.get("/api/alerts", params={"status": "acknowledged"},
                      headers=h).json()["total"] == 1
    resolved = client.post(f"{url}/resolve", json={"note": "fixed the cache"}, headers=h)
    assert resolved.json()["state"] == "resolved"
    assert _is_error(client.post(f"{url}/acknowledge", headers=h), 409)
    assert _is_error(client.post(f"/api/alerts/{fleet['alerts']['old']}/reopen", headers=h),
                     409)                                       # detection resolved it
    assert client.post(f"{url}/reopen", headers=h).json()["state"] == "acknowledged"
    labelled = client.put(f"{url}/label", json={"label": False, "note": "a deploy"}, headers=h)
    assert labelled.json()["alert"]["label"] is False
    assert _is_error(client.put(f"{url}/label", json={"label": "maybe"}, headers=h), 422)

    detail = client.get(url, headers=h).json()
    assert [a["action"] for a in detail["actions"]] == [
        "acknowledge", "snooze", "unsnooze", "resolve", "reopen", "label"]
    assert detail["actions"][0]["details"] == {"note": "looking"}
    row = conn.execute("SELECT acknowledged_by, manually_resolved_at, label, label_note, status"
                       " FROM predictive_alerts WHERE id = %s", [alert]).fetchone()
    assert row == ("token:write-bot", None, False, "a deploy", "open")
    assert client.delete(f"{url}/label", headers=h).json()["alert"]["label"] is None
    site = client.get(f"/api/sites/{fleet['shop']}/health", headers=h).json()
    assert site["site"]["status"] == "CRITICAL"    # acknowledged alerts still count


def test_site_health_series_and_fleet_ranking(api, fleet, tokens):
    client, _ = api
    h = bearer(tokens["read"])
    health = client.get(f"/api/sites/{fleet['shop']}/health", headers=h).json()
    site = health["site"]
    assert site["status"] == "CRITICAL" and site["open_alerts"] == 2
    assert site["last_response_time_ms"] == 438.0          # not 438.03000000000003
    assert site["distance"] > 3 and health["baseline"]["band_high_ms"] == pytest.approx(
        200 + 3 * 1.4826 * 20, abs=0.1)
    assert {a["severity"] for a in health["open_alerts"]} == {"CRITICAL", "MEDIUM"}
    assert health["recent_executions"][0]["execution_id"] == fleet["execution"]

    series = client.get(f"/api/sites/{fleet['shop']}/series",
                        params={"hours": 2, "bucket_minutes": 30}, headers=h).json()
    assert 2 <= len(series["points"]) <= 3
    assert sum(p["samples"] for p in series["points"]) == 12
    assert all(p["outside_band"] for p in series["points"])   # 440-500 ms vs 200 +- 89
    assert {a["alert_type"] for a in series["alerts"]} == {"PERFORMANCE_DEGRADATION",
                                                           "PAGE_SIZE_ANOMALY"}

    ranked = client.get("/api/fleet", headers=h).json()
    assert [s["domain"] for s in ranked["items"]] == ["shop.example.test", "quiet.example.test"]
    assert ranked["items"][1]["status"] == "UNKNOWN"
    only = client.get("/api/fleet", params={"status": "UNKNOWN"}, headers=h).json()
    assert only["total"] == 1 and only["items"][0]["domain"] == "quiet.example.test"
    # the site's status follows its alerts: resolve both, and it is HEALTHY
    w = bearer(tokens["write"])
    for name in ("critical", "medium"):
        client.post(f"/api/alerts/{fleet['alerts'][name]}/resolve", headers=w)
    after = client.get(f"/api/sites/{fleet['shop']}/health", headers=h).json()
    assert after["site"]["status"] == "HEALTHY" and after["open_alerts"] == []


def test_analysis_on_demand_labels_and_the_report(api, fleet, tokens, conn):
    client, _ = api
    h = bearer(tokens["write"])
    path = f"/api/executions/{fleet['execution']}"
    # failed three times: the DAG would never claim it again; on demand it is analyzed
    first = client.post(f"{path}/ai-analyze", headers=h).json()
    assert first["diagnosis_type"] == "MEMORY_EXHAUSTION" and not first["cache_hit"]
    assert first["execution"]["ai_status"] == "DONE"
    assert client.post(f"{path}/ai-analyze", headers=h).json()["cache_hit"]
    forced = client.post(f"{path}/ai-analyze", params={"force": "true"}, headers=h).json()
    assert forced["forced"] and not forced["cache_hit"]
    assert _is_error(client.post(f"/api/executions/{uuid.uuid4()}/ai-analyze", headers=h), 404)

    for bad in ({"correct": False}, {"correct": False, "diagnosis_type": "NOT_A_TYPE"},
                {"correct": True, "diagnosis_type": "DB_ERROR"}):
        assert _is_error(client.put(f"{path}/diagnosis-label", json=bad, headers=h), 422), bad
    label = client.put(f"{path}/diagnosis-label", json={"correct": True}, headers=h).json()
    assert label["correct"] and label["diagnosis_type"] == "MEMORY_EXHAUSTION"
    analysis = client.get(f"{path}/analysis", headers=h).json()
    assert analysis["label_correct"] is True and analysis["labelled_by"] == "token:write-bot"

    wrong = client.put(f"{path}/diagnosis-label", json={"correct": False,
                                                         "diagnosis_type": "PLUGIN_CONFLICT"},
                       headers=h).json()
    assert not wrong["correct"] and wrong["diagnosis_type"] == "PLUGIN_CONFLICT"
    expired = conn.execute("SELECT expires_at <= now() FROM ai_analysis_cache").fetchone()
    assert expired == (True,)  # a wrong cached answer is not served again
    assert client.post(f"{path}/ai-analyze", headers=h).json()["cache_hit"] is False

    unanalyzed = conn.execute("INSERT INTO healer_executions (site_id, status) VALUES (%s, "
                              "'FAILED') RETURNING id::text", [fleet["shop"]]).fetchone()[0]
    conn.commit()
    assert _is_error(client.put(f"/api/executions/{unanalyzed}/diagnosis-label",
                                json={"correct": True}, headers=h), 409)

    stats = client.get("/api/ai-cache/stats", headers=h).json()
    assert stats["entries"] == 1 and stats["analyses"] == 1
    client.put(f"/api/alerts/{fleet['alerts']['critical']}/label", json={"label": True},
               headers=h)
    client.put(f"/api/alerts/{fleet['alerts']['old']}/label", json={"label": False},
               headers=h)
    report = client.get("/api/report", headers=h).json()["metrics"]
    assert report["diagnosis_accuracy"]["value"] == 0.0                 # labelled wrong
    assert report["diagnosis_accuracy"]["labelled"] == 1
    assert report["alert_precision"] == {"value": 0.5, "target": "> 0.8",
                                         "meets_target": False, "labelled": 2,
                                         "confirmed": 1, "alerts": 3}
    assert report["cost_per_diagnosis_usd"]["value"] == 0.0
    assert report["pattern_auto_approval"]["value"] is None          # no patterns: no ratio
    assert client.delete(f"{path}/diagnosis-label", headers=h).status_code == 204
    assert _is_error(client.delete(f"{path}/diagnosis-label", headers=h), 404)


def test_openapi_document_matches_the_routes(api, tokens):
    client, app = api
    doc = client.get("/openapi.json").json()
    served = {(m, r.path) for r in app.routes if getattr(r, "include_in_schema", False)
              for m in r.methods - {"HEAD"}}
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert served == documented
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if path != "/api/health":
                assert operation.get("security"), (method, path)
                assert "401" in responses and "403" in responses, (method, path)
            assert any(code.startswith("2") for code in responses), (method, path)
    assert "ErrorBody" in doc["components"]["schemas"]
    page = client.get("/")
    assert page.status_code == 200 and "Fleet health" in page.text


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
