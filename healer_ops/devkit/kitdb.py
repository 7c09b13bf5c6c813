"""The devkit's own SQL: its schema (`devkit`, the demo fleet's ground truth) and queries,
under include/sql/devkit. The product never reads them."""

from __future__ import annotations

from pathlib import Path

from healer_ops import db
from healer_ops.settings import get_settings

SCHEMA = "devkit"


def kit_sql_dir() -> Path:
    return get_settings().sql_dir / "devkit"


def migrate(url: str) -> list[str]:
    """The product's migrations, then the devkit's (its ground-truth tables need the product's)."""
    applied = db.migrate(url)
    return applied + db.migrate(url, folder=kit_sql_dir() / "migrations", schema=SCHEMA)


def query(name: str) -> str:
    """The text of a devkit query, include/sql/devkit/queries/<name>.sql."""
    return db.sql_file(kit_sql_dir() / "queries" / f"{name}.sql")
