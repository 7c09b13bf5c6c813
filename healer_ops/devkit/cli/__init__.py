"""The devkit's commands, plugged into `healer-ops` through the `healer_ops.commands` entry
point (pyproject.toml): `demo`, `fleet generate|serve`, `alerts evaluate` and `bench ...`.
Each module imports only typer at module level, and this package nothing of the product's
command line: importing one of these modules alone must not start the product's plug-in
loading while this package is half-initialized."""

from __future__ import annotations

import typer

from healer_ops.devkit.cli import bench, bench_fleet, bench_nab, evaluate, fleet


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add the kit's commands to the product's command line."""
    from healer_ops.cli.progress import with_activity

    app.command("demo")(fleet.demo)
    app.add_typer(fleet.fleet_app, name="fleet")
    groups["alerts"].command("evaluate")(evaluate.alerts_evaluate)
    bench_app = typer.Typer(help="Benchmarks; each prints its figures (--json for one object).",
                            no_args_is_help=True)
    for name, command in (("ingest", bench.bench_ingest), ("probe", bench.bench_probe),
                          ("nab", bench_nab.bench_nab),
                          ("nab-synthetic", bench_nab.bench_nab_synthetic),
                          ("nab-validate", bench_nab.bench_nab_validate),
                          ("detect", bench.bench_detect),
                          ("fleet-nab", bench_fleet.bench_fleet_nab),
                          ("accuracy", bench.bench_accuracy),
                          ("analyze", bench.bench_analyze), ("cache", bench.bench_cache),
                          ("generator", bench.bench_generator), ("api", bench.bench_api),
                          ("patterns", bench.bench_patterns),
                          ("redaction", bench.bench_redaction),
                          ("backfill", bench.bench_backfill), ("fleet", bench.bench_fleet)):
        bench_app.command(name)(with_activity(f"bench {name}", command))
    app.add_typer(bench_app, name="bench")
