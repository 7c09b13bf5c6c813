"""`healer-ops bench nab|nab-synthetic|nab-validate`: the detection engine on NAB's files and
the synthetic families, beside published detectors."""

from __future__ import annotations

import json
from pathlib import Path

import typer


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
    reference: list[str] = typer.Option(["cadose", "relativeEntropy"], "--reference",
                                        help="Published detector scored beside (repeatable)"),
    no_reference: bool = typer.Option(False, "--no-reference",
                                      help="Skip the reference detectors (faster)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Run `detect` on every labelled NAB file and score the results with NAB's scorer,
    beside published detectors (CAD OSE, relative entropy) scored the same way in the same
    run; the alert column is judged by precision/recall of the labelled windows."""
    from healer_ops.devkit.nab import bench

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
    from healer_ops.devkit.nab.reference import DETECTORS

    unknown = sorted(set(reference) - set(DETECTORS))
    if unknown:
        typer.secho(f"error: unknown reference detector(s) {unknown}; known: "
                    f"{sorted(DETECTORS)}", fg="red", err=True)
        raise typer.Exit(2)
    run = bench.run_detector(nab, results, name)
    report = {"run": run, "scores": bench.score_results(nab, results, name, scorer),
              "alerts": bench.alert_figures(nab, results, name)}
    if loco:
        report["leave_one_category_out"] = bench.leave_one_category_out(nab, results, name,
                                                                        scorer)
    report["reference"] = {}
    for other in ([] if no_reference else reference):
        figures = {"run": bench.run_reference(nab, results, other),
                   "scores": bench.score_results(nab, results, other, scorer)}
        if loco:
            figures["leave_one_category_out"] = bench.leave_one_category_out(
                nab, results, other, scorer)
        report["reference"][other] = figures
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
    alerts = report["alerts"]["all"]
    typer.echo(f"alert column: precision {alerts['precision']} recall {alerts['recall']} "
               f"({alerts['alerts_in_windows']}/{alerts['alerts']} alerts in windows, "
               f"{alerts['windows_alerted']}/{alerts['windows']} windows alerted)")
    for other, figures in report["reference"].items():
        standard = figures["scores"]["standard"]
        typer.echo(f"reference {other:16s} standard {standard['normalized']:6.1f} "
                   f"({figures['run']['seconds']} s)")


def bench_nab_synthetic(
    out: Path = typer.Option(Path(".healer/nab-synthetic"), "--out",
                             help="Folder for the generated NAB corpus (data/, labels/)"),
    results: Path = typer.Option(Path(".healer/nab-synthetic-results"), "--results"),
    seeds: list[int] = typer.Option([1, 2, 3], "--seed", help="Corpus seed (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Score `detect` on synthetic AWS-, ad exchange- and traffic-like NAB files (the kinds
    not in ../shared/data/nab) together with the local files, one threshold for all."""
    from healer_ops.devkit.nab import bench

    _require_default_scorer(bench.DEFAULT_SCORER)
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


def bench_nab_validate(
    seeds: list[int] = typer.Option([1, 2], "--seed", help="Synthetic corpus seed (repeatable)"),
    reference: list[str] = typer.Option(["cadose", "relativeEntropy"], "--reference",
                                        help="Published detector scored beside (repeatable)"),
    no_reference: bool = typer.Option(False, "--no-reference", help="Skip them (faster)"),
    reference_cache: Path | None = typer.Option(
        None, "--reference-cache",
        help="Folder of the references' scores, keyed by their source and the file's values "
             "[default: ~/.cache/healer-ops/nab-reference]"),
    no_reference_cache: bool = typer.Option(False, "--no-reference-cache",
                                            help="Score every file with the references again"),
    with_retired: bool = typer.Option(
        False, "--with-retired",
        help="Add the retired variants (variants.RETIRED_VARIANTS) to the nested selection's "
             "candidates (about three times as long)"),
    engine_report: Path | None = typer.Option(
        None, "--engine-report",
        help="Also write the engine's figures (JSON) here as soon as they are known, before "
             "the references run"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Held-out figures of the engine: nested leave-one-category-out over the local NAB
    categories and the tuning synthetic families (variant and threshold chosen without the
    held-out category), exam families never used to choose anything, and the reference
    detectors on the same files."""
    from healer_ops.devkit.nab import bench, validate, variants
    from healer_ops.devkit.nab import reference as references

    _require_default_scorer(bench.DEFAULT_SCORER)
    cache = None if no_reference_cache else (reference_cache or references.default_cache_dir())
    candidates = variants.EVERY_VARIANT if with_retired else variants.VARIANTS
    report = validate.validate_engine(bench.DEFAULT_NAB_DIR, bench.DEFAULT_SCORER,
                                      tuple(seeds), () if no_reference else tuple(reference),
                                      reference_cache=cache, variants=candidates,
                                      on_engine_report=(lambda r: engine_report.write_text(
                                          _report_json(r))) if engine_report else None)
    if as_json:
        typer.echo(_report_json(report))
        return
    typer.echo(f"variant chosen on all tuning categories: {report['chosen_on_all_tuning']}")
    for section in ("held_out", "exam"):
        for category, figures in report[section].items():
            alerts = figures["alerts"]
            typer.echo(f"{section:8s} {category:22s} {figures['normalized']!s:>6}  "
                       f"({figures['variant']}; alerts P/R {alerts['precision']}/"
                       f"{alerts['recall']})")
    for name, figures in report["references"].items():
        typer.echo(f"reference {name} ({figures['from_cache']} files from cache): " + ", ".join(
            f"{c} {v['normalized']}" for c, v in figures["loco"].items()))


def _report_json(report: dict) -> str:
    return json.dumps(report, indent=1, default=float)  # numpy floats in the figures


def _require_default_scorer(scorer: Path) -> None:
    if not scorer.is_file():
        typer.secho(f"error: NAB scorer {scorer} not found", fg="red", err=True)
        raise typer.Exit(2)
