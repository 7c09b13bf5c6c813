"""`healer-ops classify`: a JSON Lines file of logs through the analysis pipeline (cache included).

Input: one `{"id": ..., "log": "..."}` object a line (other fields ignored; blank lines are
not records). Output: one line per record, in input order, with exactly the keys
`id, diagnosis_type, confidence, culprit, recommendations, analyzer, cache_hit`
(`recommendations` = the allowed commands as strings).

Bad input lines (not JSON, not an object, no `id`, `log` missing or not a string): by
default (`on_error="record"`) each bad line gets an output line of the same shape with
`"analyzer": "error"` (diagnosis UNKNOWN, confidence 0) and is named with its reason on
stderr, so the output still has one line per record and nothing is silently dropped. With
`on_error="fail"` nothing is written and the error names every bad line. The output is
written to a temporary file and renamed when complete.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from healer_ops.logtext import MAX_LOG_CHARS  # longer logs are analyzed cut (pipeline.bound_log)

OUTPUT_KEYS = ("id", "diagnosis_type", "confidence", "culprit", "recommendations", "analyzer",
               "cache_hit")
ON_ERROR = ("fail", "record")
MAX_REPORTED_ERRORS = 20


class InputError(ValueError):
    """The input file has bad lines; the message names them."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        shown = "\n".join(f"  {path}:{line}: {why}" for line, why in problems[:MAX_REPORTED_ERRORS])
        more = len(problems) - MAX_REPORTED_ERRORS
        super().__init__(f"{len(problems)} bad input line(s) in {path} (each must be a JSON "
                         f"object with \"id\" and a string \"log\"):\n{shown}"
                         + (f"\n  ... and {more} more" if more > 0 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Record:
    line: int
    id: object
    log: str | None  # None: a bad line
    problem: str | None = None


def read_records(path: Path) -> tuple[list[Record], list[tuple[int, str]]]:
    """Every record of the file, and the (line, problem) of each bad one.

    Lines end at "\\n" only (a "\\r" before it is dropped), so line numbers are those of any
    editor; each line is decoded on its own, so one line that is not UTF-8 is one bad record,
    not a failed file.
    """
    records: list[Record] = []
    problems: list[tuple[int, str]] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            record = _parse(number, _decoded(raw))
            records.append(record)
            if record.problem:
                problems.append((number, record.problem))
    return records, problems


def _decoded(raw: bytes) -> str | UnicodeDecodeError:
    """The line as text, or why it is not UTF-8."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc


def _parse(number: int, line: str | UnicodeDecodeError) -> Record:
    if isinstance(line, UnicodeDecodeError):
        return Record(number, _id_of(line), None, f"not UTF-8 text ({line.reason} at byte "
                      f"{line.start + 1} of the line)")
    try:
        item = json.loads(line)
    except ValueError as exc:
        return Record(number, None, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(item, dict):
        return Record(number, None, None, f"a JSON {type(item).__name__}, not an object")
    if "id" not in item:
        return Record(number, None, None, 'no "id"')
    if isinstance(item["id"], dict | list):
        return Record(number, None, None, '"id" must be a string or a number')
    if "log" not in item:
        return Record(number, item["id"], None, 'no "log"')
    if not isinstance(item["log"], str):
        return Record(number, item["id"], None,
                      f'"log" must be a string, not {type(item["log"]).__name__}')
    return Record(number, item["id"], item["log"])


def _id_of(error: UnicodeDecodeError):
    """The `id` of a line that is not UTF-8, when the rest of it is JSON with one."""
    try:
        item = json.loads(error.object.decode("utf-8", "replace"))
    except ValueError:
        return None
    record_id = item.get("id") if isinstance(item, dict) else None
    return record_id if isinstance(record_id, str | int | float) else None


def classify_file(input_path: Path, output_path: Path, *, analyzer: str | None = None,
                  use_cache: bool = True, concurrency: int | None = None,
                  on_error: str = "record", database_url: str | None = None,
                  on_record=None) -> dict:
    """Classify every record of `input_path` into `output_path`; returns a summary.
    `on_record(n)` is called as records are done (a progress bar)."""
    from healer_ops import db
    from healer_ops.analysis.pipeline import AnalysisPipeline
    from healer_ops.settings import get_settings

    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
    input_path, output_path = Path(input_path), Path(output_path)
    records, problems = read_records(input_path)
    if problems and on_error == "fail":
        raise InputError(input_path, problems)
    url = None
    if use_cache:
        url = database_url or db.resolve_url()
        db.migrate(url)
    settings = get_settings()
    with AnalysisPipeline(url, analyzer=analyzer, use_cache=use_cache) as pipeline:
        pipeline.warm_up()

        def classify(record: Record) -> dict:
            line = (error_line(record.id) if record.problem else
                    output_line(record.id, pipeline.analyze(record.log)))
            if on_record is not None:
                on_record(1)
            return line

        workers = max(1, concurrency or settings.ai_concurrency)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="classify") as pool:
            lines = list(pool.map(classify, records))
        summary = pipeline.stats.summary()
    _write_atomically(output_path, lines)
    summary.update(records=len(records), bad_lines=[line for line, _ in problems],
                   clipped_lines=[r.line for r in records if r.log and len(r.log) > MAX_LOG_CHARS],
                   problems=[f"{input_path}:{line}: {why}" for line, why in problems],
                   analyzer=pipeline.analyzer, output=str(output_path))
    return summary


def output_line(record_id, result) -> dict:
    analysis = result.analysis
    return {"id": record_id, "diagnosis_type": analysis.diagnosis_type,
            "confidence": round(analysis.confidence, 4), "culprit": analysis.culprit,
            "recommendations": [r.command for r in analysis.recommendations],
            "analyzer": analysis.analyzer, "cache_hit": result.cache_hit}


def error_line(record_id) -> dict:
    return {"id": record_id, "diagnosis_type": "UNKNOWN", "confidence": 0.0, "culprit": None,
            "recommendations": [], "analyzer": "error", "cache_hit": False}


def _write_atomically(path: Path, lines: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
