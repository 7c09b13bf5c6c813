"""Historic metrics from files: one file (`ingest_file`) or a drop folder of day files
(`ingest_drop`, what the DAG's files mode and `airflow backfill create` use).

Drop folder: `site_metrics_YYYY-MM-DD.csv` / `.jsonl` / `.parquet`, one per UTC day. A run
for [start, end) reads the files of the days it overlaps and takes the rows that belong to
it; the other rows of those files belong to other runs and are counted as `out_of_scope`
(not input of this run). A row of a day file belongs to:

* the run whose interval holds its observed_at, when observed_at is readable and on the
  file's day;
* otherwise (unreadable or missing time, a time on another day, a malformed line) the run
  whose interval holds the day's first instant (00:00 UTC), which quarantines it. Every row
  of every file thus belongs to exactly one run of a backfill, and nothing is dropped.

With `site_ids`, rows of other sites are out of scope too, and rows whose site cannot be read
(or malformed lines) belong only to runs without a site filter.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from healer_ops import db
from healer_ops.ingest.drop import day_files
from healer_ops.ingest.load import known_site_ids
from healer_ops.ingest.pipeline import Summary, validate_and_write
from healer_ops.ingest.read import RawBatch, read_metrics_file
from healer_ops.ingest.validate import Checks, Parsed, parse_values
from healer_ops.storage.partitions import ensure_for_interval
from healer_ops.timeutil import as_utc


def ingest_file(url: str, path, *, interval_start=None, interval_end=None, site_ids=None,
                run_id=None) -> dict:
    """Load one metrics file; with an interval, rows outside it are quarantined."""
    interval = _interval(interval_start, interval_end)
    batch = read_metrics_file(path)  # a file that cannot be parsed fails here, before writing
    batch.source = str(Path(path).resolve())
    if interval is not None:
        ensure_for_interval(url, *interval)
    with db.connect(url) as conn:
        known = known_site_ids(conn)
        parsed = parse_values(batch.frame, known)
        wanted = _site_filter(site_ids)
        scope = _site_scope(parsed, wanted)
        batch, parsed, outside = _narrow(batch, parsed, scope, keep_malformed=wanted is None)
        checks = Checks(known, datetime.now(UTC), interval=interval)
        summary = validate_and_write(conn, batch, parsed, checks,
                                     metrics_source=_metrics_source(path), run_id=run_id)
        summary.out_of_scope = outside
        conn.commit()
    return summary.as_dict() | {"files": [Path(path).name]}


def ingest_drop(url: str, drop_dir, interval_start, interval_end, *, site_ids=None,
                run_id=None, files: list[str] | None = None, on_file=None) -> dict:
    """Load the rows of [start, end) from the day files of a drop folder (one transaction).

    `files` (names in the folder, from the run's plan) are the day files to read; without
    it, the folder's day files of the interval. `on_file(1, name)` is called after each
    day file (a progress bar).
    """
    interval = _interval(interval_start, interval_end)
    if interval is None:
        raise ValueError("a drop-folder run needs interval_start and interval_end")
    start, end = interval
    drop_dir = Path(drop_dir)
    if not drop_dir.is_dir():
        raise FileNotFoundError(f"drop folder {drop_dir} does not exist")
    files, missing = day_files(drop_dir, start, end, files)
    wanted = _site_filter(site_ids)
    total = Summary()
    ensure_for_interval(url, start, end)  # the days' partitions, before any row is written
    with db.connect(url) as conn:
        known = known_site_ids(conn)
        now = datetime.now(UTC)
        for day, path in files:
            batch = read_metrics_file(path)  # raises before this run commits anything
            batch.source = str(path.resolve())
            parsed = parse_values(batch.frame, known)
            day_start = datetime.combine(day, datetime.min.time(), UTC)
            day_end = day_start + timedelta(days=1)
            owns_day = start <= day_start < end
            scope = (_drop_scope(parsed, day_start, day_end, start, end, owns_day)
                     & _site_scope(parsed, wanted))
            batch, parsed, outside = _narrow(batch, parsed, scope,
                                             keep_malformed=owns_day and wanted is None)
            checks = Checks(known, now, file_day=(day_start, day_end))
            summary = validate_and_write(conn, batch, parsed, checks,
                                         metrics_source=_metrics_source(path), run_id=run_id)
            summary.out_of_scope = outside
            total.add(summary)
            if on_file is not None:
                on_file(1, path.name)
        conn.commit()
    return total.as_dict() | {"files": [p.name for _, p in files],
                              "missing_days": [d.isoformat() for d in missing]}


def _interval(start, end) -> tuple[datetime, datetime] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError("give both interval_start and interval_end, or neither")
    start, end = as_utc(start, "interval_start"), as_utc(end, "interval_end")
    if end <= start:
        raise ValueError(f"empty interval [{start.isoformat()}, {end.isoformat()})")
    return start, end


def _site_filter(site_ids) -> set[str] | None:
    if not site_ids:
        return None
    try:
        return {str(uuid.UUID(str(s))) for s in site_ids}
    except ValueError as exc:
        raise ValueError(f"site_ids must be UUIDs: {exc}") from exc


def _site_scope(parsed: Parsed, wanted: set[str] | None) -> np.ndarray:
    if wanted is None:
        return np.ones(len(parsed.values), bool)
    return parsed.values["site_id"].isin(wanted).to_numpy(bool)


def _drop_scope(parsed: Parsed, day_start, day_end, start, end, owns_day: bool) -> np.ndarray:
    stamps = parsed.values["observed_at"]
    on_day = (stamps.notna() & (stamps >= day_start) & (stamps < day_end)).to_numpy(bool)
    in_run = (stamps.notna() & (stamps >= start) & (stamps < end)).to_numpy(bool)
    return (on_day & in_run) | (~on_day & owns_day)


def _narrow(batch: RawBatch, parsed: Parsed, scope: np.ndarray, *,
            keep_malformed: bool) -> tuple[RawBatch, Parsed, int]:
    """The in-scope part of a batch, and how many rows were left to other runs."""
    outside = int((~scope).sum()) + (0 if keep_malformed else len(batch.malformed))
    if scope.all() and keep_malformed:
        return batch, parsed, outside
    narrowed = batch.take(scope)
    if not keep_malformed:
        narrowed.malformed = []
    return narrowed, parsed.take(scope), outside


def _metrics_source(path) -> str:
    return "file:" + Path(path).name
