"""`healer-ops bench ...`: each benchmark prints its figures (--json for one object)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def bench_ingest(
    rows: int = typer.Option(1_000_000, "--rows", min=1, help="Rows in the file"),
    sites: int = typer.Option(1000, help="Sites the rows belong to"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Whole ingest path vs plain keyed COPY vs row-by-row INSERT (scratch database)."""
    from healer_ops.devkit.bench.ingest import bench_ingest as run

    result = run(rows, sites=sites)
    typer.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}"
                                                            for k, v in result.items()))


def bench_probe(
    sites: int = typer.Option(1000, "--sites", min=1, help="Simulated sites"),
    rounds: int = typer.Option(3, min=1, help="Probe rounds over all sites"),
    concurrency: int | None = typer.Option(None, help="Concurrent probes (default: setting)"),
    processes: int | None = typer.Option(None, help="Prober processes (default: setting)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Probes per second against the loopback fleet server (a subprocess)."""
    from healer_ops.devkit.bench.probe import bench_probe as run

    result = run(sites, rounds=rounds, concurrency=concurrency, processes=processes)
    typer.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}"
                                                            for k, v in result.items()))


def bench_api(
    duration: float = typer.Option(30.0, "--duration", min=0.5, max=300,
                                   help="Seconds of load"),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=256,
                                    help="Requests kept in flight"),
    sites: int = typer.Option(50, "--sites", min=1, help="Sites of the demo fleet served"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Bounded load test of the HTTP API on loopback: requests/s, p99 latency, errors."""
    from healer_ops.devkit.bench.api import bench_api as run

    result = run(duration, concurrency, sites=sites)
    typer.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}"
                                                            for k, v in result.items()))


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
    from healer_ops.devkit.nab import bench

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


def bench_detect(
    sites: int = typer.Option(1000, "--sites", help="Sites in the demo fleet"),
    days: float = typer.Option(7, "--days", help="Days of 5-minute metrics"),
    seed: int = typer.Option(7, "--seed", help="Demo fleet seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Seconds for baselines (vs a bare aggregate over the same rows) and fleet detection."""
    from healer_ops.devkit.bench.detect import bench_detect as run

    report = run(sites, days, seed=seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        typer.echo(f"{key:24s} {value}")


def bench_analyze(
    executions: int = typer.Option(1000, min=1, help="Failed executions to analyze"),
    sites: int | None = typer.Option(None, min=1, help="Sites the faults recur on "
                                     "(default: executions / faults)"),
    latency_ms: float = typer.Option(300.0, min=0, help="Latency of the loopback LLM"),
    concurrency: int | None = typer.Option(None, min=1, help="Default HEALER_AI_CONCURRENCY"),
    corpus: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                       help="Labelled JSON Lines (default: the dev corpus)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """ai_failure_analysis end to end (openai mode, loopback server) on a scratch database:
    seconds, cache hit rate, LLM calls, fallbacks, tokens and cost per diagnosis."""
    from healer_ops.devkit.bench.analysis import analyze_executions

    report = analyze_executions(executions, sites, latency_ms, concurrency, corpus)
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"{report['analyzed']}/{report['executions']} executions in {report['seconds']}"
               f" s ({report['runs']} runs, concurrency {report['concurrency']}, LLM latency "
               f"{report['latency_ms']:.0f} ms)")
    typer.echo(f"hit rate {report['hit_rate']:.3f} (best possible "
               f"{report['best_possible_hit_rate']:.3f}), {report['llm_calls']} LLM calls, "
               f"fallbacks {report['fallbacks'] or 'none'}")
    typer.echo(f"cost ${report['cost_usd']:.6f} at {report['model']} prices: "
               f"${report['cost_per_diagnosis_usd']:.8f} per diagnosis, "
               f"${report['cost_per_llm_call_usd']:.8f} per LLM call ({report['note']})")


def bench_cache(
    sites: int = typer.Option(20, min=1, help="Sites each fault recurs on"),
    corpus: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                       help="Labelled JSON Lines (default: the dev corpus)"),
    seed: int | None = typer.Option(None, help="Stream seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cache hit rate when the corpus's faults recur on many sites with different paths,
    timestamps and numbers (the pipeline's cache key; no two types may share a hash)."""
    from healer_ops.devkit.bench.analysis import cache_hit_rate

    report = cache_hit_rate(corpus, sites, seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"{report['logs']} logs ({report['faults']} faults x {report['sites']} sites): "
               f"hit rate {report['hit_rate']:.4f} (best possible "
               f"{report['best_possible_hit_rate']:.4f}), {report['distinct_hashes']} hashes")
    typer.echo(f"faults keyed by one hash: {report['faults_with_one_hash']}/{report['faults']}"
               f", worst {report['worst_faults'][:3]}; hashes shared by two types: "
               f"{report['hashes_shared_by_types']}")


def bench_accuracy(
    folds: int = typer.Option(5, min=2, help="Stratified folds over the dev corpus"),
    seed: int = typer.Option(0, help="Fold shuffling seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cross-validated accuracy of the local analyzer on the dev corpus (held-out dev
    examples never in training), per type and strategy, with calibration figures."""
    from healer_ops.devkit.evaluate.accuracy import accuracy_report

    report = accuracy_report(k=folds, seed=seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    corpus = report["corpus"]
    typer.echo(f"dev corpus {corpus['dev']} examples, {report['folds']}-fold CV; "
               f"{corpus['written']} written examples always in training")
    for name, figures in report["strategies"].items():
        marker = " (selected)" if name == report["selected_strategy"] else ""
        typer.echo(f"{name:18} accuracy {figures['accuracy']:.3f}  with alt "
                   f"{figures['accuracy_with_alt']:.3f}  brier {figures['brier_confidence']:.4f}"
                   f"  ece {figures['ece']:.4f}{marker}")
    selected = report["strategies"][report["selected_strategy"]]
    for diagnosis_type, row in selected["per_type"].items():
        typer.echo(f"  {diagnosis_type:18} {row['correct']}/{row['n']}  {row['accuracy']:.3f}")
    typer.echo("reliability (selected): " + ", ".join(
        f"{r['bin']}: n={r['n']} conf={r['mean_confidence']:.2f} acc={r['accuracy']:.2f}"
        for r in selected["reliability"]))
    for name, figures in report["corpus_cv"].items():
        typer.echo(f"whole-corpus {report['folds']}-fold CV, {name:16} accuracy "
                   f"{figures['accuracy']:.3f}  brier {figures['brier_confidence']:.4f}  "
                   f"ece {figures['ece']:.4f}")
    typer.echo(f"cv {report['cv_seconds']} s, fit on the full corpus "
               f"{report['fit_seconds_full_corpus']} s (shared CPU: noisy)")


def bench_generator(
    sizes: list[str] = typer.Option(["50x14", "1000x7"], "--size",
                                    help="SITESxDAYS, repeatable"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object"),
) -> None:
    """Time generate_metrics (vectorized metrics + incidents, no database)."""
    import json
    import time

    from healer_ops.devkit.fleet.metrics import generate_metrics

    results = []
    for size in sizes:
        sites, days = size.lower().split("x")
        started = time.perf_counter()
        frame, incidents, _ = generate_metrics(int(sites), float(days), seed=7)
        seconds = time.perf_counter() - started
        results.append({"sites": int(sites), "days": float(days), "rows": len(frame),
                        "incidents": len(incidents), "seconds": round(seconds, 2),
                        "rows_per_second": int(len(frame) / seconds)})
    if as_json:
        typer.echo(json.dumps({"generator": results}))
        return
    for r in results:
        typer.echo(f"{r['sites']} sites x {r['days']:g} days: {r['rows']} rows, "
                   f"{r['incidents']} incidents in {r['seconds']} s "
                   f"({r['rows_per_second']} rows/s)")


