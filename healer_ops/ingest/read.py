"""Read metric files (CSV, JSON Lines, Parquet) into text batches, keeping every row's origin.

Values stay text as they arrived, so that a rejected row can be quarantined verbatim and the
validation decides what a value means. Two kinds of trouble are told apart:

* a file that cannot be parsed at all (not UTF-8, a line that is not JSON, a CSV quote never
  closed, an unreadable Parquet file, a header without the required columns) raises
  `IngestFileError` naming the file and line, before anything is loaded;
* a row that parses but does not fit the header (a CSV line with too many or too few fields,
  a JSON line that is not an object) becomes a malformed row, quarantined with the rest.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healer_ops.ingest.columns import ALL_COLUMNS, REQUIRED_COLUMNS
from healer_ops.ingest.drop import SUFFIXES


class IngestFileError(ValueError):
    """A metrics file that cannot be parsed at all; nothing of it is loaded."""


@dataclass
class MalformedRow:
    locator: str
    raw: Any
    reason: str


@dataclass
class RawBatch:
    """The rows of one input: a text frame, where each row came from, and its raw form."""

    source: str
    frame: pd.DataFrame  # one text column per input column; None where a value is absent
    numbers: np.ndarray  # where each frame row is: its line (or row) number in the file
    malformed: list[MalformedRow] = field(default_factory=list)
    records: list | None = None  # the rows as they arrived, when the frame is not that (JSONL)
    unit: str = "line"  # what `numbers` count: "line", "row"; or "" when labels are given
    labels: list[str] | None = None  # explicit locators (probes)

    def __len__(self) -> int:
        return len(self.frame) + len(self.malformed)

    def locator(self, position: int) -> str:
        """Where row `position` of the frame came from: "line 17", "row 3", ..."""
        if self.labels is not None:
            return self.labels[position]
        return f"{self.unit} {self.numbers[position]}"

    def take(self, mask: np.ndarray) -> RawBatch:
        """The rows where `mask` is true (malformed rows are kept)."""
        positions = np.flatnonzero(mask)
        return RawBatch(
            self.source, self.frame.iloc[positions].reset_index(drop=True),
            self.numbers[positions], self.malformed,
            None if self.records is None else [self.records[i] for i in positions],
            self.unit,
            None if self.labels is None else [self.labels[i] for i in positions])

    def raw(self, position: int) -> Any:
        """Row `position` of the frame as it arrived (for the quarantine)."""
        if self.records is not None:
            return self.records[position]
        row = self.frame.iloc[position]
        return {name: (None if pd.isna(value) else value) for name, value in row.items()}


def read_metrics_file(path: str | Path) -> RawBatch:
    """Read one file by its suffix (.csv, .jsonl, .parquet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestFileError(f"{path}: unsupported file type {suffix!r} "
                              f"(expected one of {', '.join(SUFFIXES)})")
    try:
        if suffix == ".parquet":
            return read_parquet(path)
        data = path.read_bytes()
    except OSError as exc:
        raise IngestFileError(f"{path}: cannot read the file: {exc}") from exc
    return read_jsonl(path, data) if suffix == ".jsonl" else read_csv(path, data)


# --- CSV --------------------------------------------------------------------------------

def read_csv(path: Path, data: bytes) -> RawBatch:
    data = _text_bytes(path, data)
    header_line, header = _csv_header(path, data)
    if header is None:
        return _empty_batch(path)
    _check_columns(path, header, f"line {header_line} (header)")
    if b'"' in data and _quoted_newlines(data, _newlines(data)):
        return _read_csv_exact(path, data, header)
    return _read_csv_fast(path, data, header)


def _newlines(data: bytes) -> np.ndarray:
    return np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))


def _text_bytes(path: Path, data: bytes) -> bytes:
    """UTF-8 bytes without BOM and with \\n line ends; an error names the first bad line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestFileError(f"{path}: line {line}: not UTF-8 text ({exc.reason} at byte "
                              f"{exc.start})") from exc
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _csv_header(path: Path, data: bytes) -> tuple[int, list[str] | None]:
    """(1-based line, column names) of the first non-empty line; (0, None) for no lines."""
    offset, line = 0, 1
    while offset < len(data) and data[offset:offset + 1] == b"\n":
        offset, line = offset + 1, line + 1
    if offset >= len(data):
        return 0, None
    end = data.find(b"\n", offset)
    text = data[offset:] if end < 0 else data[offset:end]
    try:
        names = next(csv.reader([text.decode("utf-8")], strict=True))
    except csv.Error as exc:
        raise IngestFileError(f"{path}: line {line} (header): {exc}") from exc
    return line, [name.strip() for name in names]


def _check_columns(path: Path, names: list[str], where: str) -> None:
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise IngestFileError(f"{path}: {where}: column(s) named twice: {', '.join(duplicated)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise IngestFileError(
            f"{path}: {where}: missing required column(s) {', '.join(missing)} "
            f"(found: {', '.join(names) or 'none'}; required: {', '.join(REQUIRED_COLUMNS)})")


def _quoted_newlines(data: bytes, newlines: np.ndarray) -> bool:
    """Whether a quoted value may span lines: some line holds an odd number of quotes."""
    quotes = np.flatnonzero(np.frombuffer(data, np.uint8) == ord('"'))
    if quotes.size == 0:
        return False
    per_line = np.bincount(np.searchsorted(newlines, quotes))
    return bool((per_line % 2).any())


def _read_csv_fast(path: Path, data: bytes, header: list[str]) -> RawBatch:
    """pyarrow's parser (threaded); valid only when no value spans lines."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def parse(threads: bool, invalid: list):
        def on_invalid(row) -> str:
            invalid.append(row)
            return "skip"

        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False))

    invalid: list = []
    try:
        table = parse(True, invalid)
        if invalid:  # the threaded reader does not number rows: read again to number them
            invalid = []
            table = parse(False, invalid)
    except pa.ArrowInvalid:  # the csv module names the line that is wrong
        return _read_csv_exact(path, data, header)
    if not invalid and not data.startswith(b"\n") and b"\n\n" not in data:
        data_lines = np.arange(2, table.num_rows + 2)  # one row per line after the header
        bad_lines = []
    else:
        newlines = _newlines(data)
        starts = np.r_[0, newlines + 1]
        ends = np.r_[newlines, len(data)]
        nonempty = np.flatnonzero(ends > starts) + 1  # 1-based physical lines with content
        # pyarrow numbers rows 1, 2, ... over the non-empty lines, the header included
        bad_lines = [int(nonempty[row.number - 1]) for row in invalid]
        data_lines = nonempty[1:]
        if bad_lines:
            data_lines = data_lines[~np.isin(data_lines, bad_lines)]
    if len(data_lines) != table.num_rows:  # the line bookkeeping disagrees: take the slow road
        return _read_csv_exact(path, data, header)
    malformed = [MalformedRow(f"line {number}", {"line": row.text},
                              f"{row.actual_columns} field(s), the header has "
                              f"{row.expected_columns}")
                 for number, row in zip(bad_lines, invalid, strict=True)]
    frame = table.to_pandas()
    return RawBatch(str(path), frame, data_lines, malformed)


def _read_csv_exact(path: Path, data: bytes, header: list[str]) -> RawBatch:
    """The csv module, line by line: slower, exact line numbers, values may span lines."""
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    seen_header = False
    previous_end = 0
    try:
        for record in reader:
            first_line, previous_end = previous_end + 1, reader.line_num
            if not record:
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(record) != len(header):
                malformed.append(MalformedRow(
                    f"line {first_line}", {"fields": record},
                    f"{len(record)} field(s), the header has {len(header)}"))
                continue
            rows.append(record)
            lines.append(first_line)
    except csv.Error as exc:  # the record that failed starts after the previous one
        hint = (" (a quoted value that starts here is never closed)"
                if "end of data" in str(exc) else "")
        raise IngestFileError(f"{path}: line {previous_end + 1}: {exc}{hint}") from exc
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    frame = pd.DataFrame({name: pd.array(list(values), dtype="str")
                          for name, values in zip(header, columns, strict=True)})
    return RawBatch(str(path), frame, np.array(lines, dtype=np.int64), malformed)


def _empty_batch(path: Path) -> RawBatch:
    frame = pd.DataFrame({name: pd.array([], dtype="str") for name in ALL_COLUMNS})
    return RawBatch(str(path), frame, np.array([], dtype=np.int64))


# --- JSON Lines -------------------------------------------------------------------------

def read_jsonl(path: Path, data: bytes) -> RawBatch:
    text = _text_bytes(path, data).decode("utf-8")
    records: list[dict] = []
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestFileError(f"{path}: line {number}: not valid JSON ({exc.msg} at "
                                  f"column {exc.colno})") from exc
        if isinstance(value, dict):
            records.append(value)
            lines.append(number)
        else:
            malformed.append(MalformedRow(f"line {number}", value,
                                          f"a JSON {type(value).__name__}, not an object"))
    names = list(dict.fromkeys(key for record in records for key in record))
    if records:
        _check_columns(path, names, "keys of all lines")
    names = names or list(ALL_COLUMNS)
    frame = pd.DataFrame({name: pd.array([_as_text(r.get(name)) for r in records], dtype="str")
                          for name in names})
    return RawBatch(str(path), frame, np.array(lines, dtype=np.int64), malformed, records)


def _as_text(value: Any) -> str | None:
    """A JSON value as the text a CSV would hold (nested values stay JSON, and fail types)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)


# --- Parquet ----------------------------------------------------------------------------

def read_parquet(path: Path) -> RawBatch:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestFileError(f"{path}: not a readable Parquet file: {exc}") from exc
    _check_columns(path, [n.strip() for n in table.column_names], "schema")
    table = table.rename_columns([n.strip() for n in table.column_names])
    frame = pd.DataFrame({name: pd.array(_parquet_text(table.column(name)), dtype="str")
                          for name in table.column_names})
    records = [_jsonable_row(row) for row in table.to_pylist()]
    return RawBatch(str(path), frame, np.arange(1, table.num_rows + 1), [], records, unit="row")


def _parquet_text(column) -> list[str | None]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    try:
        return pc.cast(column, pa.string()).to_pylist()
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return [_as_text(_jsonable(v)) for v in column.to_pylist()]


def _jsonable_row(row: dict) -> dict:
    return {key: _jsonable(value) for key, value in row.items()}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return _jsonable_row(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    return value
