"""Files in every format, files that cannot be parsed, the drop folder, malformed input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healer_ops.ingest import IngestFileError, ingest_drop, ingest_file

SITES = ["5e11a000-0000-4000-8000-00000000000" + str(i) for i in range(1, 4)]
HEADER = ("site_id,observed_at,response_time_ms,ttfb_ms,page_size_bytes,status_code,error,"
          "cert_expires_at")


@pytest.fixture
def sites(conn):
    for i, site in enumerate(SITES):
        conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                     [site, f"s{i}.test", f"http://s{i}.test/"])
    conn.commit()
    return conn


def line(site: int, when: str, status: str = "200", size: str = "1000") -> str:
    return f"{SITES[site]},{when},250.5,80.0,{size},{status},false,2030-01-01T00:00:00Z"


def counts(conn) -> tuple[int, int]:
    return (conn.execute("SELECT count(*) FROM site_metrics").fetchone()[0],
            conn.execute("SELECT count(*) FROM metric_quarantine").fetchone()[0])


# --- formats ----------------------------------------------------------------------------

def test_csv_jsonl_and_parquet_load_the_same_rows(sites, db_url, tmp_path):
    lines = [line(0, "2024-03-01T00:00:00Z"), line(1, "2024-03-01T00:05:00Z"),
             line(2, "2024-03-01T00:10:00Z", status="700")]
    csv_path = tmp_path / "m.csv"
    csv_path.write_text(HEADER + "\n" + "\n".join(lines) + "\n")
    frame = pd.read_csv(csv_path, dtype=str)
    records = [dict(zip(HEADER.split(","), text.split(","), strict=True)) for text in lines]
    for record in records:  # JSON Lines with JSON types, as exporters write them
        record.update(response_time_ms=float(record["response_time_ms"]),
                      page_size_bytes=int(record["page_size_bytes"]),
                      status_code=int(record["status_code"]), error=False)
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    typed = frame.assign(observed_at=pd.to_datetime(frame["observed_at"], utc=True),
                         response_time_ms=frame["response_time_ms"].astype(float),
                         page_size_bytes=frame["page_size_bytes"].astype(int),
                         status_code=frame["status_code"].astype(int), error=False)
    parquet = tmp_path / "m.parquet"
    typed.to_parquet(parquet)

    results = {}
    for path in (csv_path, jsonl, parquet):
        summary = ingest_file(db_url, path)
        assert (summary["loaded"], summary["quarantined"]) == (2, 1), path.name
        results[path.suffix] = sites.execute(
            "SELECT site_id, observed_at, response_time_ms, page_size_bytes, status_code, error,"
            " cert_expires_at FROM site_metrics ORDER BY 1, 2").fetchall()
        sites.execute("DELETE FROM site_metrics")
        sites.commit()
    assert results[".csv"] == results[".jsonl"] == results[".parquet"]
    locators = dict(sites.execute("SELECT source, locator FROM metric_quarantine").fetchall())
    assert locators == {str(csv_path.resolve()): "line 4", str(jsonl.resolve()): "line 3",
                        str(parquet.resolve()): "row 3"}
    raw = sites.execute("SELECT raw FROM metric_quarantine WHERE source = %s",
                        [str(jsonl.resolve())]).fetchone()[0]
    assert raw == records[2]  # the JSON object as it arrived, numbers still numbers


def test_line_numbers_survive_blank_lines_crlf_and_quoted_newlines(sites, db_url, tmp_path):
    plain = tmp_path / "crlf.csv"
    plain.write_bytes((HEADER + "\r\n\r\n" + line(0, "2024-03-01T00:00:00Z", status="1")
                       + "\r\n" + line(0, "2024-03-01T00:05:00Z") + "\r\n\r\n"
                       + line(0, "2024-03-01T00:10:00Z", size="-5") + "\r\n").encode())
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(HEADER + ",note\n" + line(0, "2024-03-01T01:00:00Z") + ',"two\nlines"\n'
                      + line(0, "2024-03-01T01:05:00Z", status="1") + ",x\n")
    for path, expected in ((plain, {"line 3", "line 6"}), (quoted, {"line 4"})):
        ingest_file(db_url, path)
        got = {r[0] for r in sites.execute("SELECT locator FROM metric_quarantine"
                                           " WHERE source = %s", [str(path.resolve())])}
        assert got == expected, path.name
    assert counts(sites)[0] == 2


def test_rows_that_do_not_fit_the_header_are_quarantined_whole(sites, db_url, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join([HEADER, line(0, "2024-03-01T00:00:00Z"),
                               line(0, "2024-03-01T00:05:00Z").replace("250.5", "1,2250.5"),
                               "only,three,fields", line(0, "2024-03-01T00:10:00Z")]) + "\n")
    summary = ingest_file(db_url, path)
    assert (summary["loaded"], summary["quarantined"]) == (2, 2)
    assert summary["quarantined_by_reason"] == {"row:malformed": 2}
    raws = dict(sites.execute("SELECT locator, raw FROM metric_quarantine").fetchall())
    assert raws["line 4"] == {"line": "only,three,fields"}
    assert "9 field(s)" in sites.execute("SELECT reasons[1] FROM metric_quarantine WHERE"
                                         " locator = 'line 3'").fetchone()[0]


@pytest.mark.parametrize("name, content, message", [
    ("latin1.csv", (HEADER + "\n" + line(0, "2024-03-01T00:00:00Z") + "\ncaf\xe9\n")
     .encode("latin-1"), r"latin1\.csv: line 3: not UTF-8"),
    ("header.csv", b"site,when\n1,2\n", r"header\.csv: line 1 \(header\): missing required"),
    ("quote.csv", (HEADER + "\n" + line(0, "2024-03-01T00:00:00Z") + '\n"open,1\n').encode(),
     r"quote\.csv: line 3: .*never closed"),
    ("bad.jsonl", b'{"site_id": "x"}\n{"site_id": \n', r"bad\.jsonl: line 2: not valid JSON"),
    ("bad.parquet", b"PAR1 this is not parquet", r"bad\.parquet: not a readable Parquet"),
    ("metrics.xlsx", b"whatever", r"metrics\.xlsx: unsupported file type"),
])
def test_a_file_that_cannot_be_parsed_fails_naming_file_and_line_and_loads_nothing(
        sites, db_url, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestFileError, match=message):
        ingest_file(db_url, path)
    assert counts(sites) == (0, 0)


def test_empty_file_is_zero_rows(sites, db_url, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert ingest_file(db_url, path)["input_rows"] == 0


# --- drop folder ------------------------------------------------------------------------

def write_day(folder, day: str, times: list[str], extra: list[str] = ()) -> None:
    rows = [line(i % len(SITES), f"{day}T{t}Z") for i, t in enumerate(times)] + list(extra)
    (folder / f"site_metrics_{day}.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")


def test_drop_runs_take_their_interval_and_bad_rows_go_to_the_midnight_run(
        sites, db_url, tmp_path):
    times = [f"{h:02d}:{m:02d}:00" for h in range(24) for m in (0, 30)]  # 48 rows a day
    bad = [line(0, "2024-03-01Tlunch"), line(1, "2024-03-09T00:00:00Z"), "a,b", line(2, "")]
    write_day(tmp_path, "2024-03-01", times, bad)
    write_day(tmp_path, "2024-03-02", times)
    day = datetime(2024, 3, 1, tzinfo=UTC)

    total = {"input_rows": 0, "loaded": 0, "quarantined": 0}
    runs = [(day + timedelta(hours=6 * k), day + timedelta(hours=6 * (k + 1))) for k in range(8)]
    for start, end in runs:  # a backfill of 6-hour runs over two days
        summary = ingest_drop(db_url, tmp_path, start, end, run_id=f"{start:%d%H}")
        for key in total:
            total[key] += summary[key]
        assert summary["input_rows"] + summary["out_of_scope"] == 48 + (
            len(bad) if start.day == 1 else 0)
        assert summary["quarantined"] == (len(bad) if start == day else 0)
    assert total == {"input_rows": 96 + len(bad), "loaded": 96, "quarantined": len(bad)}
    assert counts(sites) == (96, len(bad))
    reasons = {r[0] for r in sites.execute("SELECT unnest(reasons) FROM metric_quarantine")}
    assert any(r.startswith("observed_at:outside_file_day") for r in reasons)

    again = ingest_drop(db_url, tmp_path, day, day + timedelta(days=2))  # all at once
    assert (again["loaded"], again["quarantined"], again["changed_rows"]) == (96, 4, 0)
    assert counts(sites) == (96, len(bad))


def test_drop_run_reports_missing_days_and_site_filter(sites, db_url, tmp_path):
    write_day(tmp_path, "2024-03-02", ["00:00:00", "00:05:00", "00:10:00"])
    start = datetime(2024, 3, 1, 23, tzinfo=UTC)
    summary = ingest_drop(db_url, tmp_path, start, start + timedelta(hours=2),
                          site_ids=[SITES[1]])
    assert summary["missing_days"] == ["2024-03-01"]
    assert summary["files"] == ["site_metrics_2024-03-02.csv"]
    assert (summary["loaded"], summary["out_of_scope"]) == (1, 2)
    with pytest.raises(FileNotFoundError, match="drop folder"):
        ingest_drop(db_url, tmp_path / "nope", start, start + timedelta(hours=1))


def test_unparseable_day_file_fails_the_run_and_loads_nothing(sites, db_url, tmp_path):
    write_day(tmp_path, "2024-03-01", ["00:00:00"])
    (tmp_path / "site_metrics_2024-03-02.jsonl").write_text('{"site_id":\n')
    day = datetime(2024, 3, 1, tzinfo=UTC)
    with pytest.raises(IngestFileError, match=r"site_metrics_2024-03-02\.jsonl: line 1"):
        ingest_drop(db_url, tmp_path, day, day + timedelta(days=2))
    assert counts(sites) == (0, 0)


# --- property: malformed input never crashes a run and no row is lost -------------------

CELL = st.one_of(
    st.sampled_from(["", " ", "NULL", "nan", "-1", "0", "1", "200", "1e309", "true", "x",
                     "2024-03-01T00:00:00Z", "2024-02-30T00:00:00", "1,5", '"', "\\N",
                     "9" * 30]),
    st.text(max_size=12))
ROW = st.one_of(
    st.builds(lambda s, m, cells: [SITES[s], f"2024-03-01T00:{m:02d}:00Z", *cells],
              st.integers(0, 2), st.integers(0, 5), st.lists(CELL, min_size=5, max_size=6)),
    st.lists(CELL, min_size=1, max_size=10))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=12))
def test_malformed_files_never_crash_and_every_row_is_accounted_for(sites, db_url, tmp_path,
                                                                    rows):
    import csv

    sites.execute("TRUNCATE site_metrics, metric_quarantine")
    sites.commit()
    path = tmp_path / "fuzz.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as out:
        out.write(HEADER + "\r\n")
        # CRLF ends rows, so csv quotes any value holding \r or \n: one row stays one record
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:  # a lone surrogate was written: not UTF-8 at all
        with pytest.raises(IngestFileError, match="not UTF-8"):
            ingest_file(db_url, path)
        assert counts(sites) == (0, 0)
        return
    summary = ingest_file(db_url, path)
    assert summary["input_rows"] == len(rows)
    assert summary["input_rows"] == (summary["loaded"] + summary["quarantined"]
                                     + summary["duplicates"])
    assert counts(sites) == (summary["loaded"], summary["quarantined"])
