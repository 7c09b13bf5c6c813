"""Write validated metrics and rejected rows: COPY into staging, then upsert on natural keys."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pandas as pd
import psycopg

from healer_ops import db
from healer_ops.ingest.columns import LOAD_COLUMNS
from healer_ops.ingest.validate import QuarantinedRow

COPY_CHUNK_ROWS = 200_000


def known_site_ids(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute(db.query("ingest_known_sites"))}


def upsert_metrics(conn: psycopg.Connection, rows: pd.DataFrame, source: str) -> int:
    """COPY `rows` (LOAD_COLUMNS, typed) into staging and upsert them into site_metrics.

    Returns how many site_metrics rows were inserted or changed.
    """
    if rows.empty:
        return 0
    conn.execute(db.query("ingest_staging"))
    columns = ", ".join(LOAD_COLUMNS)
    with conn.cursor().copy(f"COPY ingest_staging ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for chunk in csv_chunks(rows[list(LOAD_COLUMNS)]):
            copy.write(chunk)
    return conn.execute(db.query("ingest_upsert_metrics"), {"source": source}).rowcount


def csv_chunks(frame: pd.DataFrame):
    """The frame as headerless CSV, in chunks (pyarrow's writer: nulls are empty fields)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = pacsv.WriteOptions(include_header=False)
    for batch in table.to_batches(max_chunksize=COPY_CHUNK_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, options)
        yield buffer.getbuffer()


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
