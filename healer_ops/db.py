"""Where the database comes from, how to connect, and the schema migrations.

Resolution order (DESIGN.md): the Airflow connection ``healer_db`` (inside DAG tasks), the
``HEALER_DATABASE_URL`` environment variable, else an embedded PostgreSQL started from the
``pgserver`` wheel under ``.healer/pg`` so a fresh machine needs no database installed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "healer"


class MigrationEdited(RuntimeError):
    """An applied migration file no longer matches what was applied."""


def resolve_url(airflow_conn_id: str | None = None) -> str:
    """The database URL in use: Airflow connection, else HEALER_DATABASE_URL, else embedded."""
    if airflow_conn_id:
        url = airflow_connection_url(airflow_conn_id)
        if url:
            return url
    configured = os.environ.get("HEALER_DATABASE_URL") or get_settings().database_url
    return configured or embedded_url()


def airflow_connection_url(conn_id: str) -> str | None:
    """The libpq URL of an Airflow connection, or None when Airflow or the connection is absent."""
    try:
        from airflow.sdk import BaseHook
    except ImportError:
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException and friends: fall back to the next source
        return None
    params = {
        "host": conn.host or None,
        "port": conn.port or None,
        "user": conn.login or None,
        "password": conn.password or None,
        "dbname": conn.schema or None,
    }
    extra = conn.extra_dejson or {}
    params.update({k: v for k, v in extra.items() if k in _LIBPQ_EXTRA_KEYS})
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


@lru_cache(maxsize=4)
def embedded_url(home: Path | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL under HEALER_HOME/pg; its `healer` database URL."""
    pgdata = Path(home or get_settings().home) / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs at interpreter exit
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on servers
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode=None)  # keeps running for psql
    admin_url = server.get_uri()
    ensure_database(admin_url, EMBEDDED_DATABASE)
    return with_database(admin_url, EMBEDDED_DATABASE)


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
    """The text of a named query, include/sql/queries/<name>.sql."""
    path = get_settings().sql_dir / "queries" / f"{name}.sql"
    return path.read_text()


# --- migrations -------------------------------------------------------------------------

CHECKSUM_TABLE = "healer_migration_checksums"


def migrations_dir() -> Path:
    return get_settings().sql_dir / "migrations"


def migrate(url: str | None = None) -> list[str]:
    """Apply pending migrations in order with yoyo; refuse if an applied file was edited.

    Returns the ids of the migrations applied by this call (empty when up to date).
    """
    from yoyo import get_backend, read_migrations

    url = url or resolve_url()
    backend = get_backend(_yoyo_url(url))
    try:
        return _migrate(backend, read_migrations(str(migrations_dir())))
    finally:
        backend.connection.close()  # an idle session would block CREATE DATABASE ... TEMPLATE


def _migrate(backend, migrations) -> list[str]:
    with backend.lock():
        _ensure_checksum_table(backend)
        recorded = dict(backend.execute(f"SELECT migration_id, sha256 FROM {CHECKSUM_TABLE}")
                        .fetchall())
        current = {m.id: _sha256(Path(m.path)) for m in migrations}
        applied_ids = {m.id for m in migrations if backend.is_applied(m)}
        for mid in sorted(applied_ids):
            if mid in recorded and recorded[mid] != current[mid]:
                raise MigrationEdited(
                    f"migration {mid} ({migrations_dir() / (mid + '.sql')}) was edited after it "
                    f"was applied: recorded sha256 {recorded[mid][:12]}, file now "
                    f"{current[mid][:12]}. Restore the file and add a new migration instead."
                )
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
        with backend.transaction():
            for m in migrations:
                if m.id not in recorded:
                    backend.execute(
                        f"INSERT INTO {CHECKSUM_TABLE} (migration_id, sha256) VALUES (:id, :sha)"
                        " ON CONFLICT (migration_id) DO NOTHING",
                        {"id": m.id, "sha": current[m.id]},
                    )
    applied = [m.id for m in pending]
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return applied


def _ensure_checksum_table(backend) -> None:
    with backend.transaction():
        backend.execute(
            f"CREATE TABLE IF NOT EXISTS {CHECKSUM_TABLE} (migration_id text PRIMARY KEY,"
            " sha256 text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())"
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _yoyo_url(url: str) -> str:
    """yoyo's URL for the psycopg 3 backend."""
    url = conninfo_to_url(url)
    return "postgresql+psycopg://" + url.split("://", 1)[1]
