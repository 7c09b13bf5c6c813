"""Score predictive_alerts against the demo fleet's injected incidents (devkit.demo_incidents).

An alert matches an incident when it is on the same site and opens inside the incident, or
inside the incident's lead window (details.lead_window.from, when it starts earlier).
Event precision: matched alerts / alerts. Event recall: incidents with a matching alert /
incidents. Lead time: for incidents with an outage, how long before the outage the first
matching alert opened (negative: after the outage began).
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from healer_ops import db
from healer_ops.devkit import kitdb


def score_alerts(url: str | None) -> dict:
    """Precision, recall, lead times and per-type counts of the stored alerts."""
    with db.connect(url) as conn:
        incidents = _rows(conn, "detect_eval_incidents")
        alerts = _rows(conn, "detect_eval_alerts")
    return score(incidents, alerts)


def score(incidents: list[dict], alerts: list[dict]) -> dict:
    matches: dict[str, list[dict]] = {i["id"]: [] for i in incidents}
    alert_hits: dict[int, list[str]] = {a["id"]: [] for a in alerts}
    for incident in incidents:
        lo, hi = _match_window(incident)
        for alert in alerts:
            if alert["site_id"] == incident["site_id"] and lo <= alert["opened_at"] <= hi:
                matches[incident["id"]].append(alert)
                alert_hits[alert["id"]].append(incident["id"])
    matched_alerts = sum(bool(hits) for hits in alert_hits.values())
    found = [i for i in incidents if matches[i["id"]]]
    return {
        "incidents": len(incidents),
        "alerts": len(alerts),
        "matched_incidents": len(found),
        "matched_alerts": matched_alerts,
        "false_alerts": len(alerts) - matched_alerts,
        "precision": _ratio(matched_alerts, len(alerts)),
        "recall": _ratio(len(found), len(incidents)),
        "by_incident_type": _by_incident_type(incidents, matches),
        "by_alert_type": _by_alert_type(alerts, alert_hits, incidents),
        "lead_times": _lead_times(incidents, matches),
        "missed": [{"id": i["id"], "site_id": i["site_id"], "incident_type": i["incident_type"],
                    "starts_at": i["starts_at"].isoformat()}
                   for i in incidents if not matches[i["id"]]],
        "false": [{"id": a["id"], "site_id": a["site_id"], "alert_type": a["alert_type"],
                   "opened_at": a["opened_at"].isoformat(), "prediction": a["prediction"]}
                  for a in alerts if not alert_hits[a["id"]]],
    }


def _match_window(incident: dict) -> tuple[datetime, datetime]:
    start = incident["starts_at"]
    lead = (incident.get("details") or {}).get("lead_window") or {}
    if lead.get("from"):
        start = min(start, datetime.fromisoformat(lead["from"]))
    return start, incident["ends_at"]


def _by_incident_type(incidents, matches) -> dict:
    out: dict[str, dict] = {}
    for incident in incidents:
        entry = out.setdefault(incident["incident_type"],
                               {"incidents": 0, "matched": 0, "missed": 0, "expected_type": 0})
        hits = matches[incident["id"]]
        entry["incidents"] += 1
        entry["matched" if hits else "missed"] += 1
        expected = set(incident["expected_alert_types"] or [])
        entry["expected_type"] += any(a["alert_type"] in expected for a in hits)
    return out


def _by_alert_type(alerts, alert_hits, incidents) -> dict:
    acceptable = {}
    for incident in incidents:
        details = incident.get("details") or {}
        acceptable[incident["id"]] = (set(incident["expected_alert_types"] or [])
                                      | set(details.get("also_acceptable") or []))
    out: dict[str, dict] = {}
    for alert in alerts:
        entry = out.setdefault(alert["alert_type"],
                               {"alerts": 0, "matched": 0, "false": 0, "unexpected_type": 0})
        hits = alert_hits[alert["id"]]
        entry["alerts"] += 1
        entry["matched" if hits else "false"] += 1
        if hits and not any(alert["alert_type"] in acceptable[i] for i in hits):
            entry["unexpected_type"] += 1
    return out


def _lead_times(incidents, matches) -> dict:
    rows = []
    for incident in incidents:
        outage = incident["outage_at"]
        if outage is None or incident["incident_type"] != "slow_degradation":
            continue
        hits = matches[incident["id"]]
        if not hits:
            rows.append({"id": incident["id"], "lead_hours": None, "before_outage": False})
            continue
        first = min(hits, key=lambda a: a["opened_at"])
        lead = (outage - first["opened_at"]).total_seconds() / 3600
        rows.append({"id": incident["id"], "site_id": incident["site_id"],
                     "alert_type": first["alert_type"],
                     "opened_at": first["opened_at"].isoformat(),
                     "outage_at": outage.isoformat(), "lead_hours": round(lead, 2),
                     "before_outage": lead > 0,
                     "degradation_hours": round(
                         (outage - incident["starts_at"]).total_seconds() / 3600, 1)})
    leads = [r["lead_hours"] for r in rows if r["lead_hours"] is not None]
    return {
        "incidents": len(rows),
        "before_outage": sum(r["before_outage"] for r in rows),
        "min_hours": min(leads) if leads else None,
        "median_hours": round(median(leads), 2) if leads else None,
        "max_hours": max(leads) if leads else None,
        "each": rows,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rows(conn, name: str) -> list[dict]:
    cur = conn.execute(kitdb.query(name))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
