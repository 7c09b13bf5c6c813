"""Episodes: per (site, alert type) one alert per ongoing problem, as predictive_alerts rows."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from healer_ops.detect import alerts
from healer_ops.detect.fleet.baselines import BaselineGrid
from healer_ops.detect.fleet.evidence import EVIDENCE
from healer_ops.detect.fleet.forest import AnomalyScores
from healer_ops.detect.fleet.grid import Grid
from healer_ops.detect.fleet.rules import Rules, cell_time, rounded
from healer_ops.detect.fleet.signals import EXPLAINED_BY, Signals

ENGINE_TYPE = "PERFORMANCE_DEGRADATION"  # decided by the shared engine (engine_signal)


def build_alerts(conn, grid: Grid, base: BaselineGrid, signals: Signals, forest: AnomalyScores,
                 first: int, rules: Rules) -> tuple[list[dict], dict]:
    """Episodes of every (site, type) from cell `first` on, as predictive_alerts rows."""
    since = cell_time(grid.start + first, grid.step)
    prior = alerts.prior_alerts(conn, grid.site_ids, since)
    episodes = []
    open_cells: dict[tuple[str, int], np.ndarray] = {}
    order = sorted(signals.by_type, key=lambda t: t in EXPLAINED_BY)  # explainers first
    for alert_type in order:
        signal = signals.by_type[alert_type]
        trigger = (rules.engine_trigger if rules.engine and alert_type == ENGINE_TYPE
                   else rules.triggers[alert_type])
        active = signal.flag[max(first - trigger.n, 0):].any(axis=0)
        candidates = set(np.flatnonzero(active).tolist()) | _prior_sites(prior, grid, alert_type)
        for site in sorted(candidates):
            previous = prior.get(alerts.dedup_key(grid.site_ids[site], alert_type))
            flag = signal.flag[:, site]
            explained = open_cells.get((EXPLAINED_BY.get(alert_type), site))
            if explained is not None:
                flag = flag & ~explained
            spans = alerts.track(flag, signal.hot[:, site], signal.has_data[:, site], first,
                                 trigger, previous is not None)
            if alert_type in EXPLAINED_BY.values():
                open_cells[(alert_type, site)] = _open_mask(spans, first, grid.shape[0])
            for opened, first_bad, last_seen, resolved in spans:
                if opened is None and last_seen is None and resolved is None:
                    continue  # an open alert with nothing new in this run stays as it is
                episodes.append(alerts.Episode(site, alert_type, opened, first_bad, last_seen,
                                               resolved, previous if opened is None else None))
    spans = [_span(e, first, grid) for e in episodes]
    anomaly = forest.max_scores([(span, e.site) for span, e in zip(spans, episodes,
                                                                     strict=True)])
    rows, counts = [], {}
    for episode, span, score in zip(episodes, spans, anomaly, strict=True):
        rows.append(_alert_row(grid, base, signals, episode, span, score, rules))
        tally = counts.setdefault(episode.alert_type, {"opened": 0, "updated": 0, "resolved": 0})
        tally["opened" if episode.opened is not None else "updated"] += 1
        tally["resolved"] += episode.resolved is not None
    return rows, counts


def _open_mask(spans: list[tuple], first: int, cells: int) -> np.ndarray:
    """Cells during which the episodes' alert was open."""
    mask = np.zeros(cells, dtype=bool)
    for opened, _, _, resolved in spans:
        mask[first if opened is None else opened:cells if resolved is None else resolved] = True
    return mask


def _span(episode: alerts.Episode, first: int, grid: Grid) -> slice:
    """The cells of an episode inside this run (from its opening or the run's start)."""
    lo = episode.opened if episode.opened is not None else first
    hi = (episode.resolved if episode.resolved is not None else grid.shape[0]) - 1
    return slice(max(lo, 0), max(hi, lo) + 1)


def _prior_sites(prior: dict, grid: Grid, alert_type: str) -> set[int]:
    column = {s: i for i, s in enumerate(grid.site_ids)}
    return {column[row["site_id"]] for row in prior.values()
            if row["alert_type"] == alert_type and row["site_id"] in column}


def _alert_row(grid, base, signals, episode, span, anomaly, rules) -> dict:
    alert_type, site, previous = episode.alert_type, episode.site, episode.prior
    signal = signals.by_type[alert_type]
    site_id = grid.site_ids[site]
    time = lambda cell: cell_time(grid.start + cell, grid.step)  # noqa: E731
    report = episode.last_seen if episode.last_seen is not None else episode.opened
    if report is None:  # a prior alert that recovers without new anomalies in this run
        report = _last_flag_before(signal.flag[:, site], episode.resolved)
    flagged = signal.flag[span, site]
    severity_code = int(signal.severity[span, site][flagged].max()) if flagged.any() else 1
    severity = alerts.SEVERITIES[severity_code]
    if previous is not None:
        severity = alerts.max_severity(severity, previous["severity"])
    if report is None:
        evidence = {"prediction": previous["prediction"], "current": previous["current_metrics"],
                    "baseline": previous["baseline_metrics"], "deviation": previous["deviation"],
                    "predicted_at": previous["predicted_at"]}
        anomaly = previous["anomaly_score"]
        strength = 1.0
    else:
        evidence = EVIDENCE[alert_type](grid, base, signals, site, report, rules)
        strength = float(np.nan_to_num(signal.strength[report, site], nan=1.0))
    # what the alert said when it opened (the page an operator got), kept while it lasts
    if episode.opened is not None:
        opening = (evidence if episode.opened == report else
                   EVIDENCE[alert_type](grid, base, signals, site, episode.opened, rules))
        at_open = {"at": time(episode.opened).isoformat(), "prediction": opening["prediction"],
                   "predicted_at": _iso(opening["predicted_at"])}
    else:
        at_open = previous["current_metrics"].get("at_open")
    predicted_at = (evidence["predicted_at"]
                    or (at_open or {}).get("predicted_at")
                    or (previous or {}).get("predicted_at"))
    if alert_type == "SSL_EXPIRY" and report is not None:
        days = signals.values["cert_days_left"][report, site]
        anomaly = round(100 * min(1.0, max(0.0, 1 - days / rules.cert_warning_days)), 1)
    confidence = _confidence(alert_type, strength, anomaly)
    if previous is not None:
        confidence = max(confidence, previous["confidence"])
    current = dict(evidence["current"], at_open=at_open)
    if episode.first_anomalous is not None:
        current["first_anomalous_at"] = time(episode.first_anomalous).isoformat()
    elif previous is not None and "first_anomalous_at" in previous["current_metrics"]:
        current["first_anomalous_at"] = previous["current_metrics"]["first_anomalous_at"]
    if previous is not None and previous["anomaly_score"] is not None:
        anomaly = max(anomaly or 0.0, previous["anomaly_score"])
    return {
        "site_id": site_id, "alert_type": alert_type, "severity": severity,
        "prediction": evidence["prediction"], "confidence": round(confidence, 3),
        "current_metrics": current, "baseline_metrics": evidence["baseline"],
        "deviation": rounded(evidence["deviation"]),
        "anomaly_score": None if anomaly is None else round(anomaly, 1),
        "predicted_at": _parsecell_time(predicted_at),
        "dedup_key": alerts.dedup_key(site_id, alert_type),
        "status": "open" if episode.resolved is None else "resolved",
        "opened_at": previous["opened_at"] if previous is not None else time(episode.opened),
        "last_seen_at": (time(episode.last_seen) if episode.last_seen is not None
                         else previous["last_seen_at"]),
        "resolved_at": None if episode.resolved is None else time(episode.resolved),
    }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _parsecell_time(when) -> datetime | None:
    return datetime.fromisoformat(when) if isinstance(when, str) else when


def _last_flag_before(flag: np.ndarray, end: int | None) -> int | None:
    cells = np.flatnonzero(flag[:end])
    return int(cells[-1]) if cells.size else None


def _confidence(alert_type: str, strength: float, anomaly: float | None) -> float:
    if alert_type == "SSL_EXPIRY":
        return 0.99  # the expiry date is a fact; only the renewal is uncertain
    rule = min(1.0, max(0.0, strength - 1.0))
    forest = 0.0 if anomaly is None else anomaly / 100
    return min(0.99, 0.55 + 0.3 * rule + 0.15 * forest)



