"""Bad input to every file-reading command: one clear error line naming the file (and line),
a non-zero exit, or the per-line error records `classify` promises; never a traceback.

Hypothesis writes the files: random bytes, CSV and JSON Lines that are nearly right (wrong
columns, bad values, a line that is not UTF-8, other line ends), empty files, other
encodings; fixed cases add a 20 MB field and an 18 MB log line. The commands run in-process
through the real `healer-ops` command line (Typer's runner: an exception that escapes a
command is a traceback on a terminal), and a few through a real subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from healer_ops.analysis.classify import OUTPUT_KEYS
from healer_ops.cli import app

RUNNER = CliRunner()
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FUZZ_DB = settings(FUZZ, max_examples=25)  # ingest: each example validates and loads
INGEST_HEADER = "site_id,observed_at,response_time_ms,ttfb_ms,page_size_bytes,status_code,error"
SITE = "5e11a000-0000-4000-8000-000000000001"
BIG_FIELD = 20 * 1024 * 1024


def run(*args: str):
    """`healer-ops ARGS` in-process; fails the test if an exception escaped the command."""
    result = RUNNER.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail("a traceback reached the terminal:\n" + "".join(
            traceback.format_exception(result.exception)))
    assert "Traceback" not in result.output
    return result


def assert_refused(result, path: Path, *, line: bool = True) -> None:
    """Exit 2 and one `error: PATH: line N: ...` line on stderr."""
    assert result.exit_code == 2, result.output
    errors = [text for text in result.stderr.splitlines() if text.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: {path}: " + ("line " if line else "")), errors[0]


# --- what Hypothesis writes ---------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
BAD_UTF8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\x80abc"])
LINE_END = st.sampled_from(["\n", "\r\n", "\r"])


def lines_to_bytes(draw, lines: list[str]) -> bytes:
    end = draw(LINE_END)
    data = end.join(lines).encode("utf-8") + (end.encode() if draw(st.booleans()) else b"")
    if lines and draw(st.integers(0, 4)) == 0:  # a line that is not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(BAD_UTF8) + data[at:]
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "latin-1"]))
    if encoding != "utf-8":
        data = data.decode("utf-8", "replace").encode(encoding, "replace")
    return data


@st.composite
def series_files(draw) -> bytes:
    """Nearly a `timestamp,value` CSV."""
    header = draw(st.sampled_from(["timestamp,value", "value,timestamp", "timestamp",
                                   "Timestamp , Value", "ts,value", "timestamp,value,label"]))
    stamp = st.one_of(st.datetimes().map(lambda d: d.isoformat(sep=" ")), TEXT,
                      st.sampled_from(["", "2024-13-45 25:61:00", "1e400", "NaT", "0"]))
    value = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), TEXT,
                      st.sampled_from(["", "NaN", "null", "1e999", "--1", "1,5", '"7"']))
    rows = draw(st.lists(st.tuples(stamp, value), max_size=25))
    return lines_to_bytes(draw, [header] + [f"{t},{v}" for t, v in rows])


@st.composite
def log_files(draw) -> bytes:
    """Nearly a `{"id", "log"}` JSON Lines file."""
    good = st.builds(lambda i, log: json.dumps({"id": i, "log": log}),
                     st.integers(0, 10_000), TEXT)
    nearly = st.one_of(
        st.builds(lambda log: json.dumps({"log": log}), TEXT),
        st.builds(lambda i: json.dumps({"id": i, "log": 42}), st.integers()),
        st.builds(lambda i: json.dumps({"id": [i], "log": "x"}), st.integers()),
        st.builds(lambda v: json.dumps(v), st.one_of(st.integers(), TEXT, st.lists(TEXT))),
        TEXT, st.just(""), st.just("   "), st.just('{"id": 1, "log": "unclosed'))
    lines = draw(st.lists(st.one_of(good, nearly), max_size=15))
    return lines_to_bytes(draw, lines)


@st.composite
def metric_files(draw) -> bytes:
    """Nearly a site_metrics CSV."""
    columns = INGEST_HEADER.split(",")
    header = draw(st.one_of(st.just(columns), st.permutations(columns),
                            st.lists(st.sampled_from(columns + ["x", ""]), max_size=9)))
    cell = st.one_of(TEXT, st.sampled_from([SITE, "2024-03-01T00:00:00Z", "250.5", "200",
                                            "false", "", "-1", "1e999", '"q'] * 3))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=10))
    return lines_to_bytes(draw, [",".join(header)] + [",".join(r) for r in rows])


RANDOM_BYTES = st.binary(max_size=3000)


# --- detect -------------------------------------------------------------------------------

@FUZZ
@given(data=st.one_of(RANDOM_BYTES, series_files()))
@example(data=b"")
@example(data=b"\n\n")
@example(data="timestamp,value\n2024-01-01 00:00:00,1\n".encode("utf-16"))
@example(data=b"timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,\xff\n")
@example(data=b"timestamp,value\n2024-01-01 00:00:00,1\x00\n")
@example(data=b"a,b\n1,2\n")
def test_detect_refuses_bad_files_naming_the_line(tmp_path, data):
    source, output = tmp_path / "series.csv", tmp_path / "scores.csv"
    source.write_bytes(data)
    output.unlink(missing_ok=True)
    result = run("detect", "--input", str(source), "--output", str(output))
    if result.exit_code == 0:
        scored = output.read_text().splitlines()
        assert scored[0] == "timestamp,value,anomaly_score,alert"
    else:
        assert_refused(result, source)


def test_detect_refuses_a_20_mb_field_at_once(tmp_path):
    source = tmp_path / "big.csv"
    source.write_text("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,"
                      + "9" * BIG_FIELD + "\n")
    started = time.perf_counter()
    result = run("detect", "--input", str(source), "--output", str(tmp_path / "o.csv"))
    assert_refused(result, source)
    assert "line 3: a field longer than" in result.stderr
    assert time.perf_counter() - started < 30


# --- classify -----------------------------------------------------------------------------

def records_of(data: bytes) -> list[bytes]:
    """The input's records as classify counts them: lines split at \\n, blank ones left out."""
    return [line for line in data.split(b"\n") if line.strip()]


@FUZZ
@given(data=st.one_of(RANDOM_BYTES, log_files()))
@example(data=b"")
@example(data=b'{"id": 1, "log": "ok"}\n{"id": 2, "log": "bad \xff line"}\n{"id": 3, "log": "x"}')
@example(data='{"id": 1, "log": "PHP Fatal error"}\n'.encode("utf-16"))
@example(data=b'{"id": 1, "log": "a\rb"}\r\n\r\n{"id": 2}\r\n')
def test_classify_gives_one_output_line_per_input_line(tmp_path, data):
    source, output = tmp_path / "logs.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(data)
    result = run("classify", "--input", str(source), "--output", str(output), "--no-cache")
    assert result.exit_code == 0, result.output
    records = records_of(data)
    out = [json.loads(text) for text in output.read_text(encoding="utf-8").splitlines()]
    assert len(out) == len(records)
    bad = 0
    for number, (raw, line) in enumerate(zip(records, out, strict=True), start=1):
        assert tuple(line) == OUTPUT_KEYS
        if line["analyzer"] == "error":
            bad += 1
            assert line["diagnosis_type"] == "UNKNOWN" and line["confidence"] == 0.0
        else:
            assert json.loads(raw.decode("utf-8"))["id"] == line["id"], number
    if bad:
        assert f"{bad} bad input line(s)" in result.stderr
        assert f"  {source}:" in result.stderr


@FUZZ
@given(data=log_files())
def test_classify_on_error_fail_names_every_bad_line_and_writes_nothing(tmp_path, data):
    source, output = tmp_path / "logs.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(data)
    output.unlink(missing_ok=True)
    result = run("classify", "--input", str(source), "--output", str(output), "--no-cache",
                 "--on-error", "fail")
    if result.exit_code == 0:
        assert len(output.read_text().splitlines()) == len(records_of(data))
        return
    assert result.exit_code == 2 and not output.exists()
    assert result.stderr.startswith("error: ") and f"  {source}:" in result.stderr


def test_an_18_mb_log_line_is_analyzed_in_seconds_cut_to_the_bound(tmp_path):
    from healer_ops.logtext import MAX_LOG_CHARS

    log = "PHP Fatal error:  Allowed memory size of 268435456 bytes exhausted in /x.php:12 "
    source, output = tmp_path / "huge.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"id": "big", "log": log * (18_000_000 // len(log))}) + "\n")
    run("classify", "--input", str(source), "--output", str(tmp_path / "warm.jsonl"),
        "--no-cache")  # the local model loaded once, as in a long-running process
    started = time.perf_counter()
    result = run("classify", "--input", str(source), "--output", str(output), "--no-cache")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0
    assert f"longer than {MAX_LOG_CHARS:,} characters" in result.stderr
    [line] = [json.loads(text) for text in output.read_text().splitlines()]
    assert line["id"] == "big" and line["analyzer"] == "local"
    assert elapsed < 20, elapsed  # was 57 s: the whole 18 MB went through redaction


# --- ingest -------------------------------------------------------------------------------

@FUZZ_DB
@given(data=st.one_of(RANDOM_BYTES, metric_files()))
@example(data=b"")
@example(data=(INGEST_HEADER + "\n" + SITE + ",2024-03-01T00:00:00Z,1,1,1,200,\xff\n").encode(
    "utf-8", "surrogateescape") + b"\xff")
@example(data=(INGEST_HEADER + "\n").encode("utf-16"))
def test_ingest_file_refuses_or_accounts_for_every_row(db_url, tmp_path, data):
    source = tmp_path / "metrics.csv"
    source.write_bytes(data)
    result = run("ingest", "--file", str(source), "--json")
    assert_ingested_or_refused(result, source)


@FUZZ_DB
@given(data=st.one_of(RANDOM_BYTES, metric_files()), suffix=st.sampled_from([".csv", ".jsonl"]))
@example(data=b"\x00\x01garbage", suffix=".jsonl")
def test_ingest_drop_dir_refuses_or_accounts_for_every_row(db_url, tmp_path, data, suffix):
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    for old in drop.iterdir():
        old.unlink()
    source = drop / f"site_metrics_2024-03-01{suffix}"
    source.write_bytes(data)
    result = run("ingest", "--drop-dir", str(drop), "--start", "2024-03-01T00:00:00",
                 "--end", "2024-03-02T00:00:00", "--json")
    assert_ingested_or_refused(result, source)


def assert_ingested_or_refused(result, source: Path) -> None:
    if result.exit_code == 0:
        summary = json.loads(result.stdout)
        assert summary["input_rows"] == (summary["loaded"] + summary["quarantined"]
                                         + summary["duplicates"])
    else:
        assert_refused(result, source, line=False)


def test_ingest_quarantines_a_row_with_a_20_mb_field(db_url, tmp_path):
    source = tmp_path / "big.csv"
    source.write_text(f"{INGEST_HEADER}\n{'x' * BIG_FIELD},2024-03-01T00:00:00Z,1,1,1,200,false\n")
    result = run("ingest", "--file", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["quarantined"] == 1


# --- options ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["demo", "--days", "0"], ["demo", "--sites", "0"], ["demo", "--days", "-3"],
    ["demo", "--days", "many"], ["baselines", "--days", "0"],
    ["baselines", "--period-end", "yesterday-ish"], ["alerts", "scan", "--since", "soon"],
    ["alerts", "scan", "--since", "2025-02-01", "--until", "2025-01-01"],
    ["alerts", "scan", "--site-id", "not-a-uuid"], ["baselines", "--site-id", "x"],
    ["ingest", "--drop-dir", "/nonexistent/drop", "--start", "2024-01-01",
     "--end", "2024-01-02"],
    ["ingest", "--file", "a.csv", "--start", "2024-01-02", "--end", "2024-01-01"],
    ["ingest"], ["classify", "--input", "/nonexistent.jsonl", "--output", "o.jsonl"],
    ["classify", "--input", __file__, "--output", "o.jsonl", "--analyzer", "gpt"],
    ["classify", "--input", __file__, "--output", "o.jsonl", "--on-error", "ignore"],
    ["classify", "--input", __file__, "--output", "o.jsonl", "--concurrency", "0"],
    ["detect", "--input", "/nonexistent.csv", "--output", "o.csv"],
    ["detect", "--input", "/", "--output", "o.csv"],
])
def test_bad_options_are_refused_in_one_clear_error(db_url, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "error" in result.stderr.lower(), result.stderr


# --- on a real terminal -------------------------------------------------------------------

def healer_ops(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healer_ops", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300, check=False)


def test_a_binary_file_gets_one_error_line_on_a_real_terminal(tmp_path):
    source = tmp_path / "binary.csv"
    source.write_bytes(bytes(range(256)) * 20)
    done = healer_ops("detect", "--input", str(source), "--output", "o.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [  # byte 10 ends line 1
        f"error: {source}: line 2: not UTF-8 text (invalid start byte, byte 0x80)"]


def test_an_unexpected_failure_is_one_line_too(tmp_path):
    source = tmp_path / "m.csv"
    source.write_text(f"{INGEST_HEADER}\n")
    done = subprocess.run(
        [sys.executable, "-m", "healer_ops", "ingest", "--file", str(source)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**__import__("os").environ,
             "HEALER_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none?connect_timeout=3"})
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("error: OperationalError: ") and "HEALER_DEBUG=1" in line
