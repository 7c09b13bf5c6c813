"""`healer-ops demo` and `healer-ops fleet ...`: the demo fleet and the end-to-end demo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

fleet_app = typer.Typer(help="The demo fleet: generated sites, metrics, executions.",
                        no_args_is_help=True)


@fleet_app.command("generate")
def generate(
    sites: int = typer.Option(50, min=1, help="Number of sites"),
    days: float = typer.Option(14, min=0.01, help="Days of 5-minute metrics"),
    seed: int = typer.Option(7, help="Same seed, same fleet (rows are upserted)"),
    end: datetime | None = typer.Option(None, help="End of the period, UTC (default: now)"),
    drop_dir: Path | None = typer.Option(None, help="Write day files here for ingest "
                                         "(default: HEALER_DROP_DIR or .healer/drop)"),
    to_db: bool = typer.Option(False, "--to-db", help="COPY metrics into site_metrics directly"),
    incidents: bool = typer.Option(True, help="Inject labelled incidents (--no-incidents: "
                                   "a clean fleet)"),
    site_url_template: str | None = typer.Option(
        None, help='Site url, e.g. "http://127.0.0.1:8800/{domain}/" for loopback sites'),
) -> None:
    """Generate the demo fleet into the database (migrating it first)."""
    import json
    from datetime import UTC

    from healer_ops import db
    from healer_ops.devkit.fleet.generator import generate_fleet

    url = db.resolve_url()
    summary = generate_fleet(url, sites=sites, days=days, seed=seed,
                             end=end.replace(tzinfo=end.tzinfo or UTC) if end else None,
                             drop_dir=drop_dir, metrics_to_db=to_db, incidents=incidents,
                             site_url_template=site_url_template)
    typer.echo(json.dumps(summary, indent=2))


@fleet_app.command("serve")
def serve(
    sites: int = typer.Option(1000, "--sites", min=1, help="Simulated WordPress sites"),
    port: int = typer.Option(8800, "--port", min=0, max=65535, help="Port on 127.0.0.1"),
    seed: int = typer.Option(7, help="Same seed, same site behaviour"),
    incidents: Path | None = typer.Option(None, help='JSON list of {"site", "profile", '
                                          '"start_s", "end_s"} (seconds into each hour)'),
    register: bool = typer.Option(False, "--register", help="Also upsert the sites' urls "
                                  "into wp_sites of the configured database"),
) -> None:
    """Serve N simulated WordPress sites on loopback (site i at /site-iii.example.test/)."""
    from healer_ops.devkit.fleet import server

    def announce(base_url: str) -> None:
        if register:
            from healer_ops import db

            url = db.resolve_url()
            db.migrate(url)
            server.register_sites(url, base_url, sites)
        typer.echo(f"fleet of {sites} sites at {base_url}/site-001.example.test/ ... "
                   f"(Ctrl-C stops)", err=True)
        typer.echo(base_url)

    server.serve(sites, port, seed=seed, announce=announce,
                 incidents=server.load_incidents(incidents) if incidents else None)


@fleet_app.command("label")
def label(
    database: str = typer.Option(None, "--database", help="A database on the resolved server "
                                 "(e.g. healer_demo, the demo's); default the one in use"),
    share: float = typer.Option(1.0, help="Share of alerts and diagnoses to label"),
    seed: int = typer.Option(7, help="Seed of the sample"),
) -> None:
    """Label a demo fleet's alerts and diagnoses from its ground truth, as an operator who
    checked them would (then `healer-ops report` has accuracy and precision to show)."""
    import json

    from healer_ops import db
    from healer_ops.devkit.evaluate.operator_labels import label_from_truth

    url = db.resolve_url()
    if database:
        url = db.with_database(url, database)
    typer.echo(json.dumps(label_from_truth(url, share=share, seed=seed)))


def _run_with_progress(console, demo_module, url: str, **kwargs):
    """The demo's steps as a progress bar on a terminal (one per DAG, plus generating the
    fleet), its progress lines otherwise."""
    if not console.is_terminal:
        return demo_module.run_demo(
            url, progress=lambda text: console.print(f"[dim]{text}[/dim]"), **kwargs)
    from datetime import UTC, datetime
    from pathlib import Path

    from healer_ops.cli.progress import progress

    now = datetime.now(UTC)
    steps = len(demo_module.demo_schedule(now, now, Path("."))) + 1
    with progress("demo", steps, unit="steps", terminal=True) as advance:
        def report(text: str) -> None:
            done = text.startswith(("replayed", "running ")) and not text.startswith(
                "running site_metrics_ingest")
            advance(1 if done else 0, text.strip()[:60])

        run = demo_module.run_demo(url, progress=report, **kwargs)
        advance(1, "done")
    return run


def demo(
    sites: int = typer.Option(50, min=1, help="Sites in the demo fleet"),
    days: int = typer.Option(14, min=1, help="Days of 5-minute metrics"),
    seed: int = typer.Option(7, help="Seed: the same seed gives the same fleet"),
) -> None:
    """Migrate, generate a fleet, run the six DAGs in order, print a summary table."""
    import time

    from rich.console import Console
    from rich.table import Table

    from healer_ops.devkit import demo as demo_module
    from healer_ops.devkit.dagrun import prepare_airflow
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
    run = _run_with_progress(console, demo_module, url, sites=sites, days=days, seed=seed,
                             log_file=log_file)
    table = Table(title=f"HealerOps demo ({time.perf_counter() - began:.0f} s)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in demo_module.summary_rows(run):
        table.add_row(figure, value)
    for dag_id, seconds in run.seconds.items():
        table.add_row(f"{dag_id} run", f"{seconds:.1f} s")
    console.print(table)
    console.print(f"database: {url}")
