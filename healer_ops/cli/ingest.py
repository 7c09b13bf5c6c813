"""`healer-ops ingest`: load historic metrics files or a drop folder."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer


def ingest(
    files: list[Path] = typer.Option(None, "--file", help="CSV, JSON Lines or Parquet file "
                                     "(repeatable)"),
    drop_dir: Path | None = typer.Option(None, "--drop-dir", help="Drop folder of "
                                         "site_metrics_YYYY-MM-DD.* day files"),
    start: datetime | None = typer.Option(None, help="Interval start, UTC (with --file: rows "
                                          "outside [start, end) are rejected)"),
    end: datetime | None = typer.Option(None, help="Interval end (exclusive)"),
    site_ids: list[str] = typer.Option(None, "--site-id", help="Only these sites (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object"),
) -> None:
    """Load historic metrics: validate every row, quarantine bad ones, upsert the rest."""
    from healer_ops import db
    from healer_ops.ingest import IngestFileError

    if bool(files) == bool(drop_dir):
        _fail("give --file (one or more) or --drop-dir, not both")
    if drop_dir and not (start and end):
        _fail("--drop-dir needs --start and --end")
    url = db.resolve_url()
    db.migrate(url)
    try:
        if drop_dir:
            summary = _ingest_drop(url, drop_dir, start, end, site_ids or None)
        else:
            summary = _ingest_files(url, files, start, end, site_ids or None)
    except (IngestFileError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(f"{summary['input_rows']} input rows: {summary['loaded']} loaded, "
               f"{summary['quarantined']} quarantined, {summary['duplicates']} duplicates "
               "merged")
    for reason, count in summary["quarantined_by_reason"].items():
        typer.echo(f"  {count:>8}  {reason}")


def _ingest_files(url, files, start, end, site_ids) -> dict:
    from healer_ops.cli.progress import progress
    from healer_ops.ingest import ingest_file
    from healer_ops.ingest.pipeline import Summary

    total, names = Summary(), []
    with progress("ingest", len(files), unit="files") as advance:
        for path in files:
            advance(0, f"reading, validating and loading {Path(path).name}")
            part = ingest_file(url, path, interval_start=start, interval_end=end,
                               site_ids=site_ids, run_id="cli")
            names += part.pop("files")
            total.add(Summary(**{k: v for k, v in part.items()}))
            advance(1, f"{Path(path).name}: {part['loaded']:,} rows loaded")
    return total.as_dict() | {"files": names}


def _ingest_drop(url, drop_dir, start, end, site_ids) -> dict:
    from healer_ops.cli.progress import progress
    from healer_ops.ingest import ingest_drop
    from healer_ops.ingest.drop import day_files
    from healer_ops.timeutil import as_utc

    found = (len(day_files(Path(drop_dir), as_utc(start, "--start"), as_utc(end, "--end"))[0])
             if Path(drop_dir).is_dir() else None)
    with progress("ingest", found, unit="day files") as advance:
        return ingest_drop(url, drop_dir, start, end, site_ids=site_ids, run_id="cli",
                           on_file=advance)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("ingest")(ingest)
