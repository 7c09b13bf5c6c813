"""Parse text rows into typed values and validate them with Great Expectations.

Parsing is vectorized pandas: every value becomes its type, or null when absent, and a value
that is present but unreadable is kept aside as text (``<column>__unparsed``). Every rule is
then a Great Expectations expectation on that typed frame, run in one validation with
``result_format="COMPLETE"``, whose unexpected index lists say which rows break which rule.
A row that breaks any rule is quarantined with all of its reasons; among the rest, rows
with the same (site_id, observed_at) are merged, the last one in input order winning.

great_expectations takes seconds to import: it is imported inside `run_expectations`.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healer_ops.ingest.columns import (
    ALL_COLUMNS,
    COLUMN_KINDS,
    ERROR_CLASSES,
    FUTURE_TOLERANCE_S,
    KIND_RULE,
    LOAD_COLUMNS,
    MAX_TIME_MS,
    NOT_NULL_COLUMNS,
    RULES,
    STATUS_RANGE,
)
from healer_ops.ingest.read import RawBatch

NULL_TOKENS = ("", "null", "none", "nan", "na", "n/a", "\\n")
NULL_SPELLINGS = sorted({v for t in NULL_TOKENS for v in (t, t.upper(), t.capitalize())}
                        | {"NaN", "N/A"})
TRUE_TOKENS = ("true", "t", "1", "yes", "y", "1.0")
FALSE_TOKENS = ("false", "f", "0", "no", "n", "0.0")
UNPARSED = "__unparsed"
UNKNOWN_SITE = "site_id__unknown"
KEY = ["site_id", "observed_at"]
DUPLICATE_RULE = "row:duplicate"
_MAX_INT = 2.0 ** 62


@dataclass
class Parsed:
    """Typed values (null when absent or unreadable) and the unreadable values as text."""

    values: pd.DataFrame
    unparsed: pd.DataFrame

    def take(self, mask: np.ndarray) -> Parsed:
        return Parsed(self.values[mask].reset_index(drop=True),
                      self.unparsed[mask].reset_index(drop=True))


@dataclass
class Checks:
    """What a run checks beyond the fixed rules."""

    known_site_ids: set[str]
    now: datetime
    interval: tuple[datetime, datetime] | None = None  # [start, end) rows must be inside
    file_day: tuple[datetime, datetime] | None = None  # [start, end) of a day file


@dataclass
class QuarantinedRow:
    locator: str
    raw: Any
    reasons: list[str]


@dataclass
class Validation:
    load: pd.DataFrame  # LOAD_COLUMNS, typed: the rows to upsert
    quarantine: list[QuarantinedRow] = field(default_factory=list)
    by_reason: Counter = field(default_factory=Counter)
    duplicates: int = 0


# --- parsing ----------------------------------------------------------------------------

def parse_values(frame: pd.DataFrame, known_site_ids: set[str]) -> Parsed:
    """Typed columns for every known column (absent columns are all null)."""
    values, unparsed = {}, {}
    for column in ALL_COLUMNS:
        text = _present_text(frame[column]) if column in frame else _nulls(len(frame))
        typed, bad = PARSERS[COLUMN_KINDS[column]](text, known_site_ids)
        values[column], unparsed[column] = typed, bad
    return Parsed(pd.DataFrame(values), pd.DataFrame(unparsed))


def _nulls(length: int) -> pd.Series:
    return _text_series(pa.nulls(length, pa.large_string()))


def _arrow(text: pd.Series) -> pa.ChunkedArray:
    """The pyarrow strings behind a text column (pyarrow compute is 10-50x pandas' mask)."""
    return text.astype("str").array._pa_array


def _in(strings: pa.ChunkedArray, values) -> np.ndarray:
    return _bools(pc.is_in(strings, value_set=pa.array(list(values), strings.type)))


def _text_series(strings) -> pd.Series:
    return pd.Series(strings, dtype="str")


def _keep_where(strings: pa.ChunkedArray, keep: np.ndarray) -> pd.Series:
    """`strings` where `keep`, null elsewhere."""
    if keep.all():
        return _text_series(strings)
    if not keep.any():
        return _nulls(len(strings))
    return _text_series(pc.if_else(pa.array(keep), strings, pa.scalar(None, strings.type)))


def _bools(mask) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False), dtype=bool)


def _present_text(series: pd.Series) -> pd.Series:
    """Stripped text, null where the value is absent ('' or a null word such as NULL)."""
    strings = pc.utf8_trim_whitespace(_arrow(series))
    return _keep_where(strings, ~_in(strings, NULL_SPELLINGS))


def _unparsed(text: pd.Series, ok: pd.Series | np.ndarray) -> pd.Series:
    """The present values that did not parse, as text; null elsewhere."""
    bad = ~np.asarray(ok, bool) & text.notna().to_numpy(bool)
    return _keep_where(_arrow(text), bad)


def _to_float(text: pd.Series) -> np.ndarray:
    """Numbers as float64 (NaN where absent or unreadable); pyarrow first, pandas if it fails."""
    try:
        numbers = pc.cast(_arrow(text), pa.float64())
        return numbers.to_numpy()
    except (pa.ArrowInvalid, AttributeError):
        return pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()


def _parse_number(text: pd.Series, _known=None) -> tuple[pd.Series, pd.Series]:
    numbers = _to_float(text)
    return pd.Series(numbers), _unparsed(text, ~np.isnan(numbers))


def _parse_integer(text: pd.Series, _known=None) -> tuple[pd.Series, pd.Series]:
    numbers = _to_float(text)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < _MAX_INT)
    typed = pd.array(np.where(whole, numbers, 0).astype(np.int64), dtype="Int64")
    typed[~whole] = pd.NA
    return pd.Series(typed), _unparsed(text, whole)


def _parse_timestamp(text: pd.Series, _known=None) -> tuple[pd.Series, pd.Series]:
    """ISO 8601; a time without a zone is UTC."""
    stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    stamps = stamps.astype("datetime64[us, UTC]")
    return stamps, _unparsed(text, stamps.notna())


def _parse_boolean(text: pd.Series, _known=None) -> tuple[pd.Series, pd.Series]:
    lower = pc.utf8_lower(_arrow(text))
    truth, falsity = _in(lower, TRUE_TOKENS), _in(lower, FALSE_TOKENS)
    typed = pd.array(truth, dtype="boolean")
    typed[~(truth | falsity)] = pd.NA
    return pd.Series(typed), _unparsed(text, truth | falsity)


def _parse_uuid(text: pd.Series, known_site_ids: set[str]) -> tuple[pd.Series, pd.Series]:
    """Canonical lowercase UUID text; other spellings uuid.UUID accepts are canonicalized."""
    lower = pc.utf8_lower(_arrow(text))
    ok = _in(lower, known_site_ids)
    typed = _text_series(lower)
    others = np.flatnonzero(~ok & typed.notna().to_numpy(bool))
    canonical = []
    for position in others.tolist():
        try:
            canonical.append(str(uuid.UUID(typed.iat[position])))
            ok[position] = True
        except ValueError:
            canonical.append(None)
    if len(others):
        typed.iloc[others] = canonical
    return typed, _unparsed(text, ok)


def _parse_error_class(text: pd.Series, _known=None) -> tuple[pd.Series, pd.Series]:
    lower = _text_series(pc.utf8_lower(_arrow(text)))
    return lower, _nulls(len(text))  # membership is its own rule


PARSERS = {"uuid": _parse_uuid, "timestamp": _parse_timestamp, "number": _parse_number,
           "integer": _parse_integer, "boolean": _parse_boolean,
           "error_class": _parse_error_class}


# --- expectations -----------------------------------------------------------------------

def expectation_specs(checks: Checks) -> list[tuple[str, str, dict]]:
    """(rule code, expectation class name, kwargs) for every rule of this run."""
    specs: list[tuple[str, str, dict]] = []
    for column, kind in COLUMN_KINDS.items():
        if kind != "error_class":
            specs.append((f"{column}:{KIND_RULE[kind]}", "ExpectColumnValuesToBeNull",
                          {"column": column + UNPARSED}))
    for column in NOT_NULL_COLUMNS:
        specs.append((f"{column}:missing", "ExpectColumnValuesToNotBeNull", {"column": column}))
    # wp_sites can hold thousands of ids: GX serializes a value_set per metric, so the
    # membership is computed once (_expectation_frame) and the expectation checks its result.
    specs.append(("site_id:unknown", "ExpectColumnValuesToBeNull", {"column": UNKNOWN_SITE}))
    specs.append(("error_class:unknown", "ExpectColumnValuesToBeInSet",
                  {"column": "error_class", "value_set": list(ERROR_CLASSES)}))
    for column in ("response_time_ms", "ttfb_ms", "page_size_bytes"):
        specs.append((f"{column}:negative", "ExpectColumnValuesToBeBetween",
                      {"column": column, "min_value": 0}))
    for column in ("response_time_ms", "ttfb_ms"):
        specs.append((f"{column}:over_10_minutes", "ExpectColumnValuesToBeBetween",
                      {"column": column, "max_value": MAX_TIME_MS, "strict_max": True}))
    specs.append(("status_code:out_of_range", "ExpectColumnValuesToBeBetween",
                  {"column": "status_code", "min_value": STATUS_RANGE[0],
                   "max_value": STATUS_RANGE[1]}))
    latest = pd.Timestamp(checks.now + timedelta(seconds=FUTURE_TOLERANCE_S))
    specs.append(("observed_at:in_future", "ExpectColumnValuesToBeBetween",
                  {"column": "observed_at", "max_value": latest}))
    for rule, bounds in (("outside_interval", checks.interval),
                         ("outside_file_day", checks.file_day)):
        if bounds:
            specs.append((f"observed_at:{rule}", "ExpectColumnValuesToBeBetween",
                          {"column": "observed_at", "min_value": pd.Timestamp(bounds[0]),
                           "max_value": pd.Timestamp(bounds[1]), "strict_max": True}))
    specs.append((DUPLICATE_RULE, "ExpectCompoundColumnsToBeUnique", {"column_list": KEY}))
    return specs


def quiet_great_expectations() -> None:
    """Keep Great Expectations' INFO chatter out of task logs (about 200 lines per import,
    "Skipping registering function ..."); its warnings and errors still show."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def run_expectations(frame: pd.DataFrame, specs: list[tuple[str, str, dict]]
                     ) -> dict[str, np.ndarray]:
    """Run the expectations on `frame` (RangeIndex); the failing row positions per rule."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    quiet_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("metrics")
             .add_dataframe_asset("batch").add_batch_definition_whole_dataframe("whole"))
    suite = gx.ExpectationSuite(name="site_metrics_rows")
    for rule, name, kwargs in specs:
        suite.add_expectation(getattr(gx.expectations, name)(**kwargs, meta={"rule": rule}))
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="site_metrics_rows", data=batch, suite=suite))
    outcome = definition.run(batch_parameters={"dataframe": frame},
                             result_format={"result_format": "COMPLETE",
                                            "partial_unexpected_count": 0})
    failures: dict[str, np.ndarray] = {}
    for result in outcome.results:
        rule = result.expectation_config.meta["rule"]
        error = (result.exception_info or {}).get("exception_message")
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation for rule {rule} failed to run: {error}")
        rows = (result.result or {}).get("unexpected_index_list") or []
        if rows:
            failures[rule] = np.asarray(rows, dtype=np.int64)
    return failures


# --- validation -------------------------------------------------------------------------

def validate(batch: RawBatch, parsed: Parsed, checks: Checks) -> Validation:
    """Split the batch into rows to load and rows to quarantine (with every reason)."""
    frame = _expectation_frame(parsed, checks.known_site_ids)
    failures = run_expectations(frame, expectation_specs(checks)) if len(frame) else {}
    duplicate_candidates = failures.pop(DUPLICATE_RULE, np.array([], dtype=np.int64))

    codes_by_row: dict[int, list[str]] = defaultdict(list)
    for rule, rows in failures.items():
        for row in rows.tolist():
            codes_by_row[row].append(rule)
    result = Validation(load=pd.DataFrame())
    for row, codes in sorted(codes_by_row.items()):
        codes = _without_redundant(codes)
        result.by_reason.update(codes)
        result.quarantine.append(QuarantinedRow(
            batch.locator(row), batch.raw(row),
            [_reason_text(code, batch, row, checks) for code in codes]))
    for bad in batch.malformed:
        result.by_reason["row:malformed"] += 1
        result.quarantine.append(QuarantinedRow(bad.locator, bad.raw,
                                                [f"row:malformed: {bad.reason}"]))

    keep = np.ones(len(frame), bool)
    keep[list(codes_by_row)] = False
    merged = _merged_duplicates(parsed.values, duplicate_candidates, keep)
    keep[merged] = False
    result.duplicates = len(merged)
    result.load = parsed.values.loc[keep, list(LOAD_COLUMNS)].reset_index(drop=True)
    result.load["wsod_marker"] = result.load["wsod_marker"].fillna(False)
    return result


def _expectation_frame(parsed: Parsed, known_site_ids: set[str]) -> pd.DataFrame:
    """The typed values in dtypes that GX checks vectorized and filters cheaply."""
    frame = parsed.values.copy()
    for column in ("page_size_bytes", "status_code"):  # numpy floats, not masked integers
        frame[column] = frame[column].astype("float64")
    for column in ("site_id", "error_class"):
        frame[column] = frame[column].astype("category")
    unknown = ~frame["site_id"].isin(known_site_ids).to_numpy(bool) & frame["site_id"].notna()
    frame[UNKNOWN_SITE] = _object_column(frame["site_id"], unknown)
    for column in parsed.unparsed:
        if COLUMN_KINDS[column] != "error_class":
            text = parsed.unparsed[column]
            frame[column + UNPARSED] = _object_column(text, text.notna().to_numpy(bool))
    return frame


def _object_column(values: pd.Series, present: np.ndarray) -> pd.Series:
    """Object column holding `values` where `present`, None elsewhere (cheap when none)."""
    column = np.full(len(values), None, dtype=object)
    if present.any():
        column[present] = values[present].astype(object).to_numpy()
    return pd.Series(column, dtype=object, copy=False)


def _without_redundant(codes: list[str]) -> list[str]:
    """A value that is there but unreadable is not also 'missing'."""
    unreadable = {code.split(":")[0] for code in codes
                  if code.split(":")[1] in KIND_RULE.values()}
    return sorted(code for code in codes
                  if not (code.endswith(":missing") and code.split(":")[0] in unreadable))


def _merged_duplicates(values: pd.DataFrame, candidates: np.ndarray,
                       keep: np.ndarray) -> np.ndarray:
    """Positions of valid rows whose key repeats later in the batch (the last one wins)."""
    candidates = candidates[keep[candidates]] if len(candidates) else candidates
    if len(candidates) < 2:
        return np.array([], dtype=np.int64)
    keys = values.loc[candidates, KEY]
    return candidates[keys.duplicated(keep="last").to_numpy(bool)]


def _reason_text(code: str, batch: RawBatch, row: int, checks: Checks) -> str:
    column = code.split(":")[0]
    text = f"{code}: {RULES[code]}"
    if code == "observed_at:outside_interval" and checks.interval:
        text += f" [{_iso(checks.interval[0])}, {_iso(checks.interval[1])})"
    if code == "observed_at:outside_file_day" and checks.file_day:
        text += f" ({checks.file_day[0]:%Y-%m-%d})"
    if column in batch.frame:
        value = batch.frame[column].iloc[row]
        text += ", got " + ("nothing" if pd.isna(value) else repr(value))
    else:
        text += ", the column is absent"
    return text


def _iso(moment: datetime) -> str:
    return pd.Timestamp(moment).tz_convert(UTC).isoformat()
