"""`healer-ops db ...`: the database in use and its schema."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="The HealerOps database.", no_args_is_help=True)


def _resolved():
    """The resolved database, or exit 2 naming what is missing."""
    from healer_ops import db

    try:
        return db.resolve()
    except (db.DatabaseNotConfigured, RuntimeError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc


@db_app.command("url")
def url(database: str = typer.Option(None, "--database",
                                     help="Another database on the same server (e.g. "
                                          "healer_demo, the demo's)")) -> None:
    """Print the database URL in use (so `psql "$(healer-ops db url)"` works)."""
    from healer_ops import db

    resolved = _resolved().url
    typer.echo(db.with_database(resolved, database) if database else resolved)


@db_app.command("check")
def check() -> None:
    """Say which database is in use and where it comes from, and reach it (exit 2 if not)."""
    import psycopg

    from healer_ops.connections import redact_url

    resolved = _resolved()
    where = f"{redact_url(resolved.url)} (from {resolved.source})"
    try:
        with psycopg.connect(resolved.url, connect_timeout=10) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            migrated = conn.execute("SELECT to_regclass('_yoyo_migration') IS NOT NULL"
                                    ).fetchone()[0]
    except psycopg.Error as exc:
        typer.secho(f"error: cannot reach {where}: {exc}".strip(), fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{where}: PostgreSQL {version}, "
               f"{'migrated' if migrated else 'not migrated (healer-ops db migrate)'}")


@db_app.command("migrate")
def migrate() -> None:
    """Apply pending migrations; safe to run any number of times."""
    from healer_ops import db

    try:
        applied = db.migrate(_resolved().url)
    except db.MigrationEdited as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied
                                                          else "; schema up to date"))


@db_app.command("airflow-conn")
def airflow_conn() -> None:
    """Print the healer_db Airflow connection (JSON) for the database in use."""
    from healer_ops.connections import postgres_connection_json

    typer.echo(postgres_connection_json(_resolved().url))


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(db_app, name="db")
