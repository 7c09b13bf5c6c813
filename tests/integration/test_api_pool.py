"""The API's database connection pool, over real HTTP (uvicorn on loopback) on a real
PostgreSQL: made by the first request (not at import, not when the app is built), reused
across requests within its size, a connection the server dropped replaced before it is
lent, and closed when the server stops."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from api_server import serve

from healer_ops.db.pool import close_pools, pool_stats
from healer_ops.settings import reset_settings

TOKEN = "pool-token-" + uuid.uuid4().hex
MAX_SIZE = 3


@pytest.fixture
def app(db_url, monkeypatch):
    from healer_ops.api import create_app

    close_pools()
    monkeypatch.setenv("HEALER_API_TOKEN", TOKEN)
    monkeypatch.setenv("HEALER_API_POOL_MIN_SIZE", "1")
    monkeypatch.setenv("HEALER_API_POOL_MAX_SIZE", str(MAX_SIZE))
    reset_settings()
    yield create_app()
    close_pools()
    reset_settings()


def _backends(conn, until_none: bool = False) -> list[int]:
    """The server processes connected to this database, but this connection's (with
    `until_none`: once none is left, or what is left after 10 s: a closed connection's
    server process ends a moment after it)."""
    conn.autocommit = True  # pg_stat_activity is read once per transaction
    deadline = time.monotonic() + (10 if until_none else 0)
    while True:
        found = _connected(conn)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def _connected(conn) -> list[int]:
    return [row[0] for row in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall()]


def test_the_pool_is_made_by_the_first_request_reused_and_closed_at_shutdown(app, conn):
    assert pool_stats() == []  # building the app opened nothing
    headers = {"Authorization": f"Bearer {TOKEN}"}
    paths = ["/api/health", "/api/alerts", "/api/fleet", "/api/me"] * 15
    with serve(app) as base, httpx.Client(base_url=base, headers=headers,
                                          timeout=60) as client:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda path: client.get(path).status_code, paths))
        assert answers.count(200) == len(paths)
        [stats] = pool_stats()
        assert stats["pool_max"] == MAX_SIZE
        assert stats["requests_num"] >= len(paths) - len(paths) // 4  # /api/me: no database
        assert stats["connections_num"] <= MAX_SIZE  # per-request connects would be ~45
        assert len(_backends(conn)) <= MAX_SIZE
    assert pool_stats() == []  # the server's shutdown closed it
    assert _backends(conn, until_none=True) == []


def test_a_connection_the_server_dropped_is_replaced_before_it_is_lent(app, conn):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with serve(app) as base, httpx.Client(base_url=base, headers=headers,
                                          timeout=60) as client:
        assert client.get("/api/alerts").status_code == 200
        dropped = _backends(conn)
        assert dropped
        for pid in dropped:  # as a server restart or an idle timeout would
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(3):
            assert client.get("/api/alerts").status_code == 200
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        assert not set(_backends(conn)) & set(dropped)


def test_a_missing_database_is_a_loud_503_naming_it(app, db_url, monkeypatch):
    from healer_ops import db

    monkeypatch.setenv("HEALER_DATABASE_URL", db.with_database(db_url, "healer_pool_missing"))
    monkeypatch.setenv("HEALER_API_POOL_TIMEOUT_S", "1")
    reset_settings()
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        health = client.get("/api/health")
        assert health.status_code == 503
        assert health.json()["database"] == "unreachable"
        assert "healer_pool_missing" in health.json()["error"]
        data = client.get("/api/alerts", headers={"Authorization": f"Bearer {TOKEN}"})
        assert data.status_code == 503 and data.json()["error"] == "unavailable"


def test_importing_the_api_and_building_the_app_opens_no_pool():
    """What the Airflow plugin (and a DAG file's parse) does: no pool, no pool library."""
    code = ("import sys; from healer_ops.api import create_app; create_app(); "
            "from healer_ops.db.pool import pool_stats; "
            "print(pool_stats() == [] and 'psycopg_pool' not in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr[-2000:]


def test_pool_settings_are_checked():
    from pydantic import ValidationError

    from healer_ops.settings import Settings

    with pytest.raises(ValidationError, match="api_pool_max_size"):
        Settings(api_pool_max_size=0)
    with pytest.raises(ValidationError, match="HEALER_API_POOL_MIN_SIZE .5. is above "
                                              "HEALER_API_POOL_MAX_SIZE .2."):
        Settings(api_pool_min_size=5, api_pool_max_size=2)
