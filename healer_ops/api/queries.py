"""What every route module shares: rows of a named query as JSON-ready dicts."""

from __future__ import annotations

from decimal import Decimal

from psycopg.rows import dict_row

from healer_ops import db


def rows(query_name: str, params: dict) -> list[dict]:
    with db.connect(db.resolve_url("healer_db")) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(db.query(query_name), params)
        return [jsonable(row) for row in cur.fetchall()]


def jsonable(row: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
