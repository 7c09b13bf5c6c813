"""The `healer-ops` command line (also `python -m healer_ops`).

Each capability registers its own commands from ``healer_ops/<capability>/cli.py``; those
modules import only typer at module level so that `healer-ops --help` stays fast.
"""

from __future__ import annotations

import typer

from healer_ops.analysis import cli as analysis_cli
from healer_ops.detect import cli as detect_cli
from healer_ops.fleet import cli as fleet_cli
from healer_ops.ingest import cli as ingest_cli

app = typer.Typer(help="HealerOps: fleet intelligence for WordPress self-healing.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="The HealerOps database.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks; each prints its figures (--json for one object).",
                        no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL in use (so `psql "$(healer-ops db url)"` works)."""
    from healer_ops import db

    typer.echo(db.resolve_url())


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations; safe to run any number of times."""
    from healer_ops import db

    try:
        applied = db.migrate()
    except db.MigrationEdited as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied
                                                          else "; schema up to date"))


@db_app.command("airflow-conn")
def db_airflow_conn() -> None:
    """Print the healer_db Airflow connection (JSON) for the database in use."""
    from healer_ops import db
    from healer_ops.dagrun import airflow_connection_json

    typer.echo(airflow_connection_json(db.resolve_url()))


for _module in (ingest_cli, detect_cli, analysis_cli, fleet_cli):
    _module.register(app, bench_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
