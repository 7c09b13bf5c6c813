"""`healer-ops alerts evaluate`: predictive alerts scored against the demo fleet's incidents."""

from __future__ import annotations

import json

import typer


def alerts_evaluate(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Score predictive_alerts against the demo fleet's injected incidents."""
    from healer_ops.devkit.evaluate.alerts import score_alerts

    report = score_alerts(None)
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    typer.echo(f"alerts {report['alerts']} (false {report['false_alerts']}), incidents "
               f"{report['incidents']} (matched {report['matched_incidents']}); precision "
               f"{report['precision']}, recall {report['recall']}")
    for kind, counts in report["by_incident_type"].items():
        typer.echo(f"  {kind:18s} {counts}")
    for kind, counts in report["by_alert_type"].items():
        typer.echo(f"  {kind:24s} {counts}")
    leads = report["lead_times"]
    typer.echo(f"  slow degradations alerted before the outage: {leads['before_outage']}/"
               f"{leads['incidents']}, lead hours min {leads['min_hours']} median "
               f"{leads['median_hours']} max {leads['max_hours']}")
