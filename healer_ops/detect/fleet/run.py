"""A detection run in steps: plan the interval, refresh missing baselines, score, write.

The ``anomaly_detection`` DAG runs each step as a task of its own; ``detect_fleet`` and
``detect_new_data`` (``healer-ops alerts scan``, the benchmarks, the tests) run the same
steps in one process. Scoring only reads: it writes neither baselines nor alerts.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

from healer_ops import db
from healer_ops.detect import alerts, incidents
from healer_ops.detect.fleet.baselines import baseline_grid, refresh_missing_baselines
from healer_ops.detect.fleet.engine_signal import engine_flags, engine_history_start
from healer_ops.detect.fleet.episodes import build_alerts
from healer_ops.detect.fleet.forest import AnomalyScores
from healer_ops.detect.fleet.grid import build_grid, load_observations
from healer_ops.detect.fleet.rules import HOUR_S, RULES, Rules, cell_time, choose_step, for_step
from healer_ops.detect.fleet.signals import score
from healer_ops.timeutil import as_utc

WATERMARK_SCOPE = "fleet"
LOCK = "SELECT pg_advisory_xact_lock(hashtext('healer_ops.detect_fleet'))"
TIME_COLUMNS = ("predicted_at", "opened_at", "last_seen_at", "resolved_at")


def detect_fleet(url: str | None, since: datetime | str, until: datetime | str, *,
                 site_ids: list[str] | None = None, rules: Rules = RULES) -> dict:
    """Score [since, until) and open, update or resolve predictive_alerts: the steps
    refresh_step, score_step and write_step in one process.

    Only complete grid cells are scored (the interval is aligned down to the grid). Returns
    {opened, updated, resolved, open_total, by_type, sites, observations, ...}.
    """
    since, until = check_interval(since, until)
    refresh_step(url, since, until, site_ids=site_ids, rules=rules)
    with db.connect(url) as conn:
        conn.execute(LOCK)  # one detection run at a time: alert rows are replaced per interval
        scored = score_on(conn, since, until, site_ids, rules)
        summary = write_on(conn, scored)
        conn.commit()
    return summary


def check_interval(since, until) -> tuple[datetime, datetime]:
    since, until = as_utc(since, "since"), as_utc(until, "until")
    if until <= since:
        raise ValueError(f"until ({until.isoformat()}) must be after since ({since.isoformat()})")
    return since, until


def lookback_start(since: datetime, rules: Rules, *, engine_history: bool = True) -> float:
    """Epoch seconds of the first observation a run of `since` needs (on the hour): the
    look-back, and with the engine (unless `engine_history` is False) the history of the
    engine's block (engine_signal), which only the sites the engine scores load."""
    start = since.timestamp() - rules.lookback_hours * HOUR_S
    if rules.engine:
        # a forecast alert keeps its episode open for a day (signals._performance): the
        # forecasts of that day need their own look-back
        held = rules.triggers["PERFORMANCE_DEGRADATION"].k * rules.step_s
        start -= rules.lookback_hours * HOUR_S + held + HOUR_S
        if engine_history:
            start = engine_history_start(start, rules)
    return math.floor(start / HOUR_S) * HOUR_S


def refresh_step(url: str | None, since, until, *, site_ids: list[str] | None = None,
                 rules: Rules = RULES) -> dict:
    """Store the baselines that the run of [since, until) (with its look-back) lacks."""
    since, until = check_interval(since, until)
    start = datetime.fromtimestamp(lookback_start(since, rules), UTC)
    with db.connect(url) as conn:
        rows = refresh_missing_baselines(conn, start, until, site_ids, rules)
        conn.commit()
    return {"baselines_stored": len(rows), "sites": len({str(r["site_id"]) for r in rows})}


def score_step(url: str | None, since, until, *, site_ids: list[str] | None = None,
               rules: Rules = RULES) -> dict:
    """The alert rows of [since, until) as plain JSON data (for write_step), read only."""
    since, until = check_interval(since, until)
    with db.connect(url) as conn:
        scored = score_on(conn, since, until, site_ids, rules)
        conn.rollback()
    return scored


def score_on(conn, since: datetime, until: datetime, site_ids: list[str] | None,
             rules: Rules) -> dict:
    begin = lookback_start(since, rules, engine_history=False)
    per_site = load_observations(conn, begin, until.timestamp(), site_ids)
    rules = for_step(rules, choose_step(per_site, rules))
    step = rules.step_s
    first = math.floor(since.timestamp() / step)
    stop = math.floor(until.timestamp() / step)
    start = int(begin // step)
    grid = build_grid(per_site, start, max(stop, first), step)
    scored = {"since": cell_time(first, step).isoformat(),
              "until": cell_time(stop, step).isoformat(), "site_ids": grid.site_ids,
              "observations": grid.observations, "rows": [], "counts": {}, "empty": True}
    if not grid.site_ids or stop <= first:
        return scored
    base = baseline_grid(conn, grid, rules)
    engine = None
    if rules.engine:
        def engine(rules_flag):
            return engine_flags(conn, grid, base, first - start, rules, rules_flag)
    signals = score(grid, base, rules, engine)
    forest = AnomalyScores(grid, signals, rules)
    rows, counts = build_alerts(conn, grid, base, signals, forest, first - start, rules)
    return scored | {"rows": [plain_row(row) for row in rows], "counts": counts, "empty": False}


def plain_row(row: dict) -> dict:
    """An alert row as JSON data (times as ISO 8601), as it travels between tasks."""
    out = dict(row)
    for column in TIME_COLUMNS:
        if isinstance(out[column], datetime):
            out[column] = out[column].isoformat()
    for column in ("current_metrics", "baseline_metrics"):
        out[column] = json.loads(json.dumps(out[column], default=str))
    return out


def write_step(url: str | None, scored: dict) -> dict:
    """Write the scored rows (open, update, resolve; supersede what the interval no longer
    produces) and summarize."""
    with db.connect(url) as conn:
        conn.execute(LOCK)
        summary = write_on(conn, scored)
        conn.commit()
    return summary


def write_on(conn, scored: dict) -> dict:
    since, until = as_utc(scored["since"], "since"), as_utc(scored["until"], "until")
    written = {"rows_changed": 0}
    if not scored["empty"]:
        rows = [dict(row) | {c: _parse(row[c]) for c in TIME_COLUMNS} for row in scored["rows"]]
        written = alerts.write_alerts(conn, rows, scored["site_ids"], since, until)
    # same transaction: a notification drain never sees an incident's alerts ungrouped
    written |= incidents.group_alerts(conn, since, until)
    return _summary(scored, written, conn)


def _parse(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def plan_run(url: str | None, *, since: datetime | str | None = None,
             until: datetime | str | None = None, site_ids: list[str] | None = None,
             first_run_days: float = 28.0, rules: Rules = RULES) -> dict:
    """The interval the asset-triggered DAG scores: what arrived since the last run.

    Default interval: from the watermark (where the last whole-fleet run stopped) to the
    start of the cell holding the latest observation (that cell may still be filling; the
    next run scores it), so every scored cell is complete; on the first run, the last
    `first_run_days` of data. Explicit since/until override it (manual runs and historic
    re-runs). The watermark moves forward only after a whole-fleet run that starts at or
    before it, so a re-run of old data never skips new data. Returns {scored: False,
    reason, ...} or {scored: True, since, until, site_ids, advance}.
    """
    step = timedelta(seconds=rules.step_s)
    with db.connect(url) as conn:
        mark, first_seen, last_seen = conn.execute(db.query("detect_watermark_get"),
                                                   {"scope": WATERMARK_SCOPE}).fetchone()
    if until is None:
        if last_seen is None:
            return {"scored": False, "reason": "no observations in site_metrics",
                    "watermark": mark.isoformat() if mark else None}
        until = _floor(last_seen, step)
    until = as_utc(until, "until")
    if since is None:
        since = mark or max(_floor(first_seen, step), until - timedelta(days=first_run_days))
    since = as_utc(since, "since")
    if until <= since:
        return {"scored": False, "reason": "no new observations since the watermark",
                "since": since.isoformat(), "until": until.isoformat(),
                "watermark": mark.isoformat() if mark else None}
    return {"scored": True, "since": since.isoformat(), "until": until.isoformat(),
            "site_ids": site_ids or None,
            "advance": not site_ids and (mark is None or since <= mark)}


def advance_watermark(url: str | None, plan: dict, rules: Rules = RULES) -> bool:
    """Move the watermark to the planned run's end if the plan says so (after its write)."""
    if not plan.get("advance"):
        return False
    with db.connect(url) as conn:
        conn.execute(db.query("detect_watermark_set"), {
            "scope": WATERMARK_SCOPE,
            "until": _floor(as_utc(plan["until"], "until"), timedelta(seconds=rules.step_s))})
        conn.commit()
    return True


def detect_new_data(url: str | None, *, since: datetime | str | None = None,
                    until: datetime | str | None = None, site_ids: list[str] | None = None,
                    first_run_days: float = 28.0, rules: Rules = RULES) -> dict:
    """What `healer-ops alerts scan` runs (the DAG's steps in one process): plan_run, then
    detect_fleet over the planned interval, then advance_watermark."""
    plan = plan_run(url, since=since, until=until, site_ids=site_ids,
                    first_run_days=first_run_days, rules=rules)
    if not plan["scored"]:
        return plan
    summary = detect_fleet(url, plan["since"], plan["until"], site_ids=site_ids, rules=rules)
    advance = advance_watermark(url, plan, rules)
    return {"scored": True, **summary, "watermark_advanced": advance}


def _floor(when: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.floor(when.timestamp() / seconds) * seconds, UTC)


def _summary(scored: dict, counts_written: dict, conn) -> dict:
    counts = scored["counts"]
    open_by_type = dict(conn.execute(db.query("detect_open_by_type"),
                                     {"site_ids": scored["site_ids"]}).fetchall())
    by_type = {t: {"opened": counts.get(t, {}).get("opened", 0),
                   "updated": counts.get(t, {}).get("updated", 0),
                   "resolved": counts.get(t, {}).get("resolved", 0),
                   "open": open_by_type.get(t, 0)} for t in alerts.ALERT_TYPES}
    return {
        "since": scored["since"], "until": scored["until"],
        "sites": len(scored["site_ids"]), "observations": scored["observations"],
        "opened": sum(v["opened"] for v in by_type.values()),
        "updated": sum(v["updated"] for v in by_type.values()),
        "resolved": sum(v["resolved"] for v in by_type.values()),
        "open_total": sum(open_by_type.values()),
        "by_type": by_type, **counts_written,
    }
