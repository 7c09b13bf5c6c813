"""Database resolution and migrations, on a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from healer_ops import db
from healer_ops.settings import reset_settings


def _schema(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY table_name, column_name").fetchall()


@pytest.fixture
def empty_db(pg_admin_url):
    name = "healer_empty_" + __import__("uuid").uuid4().hex[:10]
    db.ensure_database(pg_admin_url, name)
    yield db.with_database(pg_admin_url, name)
    db.drop_database(pg_admin_url, name)


def test_migrate_twice_gives_same_schema(empty_db):
    first = db.migrate(empty_db)
    schema_once = _schema(empty_db)
    second = db.migrate(empty_db)
    assert first and first[0] == "0001_core_schema"
    assert second == []
    assert _schema(empty_db) == schema_once
    tables = {row[0] for row in schema_once}
    for table in ("wp_sites", "site_metrics", "metric_quarantine", "healer_executions",
                  "healing_patterns", "healing_pattern_versions", "ai_analysis_cache",
                  "performance_baselines", "predictive_alerts"):
        assert table in tables


def test_edited_migration_is_refused(empty_db, tmp_path, monkeypatch):
    sql_dir = tmp_path / "sql"
    shutil.copytree(db.migrations_dir().parent, sql_dir)
    monkeypatch.setenv("HEALER_SQL_DIR", str(sql_dir))
    reset_settings()
    try:
        db.migrate(empty_db)
        first = sorted((sql_dir / "migrations").glob("0001_*.sql"))[0]
        first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
        with pytest.raises(db.MigrationEdited, match="0001_core_schema.*edited"):
            db.migrate(empty_db)
    finally:
        reset_settings()


def test_resolution_prefers_environment_over_embedded(monkeypatch, db_url):
    monkeypatch.setenv("HEALER_DATABASE_URL", db_url)
    assert db.resolve_url() == db_url
    assert db.resolve_url("healer_db_not_defined") == db_url


def test_airflow_connection_wins_inside_airflow(monkeypatch, db_url):
    from healer_ops.connections import postgres_connection_json

    monkeypatch.setenv("HEALER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(db_url))
    url = db.resolve_url("healer_db")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == \
            psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]


def test_ensure_database_tolerates_a_concurrent_creator(pg_admin_url):
    from concurrent.futures import ThreadPoolExecutor

    name = "healer_race_" + __import__("uuid").uuid4().hex[:10]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: db.ensure_database(pg_admin_url, name), range(4)))
        with psycopg.connect(pg_admin_url) as conn:
            assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                                [name]).fetchone()[0] == 1
    finally:
        db.drop_database(pg_admin_url, name)


def _current_database(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT current_database()").fetchone()[0]


def test_commands_read_the_tasks_connection(monkeypatch, db_url):
    """In a worker only AIRFLOW_CONN_HEALER_DB is set: commands reach the tasks' database."""
    from healer_ops.connections import postgres_connection_json

    monkeypatch.delenv("HEALER_DATABASE_URL")
    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", postgres_connection_json(db_url))
    resolved = db.resolve()
    assert resolved.source == "Airflow connection healer_db"
    assert _current_database(resolved.url) == _current_database(db_url)


def _cli(*args, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("HEALER_DATABASE_URL", "AIRFLOW_CONN_HEALER_DB",
                          "AIRFLOW__CORE__EXECUTOR")}
    return subprocess.run([sys.executable, "-m", "healer_ops", *args], env=clean | env,
                          capture_output=True, text=True, timeout=120)


def test_a_worker_command_uses_the_connection_not_an_embedded_database(db_url):
    from healer_ops.connections import postgres_connection_json

    worker = {"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
              "AIRFLOW_CONN_HEALER_DB": postgres_connection_json(db_url)}
    result = _cli("db", "check", env=worker)
    assert result.returncode == 0, result.stderr
    name = _current_database(db_url)
    assert f"/{name}" in result.stdout and "from Airflow connection healer_db" in result.stdout
    assert "migrated" in result.stdout


def test_a_deployment_without_a_database_fails_loudly(monkeypatch, db_url):
    monkeypatch.delenv("HEALER_DATABASE_URL")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    with pytest.raises(db.DatabaseNotConfigured, match="AIRFLOW_CONN_HEALER_DB"):
        db.resolve_url()
    monkeypatch.delenv("AIRFLOW__CORE__EXECUTOR")
    with pytest.raises(db.DatabaseNotConfigured, match="inside Airflow"):
        db.resolve_url("healer_db")  # a DAG task never falls back to an embedded database
    result = _cli("db", "url", env={"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})
    assert result.returncode == 2 and "no Healer database is configured" in result.stderr
    assert result.stdout == ""


def test_a_connection_that_cannot_be_read_is_an_error_without_its_secret(monkeypatch, db_url):
    monkeypatch.setenv("AIRFLOW_CONN_HEALER_DB", '{"conn_type": "postgres", "password": "S3cr')
    with pytest.raises(RuntimeError, match="healer_db.*could not be read") as error:
        db.resolve_url()
    assert "S3cr" not in str(error.value)


def test_an_unreachable_configured_database_is_named(db_url):
    result = _cli("db", "check",
                  env={"HEALER_DATABASE_URL": "postgresql://healer:pw@127.0.0.1:1/healer"})
    assert result.returncode == 2
    assert "cannot reach postgresql://healer:***@127.0.0.1:1/healer" in result.stderr
    assert "from HEALER_DATABASE_URL" in result.stderr and ":pw@" not in result.stderr
