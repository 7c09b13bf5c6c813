"""The plan's five success metrics on the operator's own data, each beside its target.

- diagnosis accuracy: of the diagnoses people labelled in the period, the share they said
  was right (target > 90%), with how many were labelled out of how many analyses;
- cache hit rate and what hits saved (target > 70%): `analysis.cache_stats`;
- alert precision: of the alerts people labelled, the share that were real problems
  (target > 80%); and lead time: how long before each outage (a DOWNTIME alert) the site
  had a performance or error alert;
- pattern auto-approval: of the patterns with a good record (>= 10 uses of the current
  version, >= 80% success), the share auto-approved (target > 60%), and approved patterns
  with a bad record (< 50%; should be 0);
- cost per diagnosis: AI dollars spent over analyses written in the period (target <
  $0.02).
A metric with nothing to measure (no labels yet) is null, never a made-up 0 or 100%.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.timeutil import as_utc

TARGETS = {"diagnosis_accuracy": (">", 0.90), "cache_hit_rate": (">", 0.70),
           "alert_precision": (">", 0.80), "pattern_auto_approval": (">", 0.60),
           "cost_per_diagnosis_usd": ("<", 0.02)}
GOOD_PATTERN_USES = 10
GOOD_PATTERN_RATE = 0.8
DEFAULT_PERIOD = timedelta(days=30)


def report(url: str | None, since=None, until=None) -> dict:
    until = as_utc(until, "until") if until is not None else datetime.now(UTC)
    since = as_utc(since, "since") if since is not None else until - DEFAULT_PERIOD
    if since >= until:
        raise ValueError(f"since ({since.isoformat()}) must be before until "
                         f"({until.isoformat()})")
    from healer_ops.analysis.cache_stats import cache_stats

    period = {"since": since, "until": until}
    with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cache = cache_stats(conn, since, until)
        diagnoses = cur.execute(db.query("report_diagnosis_labels"), period).fetchone()
        alerts = cur.execute(db.query("report_alert_labels"), period).fetchone()
        outages = cur.execute(db.query("report_lead_times"), period).fetchall()
        patterns = cur.execute(db.query("report_patterns"), {
            "min_uses": GOOD_PATTERN_USES, "good_rate": GOOD_PATTERN_RATE}).fetchone()
    metrics = {
        "diagnosis_accuracy": _metric(
            "diagnosis_accuracy", _ratio(diagnoses["correct"], diagnoses["labelled"]),
            labelled=diagnoses["labelled"], correct=diagnoses["correct"],
            analyses=cache["analyses"]),
        "cache_hit_rate": _metric(
            "cache_hit_rate", cache["hit_rate"], analyses=cache["analyses"],
            hits=cache["hits"], usd_saved=round(cache["usd_saved"], 4),
            tokens_saved=cache["tokens_saved"]),
        "alert_precision": _metric(
            "alert_precision", _ratio(alerts["confirmed"], alerts["labelled"]),
            labelled=alerts["labelled"], confirmed=alerts["confirmed"],
            alerts=alerts["alerts"]),
        "pattern_auto_approval": _metric(
            "pattern_auto_approval", _ratio(patterns["good_approved"], patterns["good"]),
            good=patterns["good"], good_approved=patterns["good_approved"],
            approved=patterns["approved"], bad_approved=patterns["bad_approved"],
            patterns=patterns["patterns"]),
        "cost_per_diagnosis_usd": _metric(
            "cost_per_diagnosis_usd",
            round(cache["usd_spent"] / cache["analyses"], 6) if cache["analyses"] else None,
            usd_spent=round(cache["usd_spent"], 4), analyses=cache["analyses"]),
    }
    return {"since": since.isoformat(), "until": until.isoformat(), "metrics": metrics,
            "lead_time": _lead_times(outages)}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _metric(name: str, value: float | None, **counts) -> dict:
    op, target = TARGETS[name]
    meets = None if value is None else (value > target if op == ">" else value < target)
    return {"value": value, "target": f"{op} {target:g}", "meets_target": meets, **counts}


def _lead_times(outages: list[dict]) -> dict:
    leads = [float(o["lead_hours"]) for o in outages if o["lead_hours"] is not None]
    return {"outages": len(outages), "warned": len(leads),
            "median_hours": round(median(leads), 2) if leads else None,
            "min_hours": round(min(leads), 2) if leads else None,
            "max_hours": round(max(leads), 2) if leads else None}


LABELS = {"diagnosis_accuracy": "diagnosis accuracy (labelled)",
          "cache_hit_rate": "analysis cache hit rate",
          "alert_precision": "alert precision (labelled)",
          "pattern_auto_approval": "good patterns auto-approved",
          "cost_per_diagnosis_usd": "AI cost per diagnosis"}


def report_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """(metric, value, target, evidence) for a table people read."""
    m = result["metrics"]
    evidence = {
        "diagnosis_accuracy": f"{_n(m['diagnosis_accuracy']['correct'])} right of "
                              f"{_n(m['diagnosis_accuracy']['labelled'])} labelled "
                              f"({_n(m['diagnosis_accuracy']['analyses'])} analyses)",
        "cache_hit_rate": f"{_n(m['cache_hit_rate']['hits'])} hits of "
                          f"{_n(m['cache_hit_rate']['analyses'])}, saved "
                          f"${m['cache_hit_rate']['usd_saved']:,.4f}",
        "alert_precision": f"{_n(m['alert_precision']['confirmed'])} real of "
                           f"{_n(m['alert_precision']['labelled'])} labelled "
                           f"({_n(m['alert_precision']['alerts'])} alerts)",
        "pattern_auto_approval": f"{_n(m['pattern_auto_approval']['good_approved'])} of "
                                 f"{_n(m['pattern_auto_approval']['good'])} good; "
                                 f"{_n(m['pattern_auto_approval']['bad_approved'])} bad "
                                 "approved",
        "cost_per_diagnosis_usd": f"${m['cost_per_diagnosis_usd']['usd_spent']:,.4f} over "
                                  f"{_n(m['cost_per_diagnosis_usd']['analyses'])} analyses",
    }
    out = []
    for name, label in LABELS.items():
        metric = m[name]
        value = metric["value"]
        shown = ("n/a" if value is None else f"${value:.4f}" if name.endswith("_usd")
                 else f"{value:.0%}")
        mark = {True: " ok", False: " MISSED", None: ""}[metric["meets_target"]]
        op, target = TARGETS[name]
        goal = f"{op} ${target:.2f}" if name.endswith("_usd") else f"{op} {target:.0%}"
        out.append((label, shown + mark, goal, evidence[name]))
    lead = result["lead_time"]
    span = ("n/a" if lead["median_hours"] is None else
            f"median {lead['median_hours']:g} h ({lead['min_hours']:g}-{lead['max_hours']:g})")
    out.append(("lead time before outages", span, "",
                f"{lead['warned']} of {lead['outages']} outages warned before"))
    return out


def _n(value) -> str:
    return f"{value:,}"
