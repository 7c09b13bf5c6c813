"""`healer-ops cluster ...`: the CeleryExecutor deployment as local processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

cluster_app = typer.Typer(help="The distributed deployment (Celery workers) as local processes.",
                          no_args_is_help=True)

HOME_HELP = "Folder of the cluster's state, secrets, Airflow home and logs"


def _default_home() -> Path:
    from healer_ops.settings import get_settings

    return get_settings().home / "cluster"


@cluster_app.command("up")
def up(
    workers: int = typer.Option(2, help="Celery workers"),
    concurrency: int = typer.Option(2, help="Task slots per worker"),
    metadata_db: str = typer.Option(None, envvar="HEALER_CLUSTER_METADATA_URL",
                                    help="Airflow's metadata database (PostgreSQL URL; "
                                         "created if missing)"),
    broker: str = typer.Option(None, envvar="HEALER_CLUSTER_BROKER_URL",
                               help="Celery broker (redis:// URL)"),
    healer_db: str = typer.Option(None, envvar="HEALER_DATABASE_URL",
                                  help="The Healer database the tasks use"),
    api_port: int = typer.Option(8080, help="api-server port on 127.0.0.1"),
    queue: str = typer.Option("default", help="Celery queue (separates clusters on one broker)"),
    home: Path = typer.Option(None, help=HOME_HELP),
    env_file: Path = typer.Option(None, help="Shared settings (default: the project's "
                                             "cluster.env, as docker-compose.yaml)"),
    env: list[str] = typer.Option([], "--env", help="KEY=VALUE for every process (repeatable)"),
    timeout: float = typer.Option(240, help="Seconds to wait until every process is ready"),
) -> None:
    """Start scheduler, dag-processor, api-server, triggerer and N Celery workers, detached,
    against the given PostgreSQL and Redis (default: this machine's own)."""
    from healer_ops.cluster import ClusterSpec, cluster_up
    from healer_ops.cluster import config as defaults
    from healer_ops.cluster.supervisor import ClusterError

    extra = {}
    for item in env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--env {item!r}: expected KEY=VALUE")
        extra[key] = value
    try:
        spec = ClusterSpec(home=home or _default_home(), workers=workers,
                           concurrency=concurrency,
                           metadata_url=metadata_db or defaults.DEFAULT_METADATA_URL,
                           broker_url=broker or defaults.DEFAULT_BROKER_URL,
                           healer_url=healer_db or defaults.DEFAULT_HEALER_URL,
                           api_port=api_port, queue=queue,
                           env_file=env_file or defaults.ENV_FILE, extra_env=extra)
        cluster_up(spec, timeout_s=timeout, log_progress=typer.echo)
    except (ClusterError, ValueError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc


@cluster_app.command("down")
def down(home: Path = typer.Option(None, help=HOME_HELP),
         grace: float = typer.Option(20, help="Seconds between SIGTERM and SIGKILL")) -> None:
    """Stop every process of the cluster (and everything they started)."""
    from healer_ops.cluster import cluster_down

    stopped = cluster_down(home or _default_home(), grace_s=grace)
    typer.echo(f"stopped {len(stopped)} processes" + (": " + ", ".join(stopped) if stopped
                                                      else ""))


@cluster_app.command("status")
def status(home: Path = typer.Option(None, help=HOME_HELP),
           as_json: bool = typer.Option(False, "--json", help="Print one JSON object")) -> None:
    """Each process of the cluster and what the api-server reports; exit 1 if not all run."""
    from healer_ops.cluster import cluster_status

    report = cluster_status(home or _default_home())
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        for process in report["processes"]:
            state = "running" if process["running"] else "stopped"
            typer.echo(f"{process['name']:<14} {state:<8} pid {process['pid']:<8} "
                       f"{process['log']}")
        health = report.get("health") or {}
        for part, value in health.items():
            typer.echo(f"{part:<14} {(value or {}).get('status')}")
        if not report["processes"]:
            typer.echo(f"no cluster at {report['home']}")
    all_running = report["processes"] and all(p["running"] for p in report["processes"])
    raise typer.Exit(0 if all_running else 1)


@cluster_app.command("airflow", context_settings={"allow_extra_args": True,
                                                  "ignore_unknown_options": True})
def airflow(ctx: typer.Context, home: Path = typer.Option(None, help=HOME_HELP)) -> None:
    """Run an `airflow` command against the cluster, e.g.
    `healer-ops cluster airflow backfill create --dag-id site_metrics_backfill ...`."""
    from healer_ops.cluster.supervisor import ClusterError, airflow_command

    try:
        result = airflow_command(home or _default_home(), list(ctx.args), cwd=os.getcwd())
    except ClusterError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(result.returncode)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.add_typer(cluster_app, name="cluster")
