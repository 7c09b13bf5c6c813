"""Schema migrations: plain SQL files applied in order by yoyo, each file's checksum recorded.

`migrate(url)` applies the product's include/sql/migrations. yoyo does not notice an applied
file that was edited; the checksums do, and migrate refuses, naming the file. The same code
applies another folder of migrations into a schema of its own (the devkit's), whose yoyo
bookkeeping and checksums then live in that schema.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

CHECKSUM_TABLE = "healer_migration_checksums"


class MigrationEdited(RuntimeError):
    """An applied migration file no longer matches what was applied."""


def migrations_dir() -> Path:
    return get_settings().sql_dir / "migrations"


def migrate(url: str | None = None, *, folder: Path | None = None,
            schema: str | None = None) -> list[str]:
    """Apply pending migrations in order with yoyo; refuse if an applied file was edited.

    `folder` and `schema` apply another set of migrations with its search_path set to that
    schema (created if missing). Returns the ids of the migrations applied by this call
    (empty when up to date).
    """
    from yoyo import get_backend, read_migrations

    from healer_ops.db import resolve_url

    url = url or resolve_url()
    folder = Path(folder or migrations_dir())
    yoyo_url = _yoyo_url(url)
    if schema:
        _create_schema(url, schema)
        yoyo_url += ("&" if "?" in yoyo_url else "?") + f"schema={schema}"
    backend = get_backend(yoyo_url)
    try:
        return _migrate(backend, read_migrations(str(folder)), folder)
    finally:
        backend.connection.close()  # an idle session would block CREATE DATABASE ... TEMPLATE


def _migrate(backend, migrations, folder: Path) -> list[str]:
    with backend.lock():
        _ensure_checksum_table(backend)
        recorded = dict(backend.execute(f"SELECT migration_id, sha256 FROM {CHECKSUM_TABLE}")
                        .fetchall())
        current = {m.id: _sha256(Path(m.path)) for m in migrations}
        applied_ids = {m.id for m in migrations if backend.is_applied(m)}
        for mid in sorted(applied_ids):
            if mid in recorded and recorded[mid] != current[mid]:
                raise MigrationEdited(
                    f"migration {mid} ({folder / (mid + '.sql')}) was edited after it "
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
    from healer_ops.db import conninfo_to_url

    url = conninfo_to_url(url)
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _create_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
