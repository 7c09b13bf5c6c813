"""Where the database comes from, how to connect, and the schema migrations.

Resolution order (DESIGN.md): the Airflow connection ``healer_db`` (inside DAG tasks), the
``HEALER_DATABASE_URL`` environment variable, else an embedded PostgreSQL started from the
``pgserver`` wheel under ``.healer/pg`` so a fresh machine needs no database installed.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

def resolve_url(airflow_conn_id: str | None = None) -> str:
    """The database URL in use: Airflow connection, else HEALER_DATABASE_URL, else embedded."""
    if airflow_conn_id:
        url = airflow_connection_url(airflow_conn_id)
        if url:
            return url
    configured = os.environ.get("HEALER_DATABASE_URL") or get_settings().database_url
    if configured:
        return configured
    from healer_ops.db.embedded import embedded_url

    return embedded_url()


def airflow_connection_url(conn_id: str) -> str | None:
    """The libpq URL of an Airflow connection, or None when Airflow or the connection is absent."""
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

__all__ = ["EMBEDDED_DATABASE", "MigrationEdited", "connect", "conninfo_to_url",
           "drop_database", "embedded_url", "ensure_database", "migrate", "migrations_dir", "query",
           "resolve_url", "sql_file", "transaction", "with_database"]
