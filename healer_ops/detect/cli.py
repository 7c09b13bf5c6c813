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
    """Score one univariate series, strictly causally (row t uses rows up to t only)."""
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


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
    app.command("detect")(detect)
    bench_app.command("nab")(bench_nab)
