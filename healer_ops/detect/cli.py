"""`healer-ops` commands of the detect capability (typer only at module level)."""

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
        typer.secho(f"error: {input}: no such file", fg="red", err=True)
        raise typer.Exit(2)
    try:
        counts = detect_file(input, output)
    except SeriesInputError as exc:
        typer.secho(f"error: {input}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{counts['rows']} rows scored ({counts['missing']} missing values, "
               f"{counts['out_of_order']} timestamps earlier than the row before), "
               f"{counts['alerts']} alert row(s) -> {output}")


def bench_nab(
    nab: Path = typer.Option(None, "--nab", help="NAB folder (data/ and labels/); "
                             "default ../shared/data/nab"),
    results: Path = typer.Option(Path(".healer/nab-results"), "--results",
                                 help="Folder for <category>/<NAME>_<file>.csv"),
    name: str = typer.Option("healerops", "--name", "-d", help="Detector name (no '_')"),
    scorer: Path = typer.Option(None, "--scorer", help="nab_score.py; default "
                                "../shared/tools/nab_score.py"),
    loco: bool = typer.Option(True, "--loco/--no-loco",
                              help="Also leave-one-category-out threshold checks"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Run `detect` on every labelled NAB file and score the results with NAB's scorer."""
    from healer_ops.bench import nab as bench

    nab = nab or bench.DEFAULT_NAB_DIR
    scorer = scorer or bench.DEFAULT_SCORER
    problem = ("the detector name must not contain '_' (NAB splits file names on it)"
               if "_" in name else
               f"{nab}/labels/combined_windows.json not found" if not
               (nab / "labels" / "combined_windows.json").is_file() else
               f"NAB scorer {scorer} not found (use --scorer)" if not scorer.is_file() else None)
    if problem:
        typer.secho(f"error: {problem}", fg="red", err=True)
        raise typer.Exit(2)
    run = bench.run_detector(nab, results, name)
    report = {"run": run, "scores": bench.score_results(nab, results, name, scorer)}
    if loco:
        report["leave_one_category_out"] = bench.leave_one_category_out(nab, results, name,
                                                                        scorer)
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    typer.echo(f"{run['files']} files, {run['rows']} rows in {run['seconds']} s "
               f"(slowest {run['slowest_file']}: {run['slowest_file_seconds']} s)")
    for profile, figures in report["scores"].items():
        typer.echo(f"{profile:20s} {figures['normalized']:6.1f}  threshold "
                   f"{figures['threshold']:.4f}  windows {figures['windows_detected']}/"
                   f"{figures['windows_total']}  fp rows {figures['fp_rows']}")
    for category, figures in report.get("leave_one_category_out", {}).items():
        typer.echo(f"held out {category:24s} {figures}")


def bench_nab_synthetic(
    out: Path = typer.Option(Path(".healer/nab-synthetic"), "--out",
                             help="Folder for the generated NAB corpus (data/, labels/)"),
    results: Path = typer.Option(Path(".healer/nab-synthetic-results"), "--results"),
    seeds: list[int] = typer.Option([1, 2, 3], "--seed", help="Corpus seed (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Score `detect` on synthetic AWS-, ad exchange- and traffic-like NAB files (the kinds
    not in ../shared/data/nab) together with the local files, one threshold for all."""
    from healer_ops.bench import nab as bench

    if not bench.DEFAULT_SCORER.is_file():
        typer.secho(f"error: NAB scorer {bench.DEFAULT_SCORER} not found", fg="red", err=True)
        raise typer.Exit(2)
    report = bench.synthetic_report(out, results, "healerops", bench.DEFAULT_SCORER,
                                    tuple(seeds))
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    for seed, figures in report["seeds"].items():
        typer.echo(f"seed {seed}: combined {figures['combined']} at threshold "
                   f"{figures['threshold']}")
        for kind, kind_figures in figures.items():
            if isinstance(kind_figures, dict):
                typer.echo(f"  {kind:16s} {kind_figures}")


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


def alerts_evaluate(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Score predictive_alerts against the demo fleet's injected incidents."""
    from healer_ops.detect.evaluate import score_alerts

    report = score_alerts(None)
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    typer.echo(f"alerts {report['alerts']} (false {report['false_alerts']}), incidents "
               f"{report['incidents']} (matched {report['matched_incidents']}); precision "
               f"{report['precision']}, recall {report['recall']}")
    for kind, counts in report["by_incident_type"].items():
        typer.echo(f"  {kind:18s} {counts}")
    for kind, counts in report["by_alert_type"].items():
        typer.echo(f"  {kind:24s} {counts}")
    leads = report["lead_times"]
    typer.echo(f"  slow degradations alerted before the outage: {leads['before_outage']}/"
               f"{leads['incidents']}, lead hours min {leads['min_hours']} median "
               f"{leads['median_hours']} max {leads['max_hours']}")


def bench_detect(
    sites: int = typer.Option(1000, "--sites", help="Sites in the demo fleet"),
    days: float = typer.Option(7, "--days", help="Days of 5-minute metrics"),
    seed: int = typer.Option(7, "--seed", help="Demo fleet seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Seconds for baselines (vs a bare aggregate over the same rows) and fleet detection."""
    from healer_ops.bench.detect import bench_detect as run

    report = run(sites, days, seed=seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        typer.echo(f"{key:24s} {value}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
    app.command("detect")(detect)
    bench_app.command("nab")(bench_nab)
    bench_app.command("nab-synthetic")(bench_nab_synthetic)
    app.command("baselines")(baselines)
    alerts_app = typer.Typer(help="Predictive alerts of the fleet.", no_args_is_help=True)
    alerts_app.command("scan")(alerts_scan)
    alerts_app.command("evaluate")(alerts_evaluate)
    app.add_typer(alerts_app, name="alerts")
    bench_app.command("detect")(bench_detect)
