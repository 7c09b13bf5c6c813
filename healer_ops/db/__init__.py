"""Where the database comes from, how to connect, and the schema migrations.

Resolution order (DESIGN.md), the same for DAG tasks and `healer-ops` commands:
1. the Airflow connection `healer_db`: inside DAG tasks (and the API plugin) through
   Airflow's secrets backends; in commands too wherever Airflow may define it
   (`AIRFLOW_CONN_HEALER_DB` set, as compose and `healer-ops cluster` set it for every
   Airflow process, or a secrets backend configured), so a command on a worker reaches the
   tasks' database;
2. the `HEALER_DATABASE_URL` environment variable;
3. an embedded PostgreSQL started from the ``pgserver`` wheel under ``.healer/pg`` so a fresh
   machine needs no database installed, but only where no deployment is configured: inside
   Airflow (a caller that names a connection) or under a distributed executor
   (`AIRFLOW__CORE__EXECUTOR`), resolution fails naming what is missing instead.
A connection that is defined but cannot be read fails too; nothing falls through in silence.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

HEALER_CONN_ID = "healer_db"
# Executors whose tasks run on other machines: a private embedded database there is a bug.
DISTRIBUTED_EXECUTORS = ("CeleryExecutor", "KubernetesExecutor", "EdgeExecutor",
                         "CeleryKubernetesExecutor")


class DatabaseNotConfigured(RuntimeError):
    """A deployment is configured but names no Healer database."""


@dataclass(frozen=True)
class Resolved:
    url: str
    source: str  # "Airflow connection healer_db", "HEALER_DATABASE_URL" or "embedded"


def resolve_url(airflow_conn_id: str | None = None) -> str:
    """The database URL in use (see the module's resolution order)."""
    return resolve(airflow_conn_id).url


def resolve(airflow_conn_id: str | None = None) -> Resolved:
    """The database URL in use and where it came from. `airflow_conn_id`: the caller runs
    inside Airflow (a DAG task, the API plugin) and reads that connection."""
    conn_id = airflow_conn_id or HEALER_CONN_ID
    if airflow_conn_id or _airflow_may_define(conn_id):
        url = airflow_connection_url(conn_id)
        if url:
            return Resolved(url, f"Airflow connection {conn_id}")
    configured = os.environ.get("HEALER_DATABASE_URL") or get_settings().database_url
    if configured:
        return Resolved(configured, "HEALER_DATABASE_URL")
    deployment = _deployment(airflow_conn_id)
    if deployment:
        raise DatabaseNotConfigured(
            f"{deployment}, but no Healer database is configured: define the Airflow "
            f"connection {conn_id} (AIRFLOW_CONN_{conn_id.upper()}) or set HEALER_DATABASE_URL"
            f" (the embedded PostgreSQL is for a single machine without configuration)")
    from healer_ops.db.embedded import embedded_url

    _say_embedded_once()
    return Resolved(embedded_url(), "embedded")


def _airflow_may_define(conn_id: str) -> bool:
    return bool(os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
                or os.environ.get("AIRFLOW__SECRETS__BACKEND"))


def _deployment(airflow_conn_id: str | None) -> str | None:
    """Why this process is part of a deployment (None: a developer's machine)."""
    if airflow_conn_id:
        return f"this runs inside Airflow (connection {airflow_conn_id} requested)"
    executor = os.environ.get("AIRFLOW__CORE__EXECUTOR", "")
    if any(name in executor for name in DISTRIBUTED_EXECUTORS):
        return f"this process belongs to an Airflow deployment ({executor})"
    return None


@lru_cache(maxsize=1)
def _say_embedded_once() -> None:
    log.info("no database configured (healer_db connection, HEALER_DATABASE_URL): "
             "using the embedded PostgreSQL")


def airflow_connection_url(conn_id: str) -> str | None:
    """The libpq URL of an Airflow connection, or None when Airflow or the connection is
    absent (a connection that exists but cannot be read raises)."""
    from healer_ops.connections import airflow_connection

    conn = airflow_connection(conn_id)
    if conn is None:
        return None
    params = {"host": conn.host, "port": conn.port, "user": conn.login,
              "password": conn.password, "dbname": conn.schema}
    params.update({k: v for k, v in conn.extra.items() if k in _LIBPQ_EXTRA_KEYS})
    return conninfo_to_url(make_conninfo(**{k: v for k, v in params.items() if v is not None}))


_LIBPQ_EXTRA_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "options", "connect_timeout",
                     "application_name", "host"}


def conninfo_to_url(conninfo: str) -> str:
    """A postgresql:// URL for any libpq conninfo (so `psql "$(healer-ops db url)"` works)."""
    if conninfo.startswith(("postgresql://", "postgres://")):
        return conninfo
    params = conninfo_to_dict(conninfo)
    host = params.pop("host", "") or ""
    port = params.pop("port", None)
    user = params.pop("user", "")
    password = params.pop("password", None)
    dbname = params.pop("dbname", "")
    auth = quote(user) + (":" + quote(password) if password else "") + "@" if user else ""
    query = []
    if host.startswith("/"):  # a unix socket folder goes in the query string
        query.append("host=" + host)
        host = ""
    netloc = auth + host + (f":{port}" if port and host else "")
    if port and not host:
        query.append(f"port={port}")
    query += [f"{k}={quote(str(v))}" for k, v in params.items()]
    return urlunsplit(("postgresql", netloc, "/" + dbname, "&".join(query), ""))


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))


def ensure_database(admin_url: str, dbname: str) -> None:
    """CREATE DATABASE unless it exists (the admin URL points at any existing database)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            # another process may create it between our check and our CREATE
            with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{dbname}"')


def drop_database(admin_url: str, dbname: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    """A psycopg 3 connection (not autocommit: callers commit their unit of work)."""
    return psycopg.connect(url or resolve_url(), **kwargs)


@contextmanager
def transaction(url: str | None = None):
    """A connection that commits when the block ends normally and rolls back otherwise."""
    with connect(url) as conn:
        yield conn


def query(name: str) -> str:
    """The text of a named query, include/sql/queries/<name>.sql (read once per process)."""
    return sql_file(get_settings().sql_dir / "queries" / f"{name}.sql")


@lru_cache(maxsize=512)
def sql_file(path: Path) -> str:
    """The text of an SQL file, cached: queries are read on every call of hot paths."""
    return Path(path).read_text(encoding="utf-8")


# Re-exported: `from healer_ops import db; db.migrate(url)` is how callers use them.
from healer_ops.db.embedded import EMBEDDED_DATABASE, embedded_url  # noqa: E402
from healer_ops.db.migrations import MigrationEdited, migrate, migrations_dir  # noqa: E402
from healer_ops.db.pool import close_pools, pooled  # noqa: E402

__all__ = ["EMBEDDED_DATABASE", "HEALER_CONN_ID", "DatabaseNotConfigured", "MigrationEdited",
           "Resolved", "close_pools", "connect", "conninfo_to_url", "drop_database",
           "embedded_url", "ensure_database", "migrate", "migrations_dir", "pooled", "query",
           "resolve", "resolve_url", "sql_file", "transaction", "with_database"]
