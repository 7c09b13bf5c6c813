"""`healer-ops sites set-server` (where sites live) and `healer-ops incidents list|show`
(alerts of many sites grouped into one incident)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def _fail(message: str, code: int = 2):
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def sites_set_server(
        domain: str = typer.Argument(None, help="A site's domain (or use --csv)"),
        server: str = typer.Argument(None, help="Its hosting server / node; '' = unknown"),
        csv_file: Path = typer.Option(None, "--csv", help="A CSV of domain,server lines "
                                      "(header optional; an empty server = unknown)"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """Set the hosting server of sites (wp_sites.server), which groups their alerts into
    server incidents; all or nothing."""
    from healer_ops.operate.sites import SiteServerError, check_pair, read_server_csv, set_servers

    try:
        if csv_file is not None:
            if domain is not None:
                _fail("give either DOMAIN SERVER or --csv FILE, not both")
            pairs = read_server_csv(csv_file)
        elif domain is not None and server is not None:
            pairs = [check_pair(domain, server, "arguments")]
        else:
            _fail("give DOMAIN SERVER or --csv FILE")
        result = set_servers(None, pairs)
    except SiteServerError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"{result['sites']} sites on {result['servers']} servers; "
               f"{result['changed']} changed")


def incidents_list(state: str = typer.Option("open", "--state", help="open, resolved or all"),
                   limit: int = typer.Option(50, "--limit", min=1, max=1000),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Incidents, newest first: alerts of many sites that opened together."""
    from healer_ops import db

    if state not in ("open", "resolved", "all"):
        _fail(f"--state {state!r}: expected open, resolved or all")
    from psycopg.rows import dict_row

    with db.connect(None) as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = [dict(r) for r in cur.execute(db.query("api_incidents"), {
            "state": state, "scope": None, "server": None, "limit": limit,
            "offset": 0}).fetchall()]
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['max_severity']:<8} {row['summary']}")
    if not rows:
        typer.echo(f"no {'' if state == 'all' else state + ' '}incidents")


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    from healer_ops.cli.operate import database_errors

    sites = typer.Typer(help="Where the fleet's sites live.", no_args_is_help=True)
    sites.command("set-server")(database_errors(sites_set_server))
    app.add_typer(sites, name="sites")
    incidents = typer.Typer(help="Alerts of many sites grouped into one incident.",
                            no_args_is_help=True)
    incidents.command("list")(database_errors(incidents_list))
    app.add_typer(incidents, name="incidents")
