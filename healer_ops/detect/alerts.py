"""One ongoing problem is one alert: trigger and recovery windows, and predictive_alerts rows.

An alert of a site and type (dedup_key "site_id:TYPE") opens when at least k of the last n
observations are anomalous (the trigger window), is updated while the problem lasts, and
resolves only after `recover` observations in a row are back to normal (the recovery window:
"normal" is stricter than "not anomalous", so a metric hovering at the threshold keeps its
alert instead of paging twice). Times are data times (the observation's), never wall-clock,
so re-running the same interval gives the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from healer_ops import db

ALERT_TYPES = ("PERFORMANCE_DEGRADATION", "ERROR_SPIKE", "DOWNTIME", "PAGE_SIZE_ANOMALY",
               "SSL_EXPIRY")
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class Trigger:
    """Opens when >= k of the last n observations are anomalous; resolves after `recover`
    observations in a row that are normal."""

    k: int
    n: int
    recover: int


@dataclass
class Episode:
    """One alert's life inside a run, in cells of the run's grid."""

    site: int
    alert_type: str
    opened: int | None            # grid index of the trigger (None: continues a prior alert)
    first_anomalous: int | None
    last_seen: int | None         # last anomalous grid index seen in this run
    resolved: int | None = None
    prior: dict | None = None     # the stored row this episode continues


def track(flag: np.ndarray, hot: np.ndarray, has_data: np.ndarray, start: int,
          trigger: Trigger, open_at_start: bool) -> list[tuple]:
    """Alert episodes of one series from grid index `start` on.

    flag: anomalous observations; hot: not yet normal (flag implies hot); has_data: grid
    cells holding an observation (cells without one neither trigger nor count as normal).
    Earlier cells (the look-back) only fill the trigger and recovery windows.
    Returns (opened, first_anomalous, last_seen, resolved) grid indices per episode;
    opened is None for an alert already open at `start`, resolved None while still open.
    """
    cells = np.flatnonzero(has_data)
    if cells.size == 0:
        return [(None, None, None, None)] if open_at_start else []
    f = flag[cells]
    h = hot[cells] | f
    csum = np.concatenate([[0], np.cumsum(f)])
    pos = np.arange(cells.size)
    window = csum[pos + 1] - csum[np.maximum(pos + 1 - trigger.n, 0)]
    triggers = np.flatnonzero(window >= trigger.k)
    flagged = np.flatnonzero(f)
    recovered = np.flatnonzero(_quiet_run(h) >= trigger.recover)
    p = int(np.searchsorted(cells, start))
    episodes: list[tuple] = []
    state = (None, None) if open_at_start else None  # (opened, first_anomalous) while open
    while p < cells.size:
        if state is None:
            i = np.searchsorted(triggers, p)
            if i == triggers.size:
                break
            t = int(triggers[i])
            lo = np.searchsorted(flagged, max(t - trigger.n + 1, 0))
            state = (t, int(flagged[lo]))
            p = t + 1
            continue
        i = np.searchsorted(recovered, p)
        end = int(recovered[i]) if i < recovered.size else cells.size
        last = _last_before(flagged, end, state[0] if state[0] is not None else p)
        resolved = cells[end] if end < cells.size else None
        episodes.append(_episode(cells, state, last, resolved))
        if resolved is None:
            return episodes
        state, p = None, end + 1
    if state is not None:
        last = _last_before(flagged, cells.size, state[0] if state[0] is not None else p)
        episodes.append(_episode(cells, state, last, None))
    return episodes


def _episode(cells, state, last, resolved) -> tuple:
    opened, first = state
    return (None if opened is None else int(cells[opened]),
            None if first is None else int(cells[first]),
            None if last is None else int(cells[last]),
            None if resolved is None else int(resolved))


def _last_before(flagged: np.ndarray, end: int, lower: int) -> int | None:
    """The last flagged position in [lower, end)."""
    i = np.searchsorted(flagged, end) - 1
    return int(flagged[i]) if i >= 0 and flagged[i] >= lower else None


def _quiet_run(hot: np.ndarray) -> np.ndarray:
    """For each position, how many positions in a row up to it are not hot."""
    idx = np.arange(hot.size)
    last_hot = np.maximum.accumulate(np.where(hot, idx, -1))
    return idx - last_hot


def max_severity(*severities: str | None) -> str:
    return max((s for s in severities if s), key=SEVERITIES.index)


def dedup_key(site_id: str, alert_type: str) -> str:
    return f"{site_id}:{alert_type}"


# ------------------------------------------------------------------------------ storage

ALERT_COLUMNS = ("site_id", "alert_type", "severity", "prediction", "confidence",
                 "current_metrics", "baseline_metrics", "deviation", "anomaly_score",
                 "predicted_at", "dedup_key", "status", "opened_at", "last_seen_at",
                 "resolved_at")


def prior_alerts(conn, site_ids: list[str], since: datetime) -> dict[str, dict]:
    """Per dedup_key, the alert that was open when `since` began (opened earlier and not
    resolved before it), from the stored rows."""
    cur = conn.execute(db.query("detect_prior_alerts"), {"site_ids": site_ids, "since": since})
    names = [c.name for c in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {row["dedup_key"]: row for row in rows}


def write_alerts(conn, rows: list[dict], site_ids: list[str], since: datetime,
                 until: datetime) -> dict:
    """Upsert the run's alerts on (dedup_key, opened_at), oldest first, and mark superseded
    the rows this run's interval had stored before but no longer produces (the interval is
    replaced; rows are never deleted, people's columns never written)."""
    rows = sorted(rows, key=lambda r: (r["opened_at"], r["dedup_key"]))
    keep = [(r["dedup_key"], r["opened_at"]) for r in rows]
    stale = conn.execute(db.query("detect_supersede_stale_alerts"), {
        "site_ids": site_ids, "since": since, "until": until,
        "keys": [k for k, _ in keep], "opened": [o for _, o in keep]}).rowcount
    changed = 0
    sql = db.query("detect_upsert_alert")
    for row in rows:
        params = {c: row[c] for c in ALERT_COLUMNS}
        params["current_metrics"] = json.dumps(row["current_metrics"], default=str)
        params["baseline_metrics"] = json.dumps(row["baseline_metrics"], default=str)
        params["until"] = until
        changed += conn.execute(sql, params).rowcount
    return {"rows_changed": changed, "superseded": stale}
