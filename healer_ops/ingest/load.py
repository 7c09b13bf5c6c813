"""Write validated metrics and rejected rows: binary COPY, upserts on natural keys."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from healer_ops import db
from healer_ops.db.pgcopy import binary_copy
from healer_ops.ingest.validate import QuarantinedRow


def known_site_ids(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute(db.query("ingest_known_sites"))}


# Wire types of the loaded columns (ingest_staging and site_metrics).
COPY_TYPES = {"site_id": "uuid", "observed_at": "timestamptz", "response_time_ms": "float8",
              "ttfb_ms": "float8", "page_size_bytes": "int8", "status_code": "int2",
              "error": "bool", "error_class": "text", "wsod_marker": "bool",
              "cert_expires_at": "timestamptz"}


def upsert_metrics(conn: psycopg.Connection, rows: pd.DataFrame, source: str, *,
                   append_when_new: bool = True) -> int:
    """Write `rows` (LOAD_COLUMNS, typed) into site_metrics, upserting on the natural key.

    The general path: binary COPY into a temp staging table, then INSERT ... ON CONFLICT
    (site_id, observed_at) DO UPDATE. When no site of the batch has any row yet inside the
    batch's time span for that site (new history, a fresh probe round), no row can conflict
    and the rows are appended with one binary COPY straight into site_metrics instead: the
    same result with half the server work. A row written concurrently in between makes that
    COPY fail on the primary key; it is then rolled back and the general path runs.

    Returns how many site_metrics rows were inserted or changed.
    """
    if rows.empty:
        return 0
    rows = in_key_order(rows)
    if append_when_new and not _may_conflict(conn, rows):
        try:
            with conn.transaction():  # a savepoint
                _copy(conn, "site_metrics", rows.assign(source=source),
                      COPY_TYPES | {"source": "text"})
            return len(rows)
        except psycopg.errors.UniqueViolation:
            pass
    conn.execute(db.query("ingest_staging"))
    _copy(conn, "ingest_staging", rows, COPY_TYPES)
    return conn.execute(db.query("ingest_upsert_metrics"), {"source": source}).rowcount


def _copy(conn: psycopg.Connection, table: str, rows: pd.DataFrame, types: dict) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(types)}) FROM STDIN (FORMAT binary)"
                            ) as copy:
        for chunk in binary_copy(rows, types):
            copy.write(chunk)


def _may_conflict(conn: psycopg.Connection, rows: pd.DataFrame) -> bool:
    """Whether a site of the batch already has a row within its time span in the batch."""
    spans = rows.groupby("site_id", sort=False)["observed_at"].agg(["min", "max"])
    return conn.execute(db.query("ingest_may_conflict"), {
        "site_ids": spans.index.tolist(),
        "firsts": spans["min"].dt.to_pydatetime().tolist(),
        "lasts": spans["max"].dt.to_pydatetime().tolist()}).fetchone()[0]


def in_key_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by (site_id, observed_at): writes then walk the primary key's index in
    order instead of jumping around it (about a fifth less server time, measured)."""
    sites, _ = pd.factorize(rows["site_id"], sort=True)
    times = rows["observed_at"].to_numpy("datetime64[us]").view(np.int64)
    return rows.iloc[np.lexsort((times, sites))]


def upsert_quarantine(conn: psycopg.Connection, source: str, rows: list[QuarantinedRow],
                      run_id: str | None) -> None:
    """Keep every rejected row verbatim with its reasons, once per (source, locator)."""
    if not rows:
        return
    conn.execute(db.query("ingest_quarantine_staging"))
    with conn.cursor().copy("COPY ingest_quarantine_staging (source, locator, raw, reasons,"
                            " run_id) FROM STDIN") as copy:
        copy.set_types(["text", "text", "text", "text[]", "text"])
        for row in rows:
            copy.write_row((_storable(source), _storable(row.locator),
                            json.dumps(_storable(row.raw), ensure_ascii=False),
                            [_storable(reason) for reason in row.reasons], run_id))
    conn.execute(db.query("ingest_upsert_quarantine"))


def _storable(value: Any) -> Any:
    """PostgreSQL text and jsonb cannot hold NUL: it is kept as the visible escape \\u0000."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # NaN and Infinity are not JSON
        return repr(value)
    return value
