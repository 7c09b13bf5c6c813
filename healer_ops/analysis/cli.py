"""`healer-ops` commands of the analysis capability (typer only at module level)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
    bench_app.command("accuracy")(bench_accuracy)
    app.command("classify")(classify)
    bench_app.command("analyze")(bench_analyze)
    bench_app.command("cache")(bench_cache)


def classify(
    input_path: Path = typer.Option(..., "--input", exists=True, dir_okay=False,
                                    help='JSON Lines: {"id": ..., "log": "..."} per line'),
    output_path: Path = typer.Option(..., "--output", dir_okay=False,
                                     help="JSON Lines: id, diagnosis_type, confidence, "
                                          "culprit, recommendations, analyzer, cache_hit"),
    analyzer: str | None = typer.Option(None, help="local or openai (default: HEALER_ANALYZER)"),
    cache: bool = typer.Option(True, "--cache/--no-cache",
                               help="Use ai_analysis_cache in the resolved database"),
    concurrency: int | None = typer.Option(None, min=1, help="Logs analyzed at once "
                                           "(default: HEALER_AI_CONCURRENCY)"),
    on_error: str = typer.Option("record", help="Bad input lines: record (an 'error' line "
                                 "each, named on stderr) or fail (name them, write nothing)"),
) -> None:
    """Root-cause analysis of every log in a file, through the cached pipeline."""
    from healer_ops.analysis.classify import InputError, classify_file

    try:
        summary = classify_file(input_path, output_path, analyzer=analyzer, use_cache=cache,
                                concurrency=concurrency, on_error=on_error)
    except (InputError, ValueError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if summary["bad_lines"]:
        typer.secho(f"{len(summary['bad_lines'])} bad input line(s) written as 'error' records:",
                    fg="yellow", err=True)
        for problem in summary["problems"][:20]:
            typer.secho(f"  {problem}", fg="yellow", err=True)
    typer.echo(f"{summary['records']} logs -> {output_path} ({summary['analyzer']}): "
               f"{summary['cache_hits']} cache hits, {summary['llm_calls']} LLM calls, "
               f"fallbacks {summary['fallbacks'] or 'none'}, ${summary['cost_usd']:.6f}",
               err=True)


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
    from healer_ops.bench.analysis import analyze_executions

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
    from healer_ops.bench.analysis import cache_hit_rate

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
    from healer_ops.analysis.training import accuracy_report

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
