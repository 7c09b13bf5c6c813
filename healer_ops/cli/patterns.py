"""`healer-ops patterns ...`: people in charge of the learned fixes.

list / show / history read; approve, reject, pin, revoke, release, edit and rollback record
a person's decision with who (`--by`, default the login name) and why (`--why`, required).
A pattern is named by its id or a unique prefix of it (8 characters are usually enough).
"""

from __future__ import annotations

import getpass
import json

import typer

patterns_app = typer.Typer(help="Learned healing patterns: read them, decide on them.",
                           no_args_is_help=True)

BY = typer.Option(None, "--by", help="Who decides (default: your login name)")
WHY = typer.Option(..., "--why", help="Why (kept with the decision)")


def _by(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in this environment
        return ""


def _fail(exc: Exception) -> None:
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(2) from exc


@patterns_app.command("list")
def list_command(
    state: str = typer.Option("all", help="all, approved, candidate, review, rejected, "
                              "pinned or held"),
    diagnosis_type: str | None = typer.Option(None, "--type", help="Only this diagnosis type"),
    origin: str | None = typer.Option(None, help="phase1, analysis or person"),
    limit: int = typer.Option(200, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Patterns, those waiting for a person first."""
    from healer_ops import db
    from healer_ops.patterns import views

    try:
        with db.connect() as conn:
            rows = views.list_patterns(conn, state=state, diagnosis_type=diagnosis_type,
                                       origin=origin, limit=limit)
    except ValueError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        flag = "REVIEW " if row["needs_review"] else ""
        state_text = ("approved" if row["auto_approved"] else "held") + (
            f" ({row['human_decision']} by {row['decided_by']})" if row["human_decision"]
            else f" ({row['approved_by']})" if row["auto_approved"] else "")
        uses = row["success_count"] + row["failure_count"]
        rate = f"{row['avg_success_rate']:.2f}" if row["avg_success_rate"] is not None else "-"
        typer.echo(f"{row['id'][:8]}  {flag}{row['diagnosis_type']}/{row['error_type'] or '-'}"
                   f"{'/' + row['culprit'] if row['culprit'] else ''}  v{row['version']} "
                   f"{row['origin']}  {state_text}  {row['success_count']}/{uses} ok, rolling "
                   f"{rate}, lower bound {row['confidence']:.2f}  {'; '.join(row['commands'])}")
    typer.echo(f"{len(rows)} pattern(s)", err=True)


@patterns_app.command("show")
def show(pattern: str = typer.Argument(..., help="Pattern id or a unique prefix"),
         as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """One pattern: state, decision, versions with their stats, signatures, events."""
    from healer_ops import db
    from healer_ops.patterns import people, views

    try:
        with db.connect() as conn:
            shown = views.show_pattern(conn, people.resolve_pattern_id(conn, pattern))
    except (KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(shown))
        return
    p = shown["pattern"]
    typer.echo(f"pattern {p['id']}  {p['diagnosis_type']}/{p['error_type'] or '-'}"
               f"{'/' + p['culprit'] if p['culprit'] else ''}  version {p['version']}, "
               f"origin {p['origin']}{', AI-enhanced' if p['ai_enhanced'] else ''}")
    typer.echo(f"  commands: {'; '.join(p['commands'])}")
    typer.echo(f"  approved: {p['auto_approved']}"
               + (f" by {p['approved_by']}" if p["auto_approved"] else "")
               + (f"; person: {p['human_decision']} by {p['decided_by']} ({p['decision_note']})"
                  if p["human_decision"] else ""))
    for label, key in (("review", "review_reason"), ("proposal", "proposal"),
                       ("decision", "decision_reason"), ("revoked", "revoked_reason")):
        if p.get(key):
            typer.echo(f"  {label}: {p[key]}")
    typer.echo("  versions:")
    for v in shown["versions"]:
        typer.echo(f"    v{v['version']}{' (current)' if v['current'] else ''}: "
                   f"{v['successes']}/{v['successes'] + v['failures']} ok, lower bound "
                   f"{v['wilson_lower_bound']:.2f}  {'; '.join(v['commands'])}"
                   + (f"  -> replaced: {v['replaced_because']}" if v["replaced_because"]
                      else ""))
    typer.echo(f"  signatures: {len(shown['signatures'])}; latest events:")
    for e in shown["events"][:10]:
        typer.echo(f"    {e['at']}  v{e['version']} {e['event']} by {e['actor']}: {e['reason']}")


@patterns_app.command("history")
def history(pattern: str = typer.Argument(..., help="Pattern id or a unique prefix"),
            days: int = typer.Option(90, min=1, max=3650, help="Days back from --until"),
            until: str | None = typer.Option(None, help="ISO time the history ends (default "
                                             "now)"),
            as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Per-day uses, successes, failures and rates (for a chart)."""
    from healer_ops import db
    from healer_ops.patterns import people, views
    from healer_ops.timeutil import as_utc

    try:
        end = as_utc(until, "--until") if until else None
        with db.connect() as conn:
            rows = views.daily_history(conn, people.resolve_pattern_id(conn, pattern), days=days,
                                       until=end)
    except (KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        if r["uses"]:
            typer.echo(f"{r['day']}  v{r['version']}  {r['successes']}/{r['uses']} ok  "
                       f"rolling {r['rolling_success_rate']}  lower bound "
                       f"{r['wilson_lower_bound']}")


def _decide(action: str):
    def command(pattern: str = typer.Argument(..., help="Pattern id or a unique prefix"),
                by: str | None = BY, why: str = WHY) -> None:
        from healer_ops import db
        from healer_ops.patterns import people

        try:
            with db.connect() as conn:
                row = people.decide_as_person(conn, pattern, action, _by(by), why)
        except (KeyError, ValueError) as exc:
            _fail(exc)
        typer.echo(f"pattern {row['id']}: {row['human_decision'] or 'released to automation'}"
                   f" by {row['decided_by']}; approved: {row['auto_approved']}")
    command.__doc__ = {
        "approve": "Approve a pattern to run unattended (automation never revokes it).",
        "reject": "Reject a pattern: never auto-approved.",
        "pin": "Freeze a pattern's approval and commands against automation.",
        "revoke": "Take a pattern's approval away (automation will not give it back).",
        "release": "Hand a pattern back to automation.",
    }[action]
    return command


@patterns_app.command("edit")
def edit(pattern: str = typer.Argument(..., help="Pattern id or a unique prefix"),
         commands: list[str] = typer.Option(None, "--command", help="A WP-CLI command "
                                            "(repeat for several, in order)"),
         proposal: bool = typer.Option(False, "--proposal", help="Take the pending proposal"),
         approve: bool = typer.Option(False, "--approve", help="Also approve the new version"),
         by: str | None = BY, why: str = WHY) -> None:
    """New commands as a new version (the earlier one is kept with its stats)."""
    from healer_ops import db
    from healer_ops.patterns import people

    try:
        with db.connect() as conn:
            row = people.edit(conn, pattern, commands, _by(by), why, use_proposal=proposal,
                              approve=approve)
    except (KeyError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"pattern {row['id']}: version {row['version']}: {'; '.join(row['commands'])}")


@patterns_app.command("rollback")
def rollback(pattern: str = typer.Argument(..., help="Pattern id or a unique prefix"),
             to_version: int | None = typer.Option(None, "--to", help="The version to restore "
                                                   "(default: the previous one)"),
             approve: bool = typer.Option(False, "--approve", help="Also approve it"),
             by: str | None = BY, why: str = WHY) -> None:
    """Restore an earlier version's commands, as a new version."""
    from healer_ops import db
    from healer_ops.patterns import people

    try:
        with db.connect() as conn:
            row = people.rollback(conn, pattern, to_version, _by(by), why, approve=approve)
    except (KeyError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"pattern {row['id']}: version {row['version']}: {'; '.join(row['commands'])}")


for _action in ("approve", "reject", "pin", "revoke", "release"):
    patterns_app.command(_action)(_decide(_action))


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(patterns_app, name="patterns")
