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


@app.command()
def demo(
    sites: int = typer.Option(50, help="Sites in the demo fleet"),
    days: int = typer.Option(14, help="Days of 5-minute metrics"),
    seed: int = typer.Option(7, help="Seed: the same seed gives the same fleet"),
) -> None:
    """Migrate, generate a fleet, run the six DAGs in order, print a summary table."""
    import time

    from rich.console import Console
    from rich.table import Table

    from healer_ops import demo as demo_module
    from healer_ops.dagrun import prepare_airflow
    from healer_ops.settings import get_settings

    console = Console()
    began = time.perf_counter()
    url = demo_module.demo_database_url()
    home = get_settings().home
    prepare_airflow(home / "airflow", url)
    log_file = home / "demo" / "airflow-runs.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("")
    console.print(f"DAG run logs: {log_file}")
    run = demo_module.run_demo(url, sites=sites, days=days, seed=seed, log_file=log_file,
                               progress=lambda text: console.print(f"[dim]{text}[/dim]"))
    table = Table(title=f"HealerOps demo ({time.perf_counter() - began:.0f} s)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in demo_module.summary_rows(run):
        table.add_row(figure, value)
    for dag_id, seconds in run.seconds.items():
        table.add_row(f"{dag_id} run", f"{seconds:.1f} s")
    console.print(table)
    console.print(f"database: {url}")


for _module in (ingest_cli, detect_cli, analysis_cli, fleet_cli):
    _module.register(app, bench_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
