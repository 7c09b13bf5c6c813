"""`healer-ops bench fleet-nab`: the fleet path replayed on NAB's 5-minute series."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def bench_fleet_nab(
    nab: Path = typer.Option(None, "--nab", help="NAB folder (data/ and labels/); "
                             "default ../shared/data/nab"),
    category: list[str] = typer.Option(None, "--category",
                                       help="Only this NAB category (repeatable)"),
    engine: bool = typer.Option(True, "--engine/--rules",
                                help="Response time judged by the shared engine "
                                     "(Rules.engine, the default) or by the hand rules"),
    alert_pvalue: float = typer.Option(None, "--alert-pvalue", min=1e-12, max=0.5,
                                       help="With --engine: the engine's alert p-value"),
    loco: list[str] = typer.Option(
        None, "--loco", help="FIELD=V1,V2,...: a field of the fleet Rules and its values "
        "('off' = None; repeatable: every combination), each rescored on the replay's "
        "database and chosen leave-one-category-out (conservative values first)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Each 5-minute NAB series as one site's response time, replayed day by day through
    ingest, weekly baselines and `alerts scan` on a scratch database: the share of alerts
    opened inside labelled windows and of windows alerted (after a 15% probation)."""
    from dataclasses import replace

    from healer_ops.detect.fleet import RULES
    from healer_ops.devkit.bench.fleet_nab import bench_fleet_nab as run
    from healer_ops.devkit.bench.fleet_nab import leave_one_category_out, rule_grid
    from healer_ops.devkit.nab.bench import DEFAULT_NAB_DIR

    rules = replace(RULES, engine=engine)
    if alert_pvalue:
        rules = replace(rules, engine_config=replace(
            rules.engine_config, alert_pvalue=alert_pvalue, silence_pvalue=1.5 * alert_pvalue))
    try:
        variants = rule_grid(rules, dict(_loco_values(item) for item in loco or ()))
        report = run(nab or DEFAULT_NAB_DIR, categories=category or None, rules=rules,
                     variants={"replayed rules": rules, **variants} if loco else None)
    except (ValueError, FileNotFoundError) as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if loco:
        report["loco"] = leave_one_category_out(
            {k: v for k, v in report["variants"].items() if k != "replayed rules"})
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    typer.echo(f"{report['series']} series, {report['days']} days, {report['observations']} "
               f"observations; {report['seconds']}")
    typer.echo(f"alerts inside windows: {report['alerts_inside']}/{report['alerts']} = "
               f"{report['alerts_inside_share']}; windows alerted: "
               f"{report['windows_alerted']}/{report['windows']} = "
               f"{report['windows_alerted_share']}")
    for name, figures in report["by_category"].items():
        typer.echo(f"  {name:24s} {figures}")
    for name, figures in report.get("variants", {}).items():
        typer.echo(f"{name}: {figures['alerts_inside']}/{figures['alerts']} inside, "
                   f"{figures['windows_alerted']}/{figures['windows']} windows; " + ", ".join(
                       f"{c} {f['inside']}/{f['alerts']} {f['windows_alerted']}/{f['windows']}"
                       for c, f in figures["by_category"].items()))
    if "loco" in report:
        for held_out, fold in report["loco"]["folds"].items():
            typer.echo(f"held out {held_out}: chosen {fold['chosen']}; {fold['inside']}/"
                       f"{fold['alerts']} inside, {fold['windows_alerted']}/{fold['windows']}"
                       " windows")
        typer.echo(f"held out, overall: {report['loco']['overall']}")


def _loco_values(item: str) -> tuple[str, list]:
    """'FIELD=V1,V2' -> (FIELD, [V1, V2]) with 'off' as None and numbers as float."""
    from dataclasses import fields

    from healer_ops.detect.fleet.rules import Rules

    name, _, values = item.partition("=")
    if name not in {f.name for f in fields(Rules)} or not values:
        raise typer.BadParameter(f"{item!r}: expected FIELD=V1,V2 with a field of Rules")
    return name, [None if v == "off" else float(v) for v in values.split(",")]
