"""PostgreSQL's binary COPY format with numpy, both ways (a million rows in milliseconds).

Writing (``binary_copy``): frames to COPY data. Reading (``read_array_rows``): the rows of a
query that returns (text, array, array, ...) into numpy arrays, with no per-value Python
object (a fleet-week of metrics is millions of values).

Rows with the same null pattern (and the same text values) share one fixed binary layout,
so each such group is one numpy structured array; metrics have only a handful of groups.
pyarrow's CSV writer took seconds for the same rows, formatting floats and times as text.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = SIGNATURE + b"\x00" * 8
TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 (PostgreSQL's epoch) in Unix microseconds
_FIXED = {"uuid": "S16", "timestamptz": ">i8", "float8": ">f8", "int8": ">i8",
          "int2": ">i2", "bool": "u1"}


def binary_copy(frame: pd.DataFrame, types: dict[str, str],
                chunk_rows: int = 200_000) -> Iterator[bytes]:
    """The frame's columns `types` (name -> uuid|timestamptz|float8|int8|int2|bool|text),
    in that order, as binary COPY data. Rows keep their order within a null pattern."""
    yield HEADER
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start:start + chunk_rows]
        columns = {name: _encode(part[name], kind) for name, kind in types.items()}
        for positions, layout in _groups(columns, len(part)):
            yield _pack(columns, types, positions, layout).tobytes()
    yield TRAILER


def _encode(series: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(values in wire form, null mask)."""
    nulls = series.isna().to_numpy(bool)
    if kind == "uuid":
        codes, uniques = pd.factorize(series)
        wire = np.array([uuid.UUID(u).bytes for u in uniques] + [b"\x00" * 16], "S16")
        return wire[codes], nulls  # code -1 (null) takes the last entry
    if kind == "timestamptz":
        micros = series.dt.tz_convert("UTC").to_numpy("datetime64[us]").view(np.int64)
        return micros - _PG_EPOCH_US, nulls
    if kind == "text":  # few distinct values (a class, a source): encode each once
        codes, uniques = pd.factorize(series)
        encoded = np.array([str(u).encode("utf-8") for u in uniques] + [b""], dtype=object)
        return encoded[codes], nulls
    if kind == "bool":
        return series.to_numpy(bool, na_value=False), nulls
    dtype = "float64" if kind == "float8" else "int64"
    return series.to_numpy(dtype, na_value=0), nulls


def _groups(columns: dict, length: int):
    """(row positions, {column: text length or None for null}) per distinct layout."""
    key = np.zeros(length, np.int64)
    texts = {}
    for name, (values, nulls) in columns.items():
        key = key * 2 + nulls
        if values.dtype == object:  # text: the value is part of the layout
            codes, uniques = pd.factorize(values)
            key = key * (len(uniques) + 1) + codes
            texts[name] = values
    layouts, inverse = np.unique(key, return_inverse=True)
    for group in range(len(layouts)):
        positions = np.flatnonzero(inverse == group)
        first = positions[0]
        layout = {name: (None if nulls[first] else
                         (len(values[first]) if name in texts else "fixed"))
                  for name, (values, nulls) in columns.items()}
        yield positions, layout


def _pack(columns: dict, types: dict, positions: np.ndarray, layout: dict) -> np.ndarray:
    fields = [("count", ">i2")]
    for name in columns:
        fields.append((name + "_len", ">i4"))
        if layout[name] == "fixed":
            fields.append((name, _FIXED[types[name]]))
        elif layout[name]:  # a non-empty text
            fields.append((name, f"S{layout[name]}"))
    out = np.empty(len(positions), np.dtype(fields))
    out["count"] = len(columns)
    for name, (values, _) in columns.items():
        if layout[name] is None:
            out[name + "_len"] = -1
        elif types[name] == "text":
            out[name + "_len"] = layout[name]
            if layout[name]:
                out[name] = values[positions[0]]  # one text value per layout
        else:
            out[name + "_len"] = out.dtype[name].itemsize
            out[name] = values[positions]
    return out


# ------------------------------------------------------------------------------ reading

_POSTGRES_EPOCH_S = 946_684_800  # 2000-01-01 in Unix seconds
_INT64_MIN = np.iinfo(np.int64).min


def read_array_rows(conn, sql: str, params: dict) -> list[tuple[str, list[np.ndarray]]]:
    """Rows of (text, array, array, ...) of ``sql``, read with one binary COPY."""
    buf = bytearray()
    with conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
        for chunk in copy:
            buf += chunk
    return parse_array_rows(bytes(buf))


def parse_array_rows(data: bytes) -> list[tuple[str, list[np.ndarray]]]:
    """Binary COPY data of (text, array, ...) rows as (text, [numpy arrays])."""
    if not data.startswith(SIGNATURE):
        raise RuntimeError("unexpected COPY binary header from PostgreSQL")
    (extension,) = struct.unpack_from(">i", data, 15)
    pos = 19 + extension
    rows = []
    while True:
        (fields,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if fields == -1:
            return rows
        (length,) = struct.unpack_from(">i", data, pos)
        text = data[pos + 4:pos + 4 + length].decode()
        pos += 4 + length
        arrays = []
        for _ in range(fields - 1):
            (length,) = struct.unpack_from(">i", data, pos)
            arrays.append(_parse_array(data, pos + 4))
            pos += 4 + length
        rows.append((text, arrays))


def _parse_array(data: bytes, pos: int) -> np.ndarray:
    """A one-dimensional float8, int2 or timestamptz (as epoch seconds, -infinity = NaN)
    array without NULLs, in PostgreSQL's binary format."""
    ndim, has_null, oid = struct.unpack_from(">iii", data, pos)
    code = {701: ">f8", 21: ">i2", 1184: ">i8"}[oid]
    if has_null:
        raise ValueError("binary COPY arrays must not hold NULL elements")
    if ndim == 0:
        return np.empty(0)
    (count,) = struct.unpack_from(">i", data, pos + 12)
    element = np.dtype([("length", ">i4"), ("value", code)])
    values = np.frombuffer(data, dtype=element, count=count, offset=pos + 20)["value"]
    if oid != 1184:
        return values.astype(code[1:])
    seconds = values.astype(np.int64) / 1e6 + _POSTGRES_EPOCH_S
    return np.where(values == _INT64_MIN, np.nan, seconds)
