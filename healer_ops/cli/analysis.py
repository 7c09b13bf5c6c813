"""`healer-ops classify`: root-cause analysis of a file of logs."""

from __future__ import annotations

from pathlib import Path

import typer


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
    from healer_ops.analysis.classify import MAX_LOG_CHARS, InputError, classify_file
    from healer_ops.cli.progress import progress

    try:
        with input_path.open("rb") as handle:  # records as classify counts them
            total = sum(1 for line in handle if line.strip())
        with progress("classify", total, unit="logs") as advance:
            summary = classify_file(input_path, output_path, analyzer=analyzer,
                                    use_cache=cache, concurrency=concurrency,
                                    on_error=on_error, on_record=advance)
    except (InputError, ValueError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:  # the input could not be read or the output written
        typer.secho(f"error: {exc.filename or output_path}: {exc.strerror or exc}", fg="red",
                    err=True)
        raise typer.Exit(2) from exc
    if summary["bad_lines"]:
        typer.secho(f"{len(summary['bad_lines'])} bad input line(s) written as 'error' records:",
                    fg="yellow", err=True)
        for problem in summary["problems"][:20]:
            typer.secho(f"  {problem}", fg="yellow", err=True)
    if summary["clipped_lines"]:
        lines = ", ".join(map(str, summary["clipped_lines"][:20]))
        typer.secho(f"note: {len(summary['clipped_lines'])} log(s) longer than "
                    f"{MAX_LOG_CHARS:,} characters analyzed by their first and last "
                    f"{MAX_LOG_CHARS // 2:,} (line(s) {lines})", fg="yellow", err=True)
    typer.echo(f"{summary['records']} logs -> {output_path} ({summary['analyzer']}): "
               f"{summary['cache_hits']} cache hits, {summary['llm_calls']} LLM calls, "
               f"fallbacks {summary['fallbacks'] or 'none'}, ${summary['cost_usd']:.6f}",
               err=True)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("classify")(classify)
