"""The operator's commands: `alerts ack|unack|snooze|unsnooze|resolve|reopen|label`,
`analyze` (one execution on demand, or failed ones back to the DAG), `labels
diagnosis|export`, and `report` (the success metrics beside their targets)."""

from __future__ import annotations

import getpass
import json

import typer

BY = typer.Option(None, "--by", help="Who acts (default: your login name)")
NOTE = typer.Option(None, "--note", help="Why (kept in the alert's history)")


def _fail(message: str, code: int = 2):
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def database_errors(command):
    """A command whose database is unreachable or not migrated says so in one line."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        import psycopg

        try:
            return command(*args, **kwargs)
        except psycopg.errors.UndefinedTable as exc:
            _fail(f"the database is not migrated ({str(exc).splitlines()[0]}): run "
                  "`healer-ops db migrate`", 1)
        except psycopg.OperationalError as exc:
            from healer_ops.analysis.pipeline import safe_error

            _fail(f"cannot reach the database: {safe_error(exc)}", 1)

    return run


def _act(alert_id: int, action: str, by: str | None, **kwargs) -> None:
    from healer_ops.operate.lifecycle import AlertNotFound, LifecycleError, act

    try:
        result = act(None, alert_id, action, actor=by or getpass.getuser(), **kwargs)
    except (AlertNotFound, LifecycleError) as exc:
        _fail(str(exc), 1 if isinstance(exc, LifecycleError) and not exc.bad_argument else 2)
    change = "" if result["changed"] else " (no change: it was already so)"
    typer.echo(f"alert {alert_id}: {action}{change}; now {result['state']}")


def alerts_ack(alert_id: int = typer.Argument(...), by: str = BY, note: str = NOTE) -> None:
    """Acknowledge an alert: someone is on it (notifications go on)."""
    _act(alert_id, "acknowledge", by, note=note)


def alerts_unack(alert_id: int = typer.Argument(...), by: str = BY) -> None:
    """Take an acknowledgement back."""
    _act(alert_id, "unacknowledge", by)


def alerts_snooze(alert_id: int = typer.Argument(...),
                  minutes: float = typer.Option(None, help="For this many minutes"),
                  until: str = typer.Option(None, help="Until this time (ISO 8601 with zone)"),
                  by: str = BY, note: str = NOTE) -> None:
    """No notification about this alert until then (at most 30 days)."""
    from healer_ops.timeutil import as_utc

    try:
        when = as_utc(until, "--until") if until else None
    except ValueError as exc:
        _fail(str(exc))
    _act(alert_id, "snooze", by, until=when, minutes=minutes, note=note)


def alerts_unsnooze(alert_id: int = typer.Argument(...), by: str = BY) -> None:
    """End a snooze now."""
    _act(alert_id, "unsnooze", by)


def alerts_resolve(alert_id: int = typer.Argument(...), by: str = BY, note: str = NOTE) -> None:
    """Resolve by hand: it stays resolved while detection still sees the same problem."""
    _act(alert_id, "resolve", by, note=note)


def alerts_reopen(alert_id: int = typer.Argument(...), by: str = BY, note: str = NOTE) -> None:
    """Undo a resolve by hand."""
    _act(alert_id, "reopen", by, note=note)


def alerts_label(alert_id: int = typer.Argument(...),
                 real: bool = typer.Option(..., "--real/--false-alarm",
                                           help="A real problem, or a false alarm"),
                 by: str = BY, note: str = NOTE) -> None:
    """Label an alert (alert precision in `healer-ops report`)."""
    _act(alert_id, "label", by, label=real, note=note)


def analyze(
    execution: str = typer.Option(None, "--execution", help="Analyze this execution now"),
    force: bool = typer.Option(False, "--force", help="Skip the cache lookup"),
    requeue_failed: bool = typer.Option(False, "--requeue-failed",
                                        help="Hand executions whose analysis failed every "
                                             "attempt back to ai_failure_analysis"),
    since: str = typer.Option(None, help="With --requeue-failed: only executions started "
                              "since (ISO 8601)"),
    analyzer: str = typer.Option(None, help="local or openai (default: HEALER_ANALYZER)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Analyze one execution through the DAG's pipeline (cache first unless --force),
    whatever its status or past attempts; or requeue failed analyses."""
    from healer_ops.operate import diagnoses

    if bool(execution) == requeue_failed:
        _fail("give --execution ID or --requeue-failed")
    if requeue_failed:
        ids = diagnoses.requeue_failed(None, since=since)
        typer.echo(json.dumps({"requeued": len(ids), "ids": ids}) if as_json else
                   f"{len(ids)} executions handed back to ai_failure_analysis")
        return
    try:
        result = diagnoses.analyze_execution(None, execution, force=force, analyzer=analyzer)
    except (diagnoses.ExecutionNotFound, ValueError) as exc:
        _fail(str(exc))
    except RuntimeError as exc:
        _fail(str(exc), 1)
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    commands = ", ".join(r["command"] for r in result["recommendations"]) or "none"
    typer.echo(f"{execution}: {result['diagnosis_type']} (confidence "
               f"{result['confidence']:.0%}, culprit {result['culprit'] or '-'}; "
               f"{'cache hit' if result['cache_hit'] else result['analyzer']}, "
               f"${result['cost_usd']:.4f})\nrecommended: {commands}")


def labels_diagnosis(
    execution: str = typer.Option(..., "--execution"),
    correct: bool = typer.Option(False, "--correct", help="The diagnosis was right"),
    right_type: str = typer.Option(None, "--type", help="The right diagnosis type"),
    by: str = BY, note: str = NOTE,
) -> None:
    """Say whether an execution's AI diagnosis was right (or give the right type)."""
    from healer_ops.operate.diagnoses import DiagnosisError, ExecutionNotFound, label_diagnosis

    if correct == bool(right_type):
        _fail("give --correct or --type TYPE")
    try:
        label = label_diagnosis(None, execution, correct=correct, diagnosis_type=right_type,
                                actor=by or getpass.getuser(), note=note)
    except (ExecutionNotFound, DiagnosisError) as exc:
        _fail(str(exc))
    verdict = "right" if label["correct"] else f"wrong (right: {label['diagnosis_type']})"
    typer.echo(f"{execution}: {label['ai_diagnosis_type']} labelled {verdict}")


def labels_export(
    output: str = typer.Option(..., "--output", help="JSON Lines in the corpus format"),
    since: str = typer.Option(None, help="Only labels given since (ISO 8601)"),
) -> None:
    """Labelled diagnoses as training examples for the local analyzer (logs redacted):
    copy the file to healer_ops/data/training_logs_<name>.jsonl to train on it."""
    from pathlib import Path

    from healer_ops.operate.diagnoses import export_labels

    result = export_labels(None, Path(output), since=since)
    typer.echo(f"{result['examples']} examples ({result['corrections']} corrections) -> "
               f"{result['path']}")


def report(since: str = typer.Option(None, help="Start (ISO 8601; default 30 days ago)"),
           until: str = typer.Option(None, help="End (default now)"),
           as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """The plan's success metrics on this database, each beside its target."""
    from healer_ops.operate.report import report as build
    from healer_ops.operate.report import report_rows

    try:
        result = build(None, since, until)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result, default=str, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"HealerOps success metrics, {result['since'][:16]} to "
                        f"{result['until'][:16]}")
    for column, justify in (("metric", "left"), ("value", "right"), ("target", "right"),
                            ("from", "left")):
        table.add_column(column, justify=justify)
    for row in report_rows(result):
        table.add_row(*row)
    Console().print(table)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    alerts = groups["alerts"]
    for name, command in (("ack", alerts_ack), ("unack", alerts_unack),
                          ("snooze", alerts_snooze), ("unsnooze", alerts_unsnooze),
                          ("resolve", alerts_resolve), ("reopen", alerts_reopen),
                          ("label", alerts_label)):
        alerts.command(name)(database_errors(command))
    app.command("analyze")(database_errors(analyze))
    labels = typer.Typer(help="People's verdicts on diagnoses.", no_args_is_help=True)
    labels.command("diagnosis")(database_errors(labels_diagnosis))
    labels.command("export")(database_errors(labels_export))
    app.add_typer(labels, name="labels")
    app.command("report")(database_errors(report))
