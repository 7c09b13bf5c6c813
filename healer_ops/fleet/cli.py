"""`healer-ops` commands of the fleet capability (typer only at module level)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

fleet_app = typer.Typer(help="The demo fleet: generated sites, metrics, executions.",
                        no_args_is_help=True)


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add this capability's commands to the main app and to `healer-ops bench`."""
    app.add_typer(fleet_app, name="fleet")
    bench_app.command("generator")(bench_generator)


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
    from healer_ops.fleet.generator import generate_fleet

    url = db.resolve_url()
    db.migrate(url)
    summary = generate_fleet(url, sites=sites, days=days, seed=seed,
                             end=end.replace(tzinfo=end.tzinfo or UTC) if end else None,
                             drop_dir=drop_dir, metrics_to_db=to_db, incidents=incidents,
                             site_url_template=site_url_template)
    typer.echo(json.dumps(summary, indent=2))


def bench_generator(
    sizes: list[str] = typer.Option(["50x14", "1000x7"], "--size",
                                    help="SITESxDAYS, repeatable"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object"),
) -> None:
    """Time generate_metrics (vectorized metrics + incidents, no database)."""
    import json
    import time

    from healer_ops.fleet.generator import generate_metrics

    results = []
    for size in sizes:
        sites, days = size.lower().split("x")
        started = time.perf_counter()
        frame, incidents, _ = generate_metrics(int(sites), float(days), seed=7)
        seconds = time.perf_counter() - started
        results.append({"sites": int(sites), "days": float(days), "rows": len(frame),
                        "incidents": len(incidents), "seconds": round(seconds, 2),
                        "rows_per_second": int(len(frame) / seconds)})
    if as_json:
        typer.echo(json.dumps({"generator": results}))
        return
    for r in results:
        typer.echo(f"{r['sites']} sites x {r['days']:g} days: {r['rows']} rows, "
                   f"{r['incidents']} incidents in {r['seconds']} s "
                   f"({r['rows_per_second']} rows/s)")


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
    from healer_ops.fleet import server

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
