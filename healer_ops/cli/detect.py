"""`healer-ops detect`, `baselines` and `alerts scan`: scoring series and the fleet."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def detect(
    input: Path = typer.Option(..., "--input", help="CSV with columns timestamp,value"),
    output: Path = typer.Option(..., "--output",
                                help="CSV written: timestamp,value,anomaly_score,alert"),
) -> None:
    """Score one univariate series, strictly causally (row t uses rows up to t only).

    Output: timestamp,value,anomaly_score,alert, one row per input row; alert = score >= 0.5.
    A missing value (empty, NaN, null, NA) is kept, scored 0 and never alerts; a value that
    is not a number, an unparsable timestamp or a missing column is refused naming the line.
    """
    from healer_ops.detect.series_io import SeriesInputError, detect_file

    if not input.is_file():
        _fail(f"{input}: {'not a file' if input.exists() else 'no such file'}")
    if output.is_dir():
        _fail(f"{output}: a folder, not a file to write")
    try:
        counts = detect_file(input, output)
    except SeriesInputError as exc:
        _fail(f"{input}: {exc}")
    except OSError as exc:  # the output could not be written
        _fail(f"{exc.filename or output}: cannot write: {exc.strerror or exc}")
    typer.echo(f"{counts['rows']} rows scored ({counts['missing']} missing values, "
               f"{counts['out_of_order']} timestamps earlier than the row before), "
               f"{counts['alerts']} alert row(s) -> {output}")


def baselines(
    period_end: str = typer.Option(None, "--period-end",
                                   help="ISO 8601 end of the period (default: now)"),
    days: int = typer.Option(28, "--days", help="Days of history in the period"),
    site_id: list[str] = typer.Option(None, "--site-id", help="Only this site (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Compute and store every site's performance baseline (in PostgreSQL) for one period."""
    from datetime import UTC, datetime

    from healer_ops.baselines import compute_baselines

    try:
        summary = compute_baselines(None, period_end or datetime.now(UTC), days=days,
                                    site_ids=site_id or None)
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(summary) if as_json else
               f"{summary['sites']} baselines for {summary['period_start']} .. "
               f"{summary['period_end']} ({summary['samples']} samples; seasonality "
               f"{summary['seasonality']})")


def alerts_scan(
    since: str = typer.Option(None, "--since", help="ISO 8601 (default: the watermark)"),
    until: str = typer.Option(None, "--until",
                              help="ISO 8601 (default: after the latest observation)"),
    site_id: list[str] = typer.Option(None, "--site-id", help="Only this site (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Score the fleet's metrics and open, update or resolve predictive alerts."""
    from healer_ops.detect.fleet import detect_new_data

    _check_scan_options(since, until, site_id or [])
    try:
        summary = detect_new_data(None, since=since, until=until, site_ids=site_id or None)
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if as_json or not summary.get("scored"):
        typer.echo(json.dumps(summary))
        return
    typer.echo(f"{summary['since']} .. {summary['until']}: {summary['sites']} sites, "
               f"{summary['observations']} observations; alerts opened {summary['opened']}, "
               f"updated {summary['updated']}, resolved {summary['resolved']}, "
               f"open now {summary['open_total']}")


def _check_scan_options(since: str | None, until: str | None, site_ids: list[str]) -> None:
    """Bad options are refused before any work, even when there is nothing to score."""
    from uuid import UUID

    from healer_ops.timeutil import as_utc

    try:
        times = {name: as_utc(value, name) for name, value in (("since", since),
                                                                 ("until", until)) if value}
    except ValueError as exc:
        _fail(f"--{exc}")
    if len(times) == 2 and times["until"] <= times["since"]:
        _fail(f"--until ({until}) must be after --since ({since})")
    for site_id in site_ids:
        try:
            UUID(site_id)
        except ValueError:
            _fail(f"--site-id {site_id!r} is not a site id (a uuid)")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("detect")(detect)
    app.command("baselines")(baselines)
    groups["alerts"].command("scan")(alerts_scan)
