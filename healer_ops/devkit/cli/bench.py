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
    ask: str = typer.Option("unsure", help="Logs the LLM is asked about: unsure (the local "
                            "analyzer answered UNKNOWN; the default, HEALER_AI_ASK) or all"),
    concurrency: int | None = typer.Option(None, min=1, help="Default HEALER_AI_CONCURRENCY"),
    corpus: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                       help="Labelled JSON Lines (default: the dev corpus)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """ai_failure_analysis end to end (openai mode, loopback server) on a scratch database:
    seconds, cache hit rate, LLM calls, fallbacks, tokens and cost per diagnosis."""
    from healer_ops.devkit.bench.analysis import analyze_executions

    if ask not in ("unsure", "all"):
        typer.secho(f"error: --ask must be unsure or all, not {ask!r}", fg="red", err=True)
        raise typer.Exit(2)
    report = analyze_executions(executions, sites, latency_ms, concurrency, corpus, ask=ask)
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
    noise: str = typer.Option("all", help="Noisy streams too: all (the tuning, held-out "
                              "and fresh held-out parts of the generator), tune, held-out, "
                              "fresh or none"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cache hit rate when the corpus's faults recur on many sites with different paths,
    timestamps and numbers (the pipeline's cache key; no two types may share a hash), and on
    the noisy stream (noise of other plugins and themes, wrappers, line ends, zones, cut
    traces): hit rate against the ideal, share of diagnoses that differ from the clean log."""
    from healer_ops.devkit.bench.analysis import cache_hit_rate
    from healer_ops.devkit.noise.pool import PARTS

    parts = {"all": PARTS, "none": ()}.get(noise, (noise,))
    if any(part not in PARTS for part in parts):
        typer.secho(f"error: --noise must be all, tune, held-out, fresh or none, not {noise!r}",
                    fg="red", err=True)
        raise typer.Exit(2)
    report = cache_hit_rate(corpus, sites, seed, noisy_parts=parts)
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"{report['logs']} logs ({report['faults']} faults x {report['sites']} sites): "
               f"hit rate {report['hit_rate']:.4f} (best possible "
               f"{report['best_possible_hit_rate']:.4f}), {report['distinct_hashes']} hashes")
    typer.echo(f"faults keyed by one hash: {report['faults_with_one_hash']}/{report['faults']}"
               f", worst {report['worst_faults'][:3]}; hashes shared by two types: "
               f"{report['hashes_shared_by_types']}")
    for part, figures in report.get("noisy", {}).items():
        typer.echo(f"noisy stream ({part}): hit rate {figures['hit_rate']:.4f} of ideal "
                   f"{figures['ideal_hit_rate']:.4f} = {figures['hit_rate_of_ideal']:.4f}; "
                   f"diagnosis differs {figures['diagnosis_differs_share']:.4f} "
                   f"({figures['diagnosis_differs']}), culprit differs "
                   f"{figures['culprit_differs']}, HEALTHY {figures['called_healthy']}")


def bench_accuracy(
    folds: int = typer.Option(5, min=2, help="Stratified folds over the dev corpus"),
    seed: int = typer.Option(0, help="Fold shuffling seed"),
    noisy_variants: int = typer.Option(10, min=0, help="Noisy variants of each held-out dev "
                                       "example per half of the generator (0: none)"),
    threshold: float | None = typer.Option(None, min=0.0, max=1.0, help="Abstention "
                                           "threshold (default HEALER_ABSTAIN_BELOW)"),
    repeats: int = typer.Option(3, min=1, help="Whole-corpus CVs (other seeds) pooled for "
                                "the calibration figures"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Cross-validated accuracy of the local analyzer on the dev corpus (held-out dev
    examples never in training), per type and strategy; calibration of rule and classifier
    decisions, accuracy at each abstention threshold, and the noisy stream of held-out
    examples."""
    from healer_ops.devkit.evaluate.report import accuracy_report

    report = accuracy_report(k=folds, seed=seed, noisy_variants=noisy_variants,
                             threshold=threshold, repeats=repeats)
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
    for name, figures in report["corpus_cv"].items():
        typer.echo(f"whole-corpus {report['folds']}-fold CV, {name:16} accuracy "
                   f"{figures['accuracy']:.3f}  brier {figures['brier_confidence']:.4f}  "
                   f"ece {figures['ece']:.4f}")
    _echo_calibration(report)
    typer.echo(f"cv {report['cv_seconds']} s, fit on the full corpus "
               f"{report['fit_seconds_full_corpus']} s (shared CPU: noisy)")


def _echo_calibration(report: dict) -> None:
    threshold = report["abstain_below"]
    for where, figures in report["calibration"].items():
        if figures.get("repeats", 1) > 1:
            where += f" x{figures['repeats']} seeds"
        for source, calibration in figures["by_decision"].items():
            typer.echo(f"{where} {source:10} decisions n={calibration['n']:4d} accuracy "
                       f"{calibration['accuracy']:.3f} mean confidence "
                       f"{calibration['mean_confidence']:.3f} ece {calibration['ece']:.4f} "
                       f"(5 bins {calibration['ece_5_bins']:.4f}; perfectly calibrated at this n: "
                       f"{calibration['ece_floor']:.4f} / {calibration['ece_5_bins_floor']:.4f})")
        final = figures["final_outputs"]
        typer.echo(f"{where} answers at threshold {threshold}: accuracy {final['accuracy']:.3f}"
                   f", ece {final['ece']:.4f}, abstained {final['abstained']}/{final['n']}")
        for row in figures["coverage"]:
            answered = row["answered_accuracy"]
            typer.echo(f"  threshold {row['threshold']:.1f}: coverage {row['coverage']:.3f}, "
                       f"answered accuracy {answered if answered is not None else '-'}, "
                       f"abstained {row['abstained']}, all answers "
                       f"{row['accuracy_with_abstentions']:.3f}")
    for part, figures in report["noisy_dev_cv"].items():
        typer.echo(f"noisy held-out dev examples ({part}): {figures['variants']} variants, "
                   f"diagnosis differs {figures['diagnosis_differs_share']:.4f}, HEALTHY "
                   f"{figures['called_healthy']}, accuracy {figures['accuracy_vs_label']:.3f}, "
                   f"ece {figures['calibration']['ece']:.4f}")


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




def bench_patterns(
    good: int = typer.Option(300, min=1, help="Good patterns (true success rate 0.90-0.99)"),
    bad: int = typer.Option(1000, min=1, help="Bad patterns (true success rate from --bad-low "
                            "to 0.80)"),
    bad_low: float = typer.Option(0.40, min=0.0, max=0.79, help="Lowest true success rate of "
                                  "a bad pattern"),
    turning: int = typer.Option(100, min=0, help="Good patterns that turn bad (0.20-0.60) "
                                "when the fixed software's version changes"),
    weeks: int = typer.Option(10, min=2, help="Weeks of simulated uses"),
    seed: int = typer.Option(1, help="Simulation seed"),
    trade_off: bool = typer.Option(False, "--trade-off", help="Also run the previous rule and "
                                   "other strengths of the sequential test (several minutes)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Pattern approval on simulated patterns with known true success rates, decided by the
    real refresh code: good approved within 20 uses, bad approved, failures to revoke."""
    from healer_ops.devkit.bench import patterns

    report = patterns.bench_patterns(good, bad, turning, weeks, seed, bad_low=bad_low)
    if trade_off:
        report["trade_off"] = patterns.trade_off(good, bad, turning, weeks, seed)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        if key != "trade_off":
            typer.echo(f"{key:28s} {value}")
    for row in report.get("trade_off", []):
        typer.echo(f"{row['good_approved_share']!s:>6} good<=20  {row['bad_approved_share']!s:>6}"
                   f" bad  median {row['uses_to_approve_median']!s:>5} uses  revoke max "
                   f"{row['failures_to_revoke_max']!s:>3}  good revoked "
                   f"{row['good_revoked_share']!s:>6}  | {row['policy']}")


def bench_redaction(
    seeds: list[int] = typer.Option([9], "--seed", help="Corpus seed (repeatable)"),
    per_kind: int = typer.Option(4, "--per-kind", min=1, help="Logs of each kind"),
    write_corpus: Path | None = typer.Option(None, "--write-corpus", dir_okay=False,
                                             help="Also write the corpus (first seed, held-out "
                                             "kinds included) as JSON Lines"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Leak rate on the secret-laden corpus (main and held-out kinds), false redaction on the
    labelled corpora (and whether the local analysis changes), ms per log, one 18 MB line."""
    from healer_ops.devkit.bench.redaction import redaction_report
    from healer_ops.devkit.secrets_corpus import generate, write_jsonl

    if write_corpus:
        write_jsonl(write_corpus, generate(seeds[0], per_kind)
                    + generate(seeds[0], per_kind, held_out=True))
    report = redaction_report(tuple(seeds), per_kind)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for part in ("corpus", "held_out"):
        for seed, figures in report[part].items():
            typer.echo(f"{part:8} seed {seed}: {figures['leaking_logs']}/{figures['logs']} logs "
                       f"leak ({figures['leak_rate']:.2%}), {figures['kinds']} kinds, "
                       f"{figures['secrets']} secrets, diagnostic text kept "
                       f"{figures['diagnostic_text_kept']}; leaking kinds "
                       f"{figures['leaking_by_kind'] or 'none'}")
    for name, figures in report["false_redaction"].items():
        typer.echo(f"false redaction on {name}: {figures['logs_redacted_beyond_personal_data']}/"
                   f"{figures['logs']} logs redacted beyond personal data; analysis changed "
                   f"type {figures['analysis_type_changed']}, culprit "
                   f"{figures['analysis_culprit_changed']}; by rule "
                   f"{figures['replacements_by_rule']}")
    fast = report["speed"]
    typer.echo(f"speed: {fast['ms_per_log_mean']} ms per dev log (p95 {fast['ms_per_log_p95']}; "
               f"CPU {fast['cpu_ms_per_log_mean']} ms), an {fast['huge_line_bytes'] / 1e6:.0f} MB "
               f"line in {fast['huge_line_seconds']} s (CPU {fast['huge_line_cpu_seconds']} s; "
               f"cut to {fast['max_redact_chars']} characters first)")


def bench_backfill(
    sites: int = typer.Option(50, min=1, help="Sites of the generated fleet"),
    days: int = typer.Option(14, min=1, help="Days of history to backfill"),
    sample_hours: float = typer.Option(2.0, min=0.25, help="Hours of 5-minute runs timed "
                                       "(the full 5-minute backfill is extrapolated)"),
    workers: int = typer.Option(2, min=1, help="Celery workers of the scratch cluster"),
    concurrency: int = typer.Option(2, min=1, help="Task slots per worker"),
    pg_url: str = typer.Option(None, envvar="HEALER_TEST_PG_URL",
                               help="PostgreSQL server (a user that may create databases)"),
    redis_url: str = typer.Option(None, envvar="HEALER_TEST_REDIS_URL", help="Redis broker"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """`airflow backfill create` of DAYS of history on a scratch Celery cluster: the daily
    site_metrics_backfill (one run per day) vs site_metrics_ingest (one run per 5 minutes)."""
    from healer_ops.devkit.bench.backfill import bench_backfill as run

    report = run(sites=sites, days=days, sample_hours=sample_hours, workers=workers,
                 concurrency=concurrency, pg_url=pg_url, redis_url=redis_url)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for key, value in report.items():
        typer.echo(f"{key:22s} {value}")


def bench_fleet(
    sites: int = typer.Option(1000, "--sites", min=1, help="Sites of the fleet"),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes running the shards"),
    shard_size: int = typer.Option(None, "--shard-size", min=1,
                                   help="Sites per ingest shard (default: setting)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """One 5-minute cycle of N sites (ingest, roll-up, detection), a day of baselines,
    storage per site per day and the retention of a day (scratch database)."""
    from healer_ops.devkit.bench.fleet import bench_fleet as run

    result = run(sites, workers=workers, shard_size=shard_size)
    typer.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}"
                                                            for k, v in result.items()))
