"""Reading and writing the `healer-ops detect` CSV files (the NAB format).

Input: a header with ``timestamp`` and ``value`` (other columns are ignored), one row per
observation in time order. Output: ``timestamp,value,anomaly_score,alert``, one row per input
row, timestamp and value echoed verbatim.

Bad input is refused with a :class:`SeriesInputError` naming the file line: a missing column,
a value that is not a number, a timestamp that cannot be parsed. Timestamps are ISO 8601
(NAB's ``YYYY-MM-DD HH:MM:SS``, with or without a zone; no zone reads as UTC), other date
spellings pandas reads, or, when every one of them is, Unix epoch numbers (seconds, or
milliseconds from 10^11 on, as metric stores often export them). Rows are scored in file
order ("causal" means: row t sees the rows above it); a timestamp earlier than the row
before it (real NAB files have a few) is accepted and counted as ``out_of_order``.
An empty value (or NaN/null/NA) is a missing observation: the row is kept in the output with
score 0 and alert 0 and is left out of the detector's history.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MISSING_MARKERS = {"", "nan", "null", "na", "n/a", "none"}
EPOCH = re.compile(r"\d{9,13}(\.\d+)?")  # 1973 to 2286 in seconds, 1973 on in milliseconds
EPOCH_MILLISECONDS_FROM = 1e11  # 5138 in seconds, 1973 in milliseconds


class SeriesInputError(ValueError):
    """The input series is malformed; the message names the file line and the problem."""


@dataclass
class Series:
    """One input series: verbatim text of each row plus the parsed values."""

    timestamp_text: list[str]
    value_text: list[str]
    timestamps: pd.DatetimeIndex
    values: np.ndarray  # float, NaN where missing


def _quoted(text: str, limit: int = 60) -> str:
    """A value as an error message shows it: quoted, and cut when long."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _parse_value(text: str, line: int) -> float:
    if text.strip().lower() in MISSING_MARKERS:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise SeriesInputError(f"line {line}: value {_quoted(text)} is not a number") from None
    if math.isinf(value):
        raise SeriesInputError(f"line {line}: value {_quoted(text)} is infinite")
    return value


def _parse_timestamps(texts: list[str], lines: list[int]) -> pd.DatetimeIndex:
    if texts and all(EPOCH.fullmatch(text) for text in texts):
        return _epoch_timestamps(texts)
    stamps = pd.to_datetime(pd.Series(texts, dtype=object), errors="coerce", format="ISO8601",
                            utc=True)
    if stamps.isna().any():  # other spellings, one by one (slower, only when needed)
        retry = pd.to_datetime(pd.Series(texts, dtype=object)[stamps.isna()], errors="coerce",
                               format="mixed", utc=True)
        stamps[stamps.isna()] = retry
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if len(bad):
        i = bad[0]
        raise SeriesInputError(f"line {lines[i]}: timestamp {_quoted(texts[i])} cannot be "
                               "parsed")
    return pd.DatetimeIndex(stamps)


def _epoch_timestamps(texts: list[str]) -> pd.DatetimeIndex:
    numbers = np.array([float(text) for text in texts])
    unit = "ms" if numbers.max() >= EPOCH_MILLISECONDS_FROM else "s"
    return pd.DatetimeIndex(pd.to_datetime(numbers, unit=unit, utc=True))


def read_series(path: str | Path) -> Series:
    """Read a ``timestamp,value`` CSV file; raises SeriesInputError naming the bad line."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        return _read_rows(reader)
    except csv.Error as exc:  # NUL bytes, a quote never closed, a field over the limit
        line = max(reader.line_num, 1)
        raise SeriesInputError(f"line {line}: {_csv_problem(exc)}") from None


def _read_text(path: str | Path) -> str:
    """The file as text: UTF-8 (a BOM is dropped); anything else is refused naming the line."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SeriesInputError(f"cannot read the file: {exc.strerror or exc}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SeriesInputError(f"line {line}: not UTF-8 text ({exc.reason}, byte "
                               f"{exc.object[exc.start]:#04x})") from None


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (f"a field longer than {csv.field_size_limit():,} characters "
                "(a timestamp or a number never is)")
    return str(exc)


def _read_rows(reader) -> Series:
    header = next(reader, None)
    if header is None:
        raise SeriesInputError("line 1: the file is empty (expected a header "
                               "'timestamp,value')")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in ("timestamp", "value") if name not in columns]
    if missing:
        raise SeriesInputError(f"line {reader.line_num}: missing column(s) "
                               f"{', '.join(missing)}; the header has {_shown(header)}")
    ts_col, value_col = columns.index("timestamp"), columns.index("value")
    timestamp_text, value_text, values, lines = [], [], [], []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # blank line
        if len(row) <= max(ts_col, value_col):
            raise SeriesInputError(f"line {line}: {len(row)} field(s), expected "
                                   f"{len(header)} like the header")
        timestamp_text.append(row[ts_col].strip())
        value_text.append(row[value_col].strip())
        values.append(_parse_value(row[value_col], line))
        lines.append(line)
    timestamps = _parse_timestamps(timestamp_text, lines)
    return Series(timestamp_text, value_text, timestamps, np.asarray(values, dtype=float))


def _shown(header: list[str], limit: int = 200) -> str:
    text = repr(header)
    return text if len(text) <= limit else text[:limit] + "...]"


def write_scores(path: str | Path, series: Series, scores: np.ndarray,
                 alerts: np.ndarray) -> None:
    """Write ``timestamp,value,anomaly_score,alert``, one row per input row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["timestamp", "value", "anomaly_score", "alert"])
        for row in zip(series.timestamp_text, series.value_text, scores, alerts, strict=True):
            writer.writerow([row[0], row[1], f"{row[2]:.6f}", int(row[3])])


def detect_file(input_path: str | Path, output_path: str | Path, config=None) -> dict:
    """Score one CSV file into another; returns counts (rows, missing, alerts)."""
    from healer_ops.detect import engine

    series = read_series(input_path)
    detection = engine.score_series(series.values, series.timestamps,
                                    config=config or engine.DEFAULT_CONFIG)
    scores, alerts = detection.score, detection.alert
    write_scores(output_path, series, scores, alerts)
    return {"rows": len(scores), "missing": int(np.isnan(series.values).sum()),
            "out_of_order": int((series.timestamps.to_series().diff().dt.total_seconds() < 0)
                                .sum()),
            "alerts": int(alerts.sum())}
