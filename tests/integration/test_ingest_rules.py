"""Every validation rule rejects what it should and only that (real PostgreSQL, real GX)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from healer_ops.ingest import ingest_file

SITE = "5e11a000-0000-4000-8000-000000000001"
OTHER_SITE = "5e11a000-0000-4000-8000-000000000002"
UNKNOWN_SITE = "5e11a000-0000-4000-8000-0000000000ff"
HEADER = ["site_id", "observed_at", "response_time_ms", "ttfb_ms", "page_size_bytes",
          "status_code", "error", "error_class", "wsod_marker", "cert_expires_at"]
FUTURE = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

# (changes to a valid row, the rule codes that must reject it; empty: it must load)
CASES = [
    ({}, set()),
    ({"status_code": "100"}, set()),
    ({"status_code": "599"}, set()),
    ({"status_code": "200.0"}, set()),
    ({"response_time_ms": "0", "ttfb_ms": "599999.9"}, set()),
    ({"response_time_ms": "", "ttfb_ms": "NULL", "page_size_bytes": "", "status_code": "",
      "error": "true", "error_class": "timeout"}, set()),
    ({"page_size_bytes": "0"}, set()),
    ({"page_size_bytes": "5000.0"}, set()),
    ({"error": "1"}, set()),
    ({"error": "FALSE", "wsod_marker": "yes"}, set()),
    ({"site_id": SITE.upper()}, set()),
    ({"site_id": "{" + OTHER_SITE + "}"}, set()),
    ({"error_class": "HTTP", "status_code": "503", "error": "t"}, set()),
    ({"cert_expires_at": "2030-01-01T00:00:00+02:00"}, set()),
    ({"site_id": ""}, {"site_id:missing"}),
    ({"site_id": "site-001.example.test"}, {"site_id:not_uuid"}),
    ({"site_id": UNKNOWN_SITE}, {"site_id:unknown"}),
    ({"observed_at": ""}, {"observed_at:missing"}),
    ({"observed_at": "yesterday"}, {"observed_at:not_timestamp"}),
    ({"observed_at": "1704067200"}, {"observed_at:not_timestamp"}),
    ({"observed_at": FUTURE}, {"observed_at:in_future"}),
    ({"response_time_ms": "12ms"}, {"response_time_ms:not_number"}),
    ({"response_time_ms": "-0.5"}, {"response_time_ms:negative"}),
    ({"response_time_ms": "600000"}, {"response_time_ms:over_10_minutes"}),
    ({"ttfb_ms": "1,5"}, {"ttfb_ms:not_number"}),
    ({"ttfb_ms": "-1"}, {"ttfb_ms:negative"}),
    ({"ttfb_ms": "inf"}, {"ttfb_ms:over_10_minutes"}),
    ({"page_size_bytes": "12.5"}, {"page_size_bytes:not_integer"}),
    ({"page_size_bytes": "-3"}, {"page_size_bytes:negative"}),
    ({"status_code": "99"}, {"status_code:out_of_range"}),
    ({"status_code": "600"}, {"status_code:out_of_range"}),
    ({"status_code": "200.5"}, {"status_code:not_integer"}),
    ({"status_code": "OK"}, {"status_code:not_integer"}),
    ({"error": ""}, {"error:missing"}),
    ({"error": "maybe"}, {"error:not_boolean"}),
    ({"cert_expires_at": "soon"}, {"cert_expires_at:not_timestamp"}),
    ({"error_class": "meltdown"}, {"error_class:unknown"}),
    ({"wsod_marker": "2"}, {"wsod_marker:not_boolean"}),
    ({"site_id": "nope", "observed_at": "", "status_code": "999", "error": "x"},
     {"site_id:not_uuid", "observed_at:missing", "status_code:out_of_range",
      "error:not_boolean"}),
]


def valid_row(minute: int) -> dict:
    return {"site_id": SITE, "observed_at": f"2024-03-01T{minute // 60:02d}:{minute % 60:02d}:00",
            "response_time_ms": "412.5", "ttfb_ms": "120.0", "page_size_bytes": "48213",
            "status_code": "200", "error": "false", "error_class": "", "wsod_marker": "",
            "cert_expires_at": "2030-01-01T00:00:00Z"}


@pytest.fixture
def sites(conn):
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, 'a.test', 'http://a.test/'),"
                 " (%s, 'b.test', 'http://b.test/')", [SITE, OTHER_SITE])
    conn.commit()
    return conn


def write_rows(path, rows: list[dict], extra_lines: dict[int, str] | None = None) -> None:
    """CSV with HEADER; `extra_lines` puts raw text lines after the given row index."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for index, row in enumerate(rows):
            writer.writerow([row[name] for name in HEADER])
            if extra_lines and index in extra_lines:
                out.write(extra_lines[index] + "\n")


def quarantine(conn, source) -> dict[str, tuple[dict, list[str]]]:
    rows = conn.execute("SELECT locator, raw, reasons FROM metric_quarantine WHERE source = %s",
                        [str(source)]).fetchall()
    return {locator: (raw, reasons) for locator, raw, reasons in rows}


def test_each_rule_rejects_what_it_should_and_only_that(sites, db_url, tmp_path):
    rows = [valid_row(i) | changes for i, (changes, _) in enumerate(CASES)]
    path = tmp_path / "rules.csv"
    write_rows(path, rows)
    summary = ingest_file(db_url, path, run_id="rules")

    kept = quarantine(sites, path.resolve())
    for i, (changes, expected) in enumerate(CASES):
        locator = f"line {i + 2}"
        got = {reason.split(": ")[0] for reason in kept[locator][1]} if locator in kept else set()
        assert got == expected, f"{changes}: rejected for {got}, expected {expected}"
        if expected:  # kept verbatim, every value as the text that arrived
            assert kept[locator][0] == rows[i]
    rejected = sum(1 for _, codes in CASES if codes)
    assert summary["quarantined"] == rejected
    assert summary["loaded"] == len(CASES) - rejected
    assert summary["input_rows"] == len(CASES) and summary["duplicates"] == 0
    assert summary["quarantined_by_reason"]["status_code:out_of_range"] == 3
    assert sites.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == summary["loaded"]


def test_accepted_values_are_stored_as_their_meaning(sites, db_url, tmp_path):
    rows = [valid_row(0) | {"site_id": SITE.upper(), "observed_at": "2024-03-01T01:00:00"},
            valid_row(0) | {"site_id": "{" + OTHER_SITE + "}",
                            "observed_at": "2024-03-01T03:00:00+02:00", "ttfb_ms": "NULL",
                            "page_size_bytes": "5000.0", "error": "1", "error_class": "HTTP",
                            "status_code": "503", "wsod_marker": "yes", "cert_expires_at": ""}]
    path = tmp_path / "meaning.csv"
    write_rows(path, rows)
    assert ingest_file(db_url, path)["loaded"] == 2
    stored = sites.execute(
        "SELECT site_id::text, observed_at, ttfb_ms, page_size_bytes, status_code, error,"
        " error_class, wsod_marker, cert_expires_at, source FROM site_metrics"
        " ORDER BY site_id").fetchall()
    one_am = datetime(2024, 3, 1, 1, tzinfo=UTC)
    assert stored[0][:2] == (SITE, one_am)  # no zone: UTC
    assert stored[0][8] == datetime(2030, 1, 1, tzinfo=UTC)
    assert stored[1] == (OTHER_SITE, one_am, None, 5000, 503, True, "http", True, None,
                         "file:meaning.csv")


def test_interval_rule_keeps_start_and_rejects_end(sites, db_url, tmp_path):
    rows = [valid_row(m) for m in (59, 60, 61, 119, 120)]
    path = tmp_path / "hour.csv"
    write_rows(path, rows)
    start = datetime(2024, 3, 1, 1, tzinfo=UTC)
    summary = ingest_file(db_url, path, interval_start=start,
                          interval_end=start + timedelta(hours=1))
    assert summary["loaded"] == 3
    assert summary["quarantined_by_reason"] == {"observed_at:outside_interval": 2}
    assert set(quarantine(sites, path.resolve())) == {"line 2", "line 6"}


def test_duplicates_in_a_batch_are_merged_last_one_wins(sites, db_url, tmp_path):
    first = valid_row(5)
    same_instant = first | {"observed_at": "2024-03-01T02:05:00+02:00", "status_code": "500",
                            "error": "true"}
    broken_twin = first | {"status_code": "700"}  # rejected: not a duplicate of anything
    path = tmp_path / "dups.csv"
    write_rows(path, [first, broken_twin, same_instant, valid_row(6)])
    summary = ingest_file(db_url, path)
    assert (summary["input_rows"], summary["loaded"], summary["quarantined"],
            summary["duplicates"]) == (4, 2, 1, 1)
    status = sites.execute("SELECT status_code FROM site_metrics WHERE observed_at ="
                           " '2024-03-01T00:05:00Z'").fetchone()[0]
    assert status == 500


def test_rerunning_a_file_changes_nothing(sites, db_url, tmp_path):
    rows = [valid_row(i) | changes for i, (changes, _) in enumerate(CASES)]
    path = tmp_path / "again.csv"
    write_rows(path, rows, extra_lines={3: "too,few"})
    first = ingest_file(db_url, path, run_id="one")
    snapshot = sites.execute("SELECT * FROM site_metrics ORDER BY 1, 2").fetchall()
    kept = sites.execute("SELECT * FROM metric_quarantine ORDER BY id").fetchall()
    sites.commit()
    second = ingest_file(db_url, path, run_id="two")
    assert first["changed_rows"] == first["loaded"] and second["changed_rows"] == 0
    assert {k: v for k, v in first.items() if k != "changed_rows"} == \
        {k: v for k, v in second.items() if k != "changed_rows"}
    assert sites.execute("SELECT * FROM site_metrics ORDER BY 1, 2").fetchall() == snapshot
    assert sites.execute("SELECT * FROM metric_quarantine ORDER BY id").fetchall() == kept


def test_site_filter_leaves_other_sites_out_of_scope(sites, db_url, tmp_path):
    rows = [valid_row(1), valid_row(2) | {"site_id": OTHER_SITE},
            valid_row(3) | {"site_id": OTHER_SITE, "status_code": "1"}]
    path = tmp_path / "filter.csv"
    write_rows(path, rows)
    summary = ingest_file(db_url, path, site_ids=[OTHER_SITE])
    assert (summary["input_rows"], summary["loaded"], summary["quarantined"],
            summary["out_of_scope"]) == (2, 1, 1, 1)
    assert sites.execute("SELECT site_id::text FROM site_metrics").fetchall() == [(OTHER_SITE,)]


def test_nul_characters_are_kept_visibly(sites, db_url, tmp_path):
    path = tmp_path / "nul.csv"
    write_rows(path, [valid_row(1) | {"status_code": "2\x0000"}])
    assert ingest_file(db_url, path)["quarantined"] == 1
    raw, reasons = quarantine(sites, path.resolve())["line 2"]
    assert raw["status_code"] == "2\\u000000"
    assert reasons[0].startswith("status_code:not_integer")


def test_unknown_rule_codes_are_not_invented(sites, db_url, tmp_path):
    """A row that breaks nothing gets no reason even next to many bad rows."""
    path = tmp_path / "mixed.csv"
    write_rows(path, [valid_row(1) | {"status_code": "x"}, valid_row(2),
                      valid_row(3) | {"error": "?"}])
    ingest_file(db_url, path)
    assert set(quarantine(sites, path.resolve())) == {"line 2", "line 4"}
    with psycopg.connect(db_url) as other:
        assert other.execute("SELECT count(*) FROM site_metrics").fetchone()[0] == 1


def test_overlapping_load_updates_changed_rows_and_adds_new_ones(sites, db_url, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_rows(first, [valid_row(m) for m in range(4)])
    write_rows(second, [valid_row(1), valid_row(2) | {"status_code": "503", "error": "true"},
                        valid_row(4)])
    assert ingest_file(db_url, first)["changed_rows"] == 4  # new history: appended
    summary = ingest_file(db_url, second)  # overlaps: staging + ON CONFLICT DO UPDATE
    assert (summary["loaded"], summary["changed_rows"]) == (3, 3)  # 1 same (source moved)
    rows = sites.execute("SELECT extract(minute FROM observed_at)::int, status_code, source"
                         " FROM site_metrics ORDER BY observed_at").fetchall()
    assert rows == [(0, 200, "file:first.csv"), (1, 200, "file:second.csv"),
                    (2, 503, "file:second.csv"), (3, 200, "file:first.csv"),
                    (4, 200, "file:second.csv")]
    assert ingest_file(db_url, second)["changed_rows"] == 0
