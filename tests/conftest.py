"""Shared fixtures: a real PostgreSQL per test (embedded pgserver or HEALER_DATABASE_URL),
and a private Airflow home for real DAG runs through dag.test().
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TMP = Path(tempfile.mkdtemp(prefix=f"healer-tests-{WORKER}-"))

# Airflow reads its configuration at import time: give each test worker its own home first.
os.environ["AIRFLOW_HOME"] = str(TMP / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ.pop("AIRFLOW_CONN_HEALER_DB", None)
for _var in ("HEALER_ANALYZER", "OPENAI_API_KEY", "OPENAI_BASE_URL", "HEALER_DROP_DIR"):
    os.environ.pop(_var, None)

EMBEDDED_HOME = ROOT / ".healer" / "test"


def pytest_configure(config) -> None:
    """Before the test workers start: the embedded server created once, by one process.

    On a fresh machine that means the OS user (as root), initdb and the server start; the
    workers then only reuse it (embedded_url's file lock would serialize them anyway).
    """
    if hasattr(config, "workerinput") or os.environ.get("HEALER_DATABASE_URL"):
        return
    if not getattr(config.option, "numprocesses", None) or config.option.collectonly:
        return
    from healer_ops import db

    db.embedded_url(EMBEDDED_HOME)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL on the test server whose user may create databases."""
    from healer_ops import db

    configured = os.environ.get("HEALER_DATABASE_URL")
    if configured:
        return configured
    return db.embedded_url(EMBEDDED_HOME)


@pytest.fixture(scope="session")
def template_db(pg_admin_url) -> str:
    """A migrated database that each test's database is copied from (CREATE ... TEMPLATE)."""
    from healer_ops import db

    name = f"healer_tpl_{WORKER}_{os.getpid()}"
    db.drop_database(pg_admin_url, name)
    db.ensure_database(pg_admin_url, name)
    db.migrate(db.with_database(pg_admin_url, name))
    yield name
    db.drop_database(pg_admin_url, name)


@pytest.fixture
def db_url(pg_admin_url, template_db, monkeypatch) -> str:
    """A fresh, migrated database for one test; HEALER_DATABASE_URL points at it."""
    import psycopg

    from healer_ops import db
    from healer_ops.settings import reset_settings

    name = f"healer_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = db.with_database(pg_admin_url, name)
    monkeypatch.setenv("HEALER_DATABASE_URL", url)
    reset_settings()
    yield url
    reset_settings()
    db.drop_database(pg_admin_url, name)


@pytest.fixture
def conn(db_url):
    """An open connection to the test's database."""
    import psycopg

    with psycopg.connect(db_url) as connection:
        yield connection


@pytest.fixture(scope="session")
def airflow_ready() -> Path:
    """Airflow's metadata DB (SQLite) migrated once per test worker."""
    from healer_ops.devkit.dagrun import migrate_airflow_metadata

    home = Path(os.environ["AIRFLOW_HOME"])
    migrate_airflow_metadata(home)
    return home


@pytest.fixture
def airflow_db(airflow_ready, db_url, monkeypatch):
    """DAG tests: the healer_db Airflow connection points at this test's database."""
    from healer_ops.connections import postgres_connection_json

    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(db_url))
    return db_url
