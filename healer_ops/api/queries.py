"""What every route module shares: named queries as JSON-ready dicts, on the Healer database
(through the process's connection pool)."""

from __future__ import annotations

from decimal import Decimal

from psycopg.rows import dict_row

from healer_ops import db


def database_url() -> str:
    return db.resolve_url("healer_db")


def connection():
    """A connection of this process's pool (healer_ops.db.pool) to the Healer database, for
    one request: commits when the block ends normally, rolls back on an exception."""
    return db.pooled(database_url())


def rows(query_name: str, params: dict) -> list[dict]:
    with connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(db.query(query_name), params)
        return [jsonable(row) for row in cur.fetchall()]


def one(query_name: str, params: dict) -> dict | None:
    found = rows(query_name, params)
    return found[0] if found else None


def page(query_name: str, params: dict) -> dict:
    """A page of a query that selects `total` (count(*) OVER ()) beside its rows."""
    found = rows(query_name, params)
    total = found[0]["total"] if found else count_beyond(query_name, params)
    items = [{k: v for k, v in row.items() if k != "total"} for row in found]
    offset, limit = params["offset"], params["limit"]
    after = offset + len(items)
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": after if after < total else None}


def count_beyond(query_name: str, params: dict) -> int:
    """The total of a filtered set when the page asked for lies past its end."""
    if params["offset"] == 0:
        return 0
    first = rows(query_name, {**params, "offset": 0, "limit": 1})
    return first[0]["total"] if first else 0


def jsonable(row: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
