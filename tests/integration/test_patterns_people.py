"""People in charge through the API (real HTTP on loopback) and the command line, against a
real database: list, show, history, and every decision with who and why."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from api_server import serve
from typer.testing import CliRunner

from healer_ops.devkit.fleet.generator import generate_fleet
from healer_ops.patterns import refresh_patterns
from healer_ops.settings import reset_settings

END = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
TOKEN = "test-token-" + uuid.uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def fleet(db_url, conn):
    generate_fleet(db_url, sites=4, days=1, seed=7, end=END, metrics_to_db=True)
    refresh_patterns(db_url, END)
    return dict(conn.execute("SELECT culprit || '/' || error_type, id::text FROM"
                             " healing_patterns").fetchall())


@pytest.fixture
def api(db_url, monkeypatch):
    from healer_ops.api import create_app

    monkeypatch.setenv("HEALER_API_TOKEN", TOKEN)
    reset_settings()
    with serve(create_app()) as base:
        # the first request imports the pattern modules: slow on a loaded machine
        httpx.get(f"{base}/api/patterns", params={"limit": 1}, headers=AUTH, timeout=60)
        yield base
    reset_settings()


def test_api_reads_and_decides_with_who_and_why(api, fleet, conn):
    thin = fleet["wp-mail-smtp/UNDEFINED_METHOD"]
    assert httpx.get(f"{api}/api/patterns").status_code == 401
    assert httpx.post(f"{api}/api/patterns/{thin}/approve",
                      json={"by": "x", "why": "y"}).status_code == 401

    approved = httpx.get(f"{api}/api/patterns", params={"state": "approved"},
                         headers=AUTH).json()
    assert approved and all(p["auto_approved"] for p in approved)
    assert httpx.get(f"{api}/api/patterns", params={"state": "nope"},
                     headers=AUTH).status_code == 422

    bad_body = httpx.post(f"{api}/api/patterns/{thin}/approve", json={"by": "alice"},
                          headers=AUTH)
    assert bad_body.status_code == 422
    decided = httpx.post(f"{api}/api/patterns/{thin[:8]}/approve",
                         json={"by": "alice", "why": "vendor confirmed"}, headers=AUTH)
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["auto_approved"] and body["human_decision"] == "approved"
    assert (body["decided_by"], body["decision_note"]) == ("alice", "vendor confirmed")

    shown = httpx.get(f"{api}/api/patterns/{thin}", headers=AUTH).json()
    assert shown["events"][0]["event"] == "approved" and shown["events"][0]["actor"] == "alice"
    assert shown["versions"][0]["current"]
    history = httpx.get(f"{api}/api/patterns/{thin}/history",
                        params={"days": 200, "until": END.isoformat()}, headers=AUTH).json()
    assert sum(day["uses"] for day in history) == shown["versions"][0]["successes"] + \
        shown["versions"][0]["failures"]

    wsod = fleet["/CRITICAL_ERROR"] if "/CRITICAL_ERROR" in fleet else fleet["/"]
    refused = httpx.post(f"{api}/api/patterns/{wsod}/approve",
                         json={"by": "alice", "why": "works"}, headers=AUTH)
    assert refused.status_code == 400 and "destructive" in refused.json()["message"]
    missing = httpx.post(f"{api}/api/patterns/{uuid.uuid4()}/reject",
                         json={"by": "alice", "why": "x"}, headers=AUTH)
    assert missing.status_code == 404

    cache = fleet["/ADVANCED_CACHE_DROPIN"]
    edited = httpx.post(f"{api}/api/patterns/{cache}/edit",
                        json={"by": "bob", "why": "flush", "commands": ["wp cache flush"]},
                        headers=AUTH).json()
    assert edited["version"] == 2 and edited["commands"] == ["wp cache flush"]
    rolled = httpx.post(f"{api}/api/patterns/{cache}/rollback",
                        json={"by": "bob", "why": "back"}, headers=AUTH).json()
    assert rolled["version"] == 3 and rolled["commands"] != ["wp cache flush"]
    unsafe = httpx.post(f"{api}/api/patterns/{cache}/edit",
                        json={"by": "bob", "why": "x", "commands": ["wp db reset --yes"]},
                        headers=AUTH)
    assert unsafe.status_code == 400


def test_command_line_decides_and_shows(fleet, conn):
    from healer_ops.cli import app

    runner = CliRunner()
    revslider = fleet["revslider/UNDEFINED_FUNCTION"]
    result = runner.invoke(app, ["patterns", "reject", revslider[:10], "--by", "carol",
                                 "--why", "breaks the slider"])
    assert result.exit_code == 0, result.output
    assert "rejected by carol; approved: False" in result.output
    result = runner.invoke(app, ["patterns", "show", revslider, "--json"])
    shown = json.loads(result.output)
    assert shown["pattern"]["human_decision"] == "rejected"
    assert shown["events"][0]["reason"] == "breaks the slider"
    listed = json.loads(runner.invoke(app, ["patterns", "list", "--state", "rejected",
                                            "--json"]).output)
    assert [p["id"] for p in listed] == [revslider]
    missing_why = runner.invoke(app, ["patterns", "approve", revslider, "--by", "carol"])
    assert missing_why.exit_code == 2
    unknown = runner.invoke(app, ["patterns", "approve", "00000000", "--why", "x"])
    assert unknown.exit_code == 2 and "no healing pattern" in unknown.output
