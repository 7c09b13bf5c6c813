"""`healer-ops bench ingest`: the whole file path against plain COPY, in a scratch database.

* project: `ingest_file` on a CSV of N rows (parse, validate with GX, quarantine, load into
  site_metrics with its indexes); new rows into an empty table take the append path (one
  binary COPY straight into site_metrics);
* staging_upsert_path: the same, forced through the general path (binary COPY into staging,
  INSERT ... ON CONFLICT DO UPDATE), as a re-run or an overlapping load pays it;
* raw: COPY of the same rows, already clean, into an empty table with site_metrics' columns
  and primary key, same database, same run;
* row insert: one INSERT per row, on a sample, into another such table; each row its own
  transaction (row_insert_rows_per_s, the row-at-a-time loader) and, for reference, all rows
  in one transaction (row_insert_one_transaction_rows_per_s).

great_expectations is imported before the clock starts (its import is a per-process cost,
reported as gx_import_s).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg

from healer_ops.devkit.bench import scratch_database, timed
from healer_ops.ingest.columns import REQUIRED_COLUMNS

BAD_ROW_SHARE = 0.001
COPY_COLUMNS = ", ".join(REQUIRED_COLUMNS)


def bench_ingest(rows: int, *, sites: int = 1000, insert_sample: int = 5_000,
                 seed: int = 1) -> dict:
    with scratch_database("ingest") as url:
        site_ids = _register_sites(url, sites)
        with tempfile.TemporaryDirectory(prefix="healer-bench-") as folder:
            project_file, clean_file, _bad = write_bench_files(Path(folder), rows,
                                                                   site_ids, seed)
            gx_import_s = timed(_import_gx)[1]
            _checkpoint(url)
            raw_s = timed(_raw_copy, url, clean_file)[1]
            _checkpoint(url)
            summary, project_s = timed(_project, url, project_file)
            staging_s = _staging_path_s(url, project_file)
            insert_rate, insert_txn_rate = _row_insert_rates(url, clean_file,
                                                             min(insert_sample, rows))
    project_rate = rows / project_s
    raw_rate = rows / raw_s
    return {"rows": rows, "project_rows_per_s": round(project_rate),
            "raw_copy_rows_per_s": round(raw_rate), "ratio": round(project_rate / raw_rate, 3),
            "row_insert_rows_per_s": round(insert_rate),
            "vs_row_insert": round(project_rate / insert_rate, 1),
            "row_insert_one_transaction_rows_per_s": round(insert_txn_rate),
            "vs_row_insert_one_transaction": round(project_rate / insert_txn_rate, 1),
            "staging_upsert_path_rows_per_s": round(rows / staging_s),
            "staging_upsert_path_ratio": round(rows / staging_s / raw_rate, 3),
            "project_s": round(project_s, 2), "raw_copy_s": round(raw_s, 2),
            "gx_import_s": round(gx_import_s, 2), "loaded": summary["loaded"],
            "quarantined": summary["quarantined"], "duplicates": summary["duplicates"]}




def _import_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations  # noqa: F401


def _register_sites(url: str, count: int) -> list[str]:
    ids = [str(uuid.UUID(int=i + 1)) for i in range(count)]
    with psycopg.connect(url) as conn, conn.cursor().copy(
            "COPY wp_sites (id, domain, url) FROM STDIN") as copy:
        for i, site_id in enumerate(ids):
            copy.write_row((site_id, f"bench-{i}.example.test", f"http://bench-{i}.test/"))
    return ids


def write_bench_files(folder: Path, rows: int, site_ids: list[str], seed: int):
    """(file with a few bad rows, the same rows clean, bad row count): 5-minute samples."""
    rng = np.random.default_rng(seed)
    n_sites = len(site_ids)
    step = np.arange(rows) // n_sites
    start = np.datetime64("2024-01-01T00:00:00", "s")
    times = np.datetime_as_string(start + step * np.timedelta64(300, "s")) + "Z"
    columns = {
        "site_id": np.asarray(site_ids, dtype=object)[np.arange(rows) % n_sites],
        "observed_at": times.astype(object),
        "response_time_ms": np.char.mod("%.1f", rng.lognormal(6, 0.4, rows)),
        "ttfb_ms": np.char.mod("%.1f", rng.lognormal(5, 0.4, rows)),
        "page_size_bytes": rng.integers(20_000, 200_000, rows).astype(str),
        "status_code": np.where(rng.random(rows) < 0.01, "503", "200"),
        "error": np.where(rng.random(rows) < 0.01, "true", "false"),
    }
    lines = np.array([",".join(parts) for parts in zip(*columns.values(), strict=True)],
                     dtype=object)
    header = ",".join(REQUIRED_COLUMNS)
    clean = folder / "clean.csv"
    clean.write_text(header + "\n" + "\n".join(lines) + "\n")
    bad = rng.choice(rows, max(1, int(rows * BAD_ROW_SHARE)), replace=False)
    for position in bad:
        fields = lines[position].split(",")
        fields[4] = "-" + fields[4]  # a negative page size
        lines[position] = ",".join(fields)
    project = folder / "project.csv"
    project.write_text(header + "\n" + "\n".join(lines) + "\n")
    return project, clean, len(bad)


def _raw_copy(url: str, clean_file: Path) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bench_raw_copy (LIKE site_metrics INCLUDING DEFAULTS,"
                     " PRIMARY KEY (site_id, observed_at))")
        conn.commit()
        with clean_file.open("rb") as source, conn.cursor().copy(
                f"COPY bench_raw_copy ({COPY_COLUMNS}) FROM STDIN (FORMAT csv, HEADER true)"
                ) as copy:
            while block := source.read(1 << 20):
                copy.write(block)
        conn.commit()


def _project(url: str, project_file: Path) -> dict:
    from healer_ops.ingest import ingest_file

    return ingest_file(url, project_file, run_id="bench")


def _staging_path_s(url: str, project_file: Path) -> float:
    """The same file through the general path (staging + INSERT ... ON CONFLICT) into the
    emptied tables: what a re-run or an overlapping load pays (seconds)."""
    from healer_ops.ingest.load import known_site_ids, upsert_metrics, upsert_quarantine
    from healer_ops.ingest.read import read_metrics_file
    from healer_ops.ingest.validate import Checks, parse_values, validate

    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE site_metrics, metric_quarantine")
        conn.commit()
        _checkpoint(url)
        start = time.perf_counter()
        batch = read_metrics_file(project_file)
        known = known_site_ids(conn)
        result = validate(batch, parse_values(batch.frame, known),
                          Checks(known, datetime.now(UTC)))
        upsert_metrics(conn, result.load, "file:bench", append_when_new=False)
        upsert_quarantine(conn, batch.source, result.quarantine, "bench")
        conn.commit()
        return time.perf_counter() - start


def _checkpoint(url: str) -> None:
    """Start each timed load with no dirty pages of the one before (needs superuser, as the
    embedded server's user is; elsewhere the runs just share the checkpointer)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


def _row_insert_rates(url: str, clean_file: Path, sample: int) -> tuple[float, float]:
    """Rows/s of one INSERT per row: each its own transaction (how a row-at-a-time loader
    writes), and all in one transaction. Each into a fresh keyed table."""
    with clean_file.open() as source:
        next(source)
        lines = [next(source).rstrip("\n").split(",") for _ in range(sample)]
    rates = []
    for autocommit in (True, False):
        table = "bench_row_insert_" + ("autocommit" if autocommit else "one_txn")
        with psycopg.connect(url, autocommit=autocommit) as conn:
            conn.execute(f"CREATE TABLE {table} (LIKE site_metrics INCLUDING DEFAULTS,"
                         " PRIMARY KEY (site_id, observed_at))")
            start = time.perf_counter()
            for fields in lines:
                conn.execute(f"INSERT INTO {table} ({COPY_COLUMNS}) VALUES "
                             "(%s, %s, %s, %s, %s, %s, %s)", fields)
            conn.commit()
            rates.append(sample / (time.perf_counter() - start))
    return rates[0], rates[1]
