"""`healer-ops db ...`: the database in use and its schema."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="The HealerOps database.", no_args_is_help=True)


@db_app.command("url")
def url(database: str = typer.Option(None, "--database",
                                     help="Another database on the same server (e.g. "
                                          "healer_demo, the demo's)")) -> None:
    """Print the database URL in use (so `psql "$(healer-ops db url)"` works)."""
    from healer_ops import db

    resolved = db.resolve_url()
    typer.echo(db.with_database(resolved, database) if database else resolved)


@db_app.command("migrate")
def migrate() -> None:
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
def airflow_conn() -> None:
    """Print the healer_db Airflow connection (JSON) for the database in use."""
    from healer_ops import db
    from healer_ops.connections import postgres_connection_json

    typer.echo(postgres_connection_json(db.resolve_url()))


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(db_app, name="db")
