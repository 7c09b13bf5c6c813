"""`healer-ops tokens create|list|revoke` (machine tokens of the API) and `healer-ops notify
test|drain|status` (the notification channels and outbox)."""

from __future__ import annotations

import getpass
import json

import typer


def _fail(message: str, code: int = 2):
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def tokens_create(name: str = typer.Option(..., "--name", help="What uses it, e.g. grafana"),
                  scope: str = typer.Option("read", "--scope", help="read or write"),
                  expires_days: float = typer.Option(None, "--expires-days",
                                                     help="Expire after this many days"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a bearer token for a machine; the token is printed this once."""
    from healer_ops.operate.tokens import TokenError, create_token

    try:
        row = create_token(None, name, scope, created_by=getpass.getuser(),
                           expires_days=expires_days)
    except TokenError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(row, default=str))
        return
    typer.echo(f"token {row['name']} ({row['scope']}"
               f"{', expires ' + row['expires_at'].isoformat() if row['expires_at'] else ''}):"
               f"\n{row['token']}\nShown once: keep it in your secret store. Use it as "
               "'Authorization: Bearer <token>'.")


def tokens_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every token (never the secret): name, scope, state, last use."""
    from healer_ops.operate.tokens import list_tokens

    rows = list_tokens(None)
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    for row in rows:
        used = row["last_used_at"].isoformat(timespec="minutes") if row["last_used_at"] else "never"
        typer.echo(f"{row['name']:<24} {row['scope']:<5} {row['state']:<7} {row['prefix']}... "
                   f"by {row['created_by']}, last used {used}")
    if not rows:
        typer.echo("no tokens")


def tokens_revoke(name: str = typer.Argument(..., help="The token's name")) -> None:
    """Revoke a token at once."""
    from healer_ops.operate.tokens import TokenError, revoke_token

    try:
        row = revoke_token(None, name)
    except TokenError as exc:
        _fail(str(exc))
    typer.echo(f"token {row['name']} revoked at {row['revoked_at'].isoformat()}")


def notify_test() -> None:
    """Send a test message on every configured channel (webhook, e-mail)."""
    from healer_ops.notify.channels import configured_channels, send
    from healer_ops.notify.messages import Message
    from healer_ops.settings import get_settings

    channels = configured_channels(get_settings())
    if not channels:
        _fail("no channel configured: set HEALER_NOTIFY_WEBHOOK_URL and/or "
              "HEALER_NOTIFY_EMAIL_TO")
    failed = False
    for channel in channels:
        message = Message("test", "HealerOps test notification",
                          (f"This channel ({channel.describe()}) receives HealerOps alerts.",),
                          "LOW")
        try:
            send(channel, message)
            typer.echo(f"sent: {channel.describe()}")
        except Exception as exc:  # report every channel, then fail
            from healer_ops.analysis.pipeline import safe_error

            failed = True
            typer.secho(f"failed: {channel.describe()}: {safe_error(exc)}", fg="red", err=True)
    if failed:
        raise typer.Exit(1)


def notify_drain() -> None:
    """Queue and deliver alert notices now (what the alert_notifications DAG runs)."""
    from healer_ops.notify.outbox import deliver, queue_events

    typer.echo(json.dumps({"queued": queue_events(None), **deliver(None)}, default=str))


def notify_status() -> None:
    """The notification outbox by channel and status."""
    from healer_ops.notify.outbox import outbox_counts

    rows = outbox_counts(None)
    for channel, status, count in rows:
        typer.echo(f"{channel:<8} {status:<10} {count:,}")
    if not rows:
        typer.echo("the outbox is empty")


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    tokens = typer.Typer(help="Bearer tokens of machines for the Healer API.",
                         no_args_is_help=True)
    from healer_ops.cli.operate import database_errors

    tokens.command("create")(database_errors(tokens_create))
    tokens.command("list")(database_errors(tokens_list))
    tokens.command("revoke")(database_errors(tokens_revoke))
    app.add_typer(tokens, name="tokens")
    notify = typer.Typer(help="Alert and failure notifications.", no_args_is_help=True)
    notify.command("test")(notify_test)
    notify.command("drain")(database_errors(notify_drain))
    notify.command("status")(database_errors(notify_status))
    app.add_typer(notify, name="notify")
