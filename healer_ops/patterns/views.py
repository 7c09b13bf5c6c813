"""What people read about patterns (the command line and the API share these): the list, one
pattern in full (versions with their stats, signatures, events), and its per-day history for
a chart. Plain dicts in JSON-ready types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.patterns.decide import wilson_lower_bound

STATES = ("all", "approved", "candidate", "review", "rejected", "pinned", "held")
EVENTS_SHOWN = 50


def list_patterns(conn, *, state: str = "all", diagnosis_type: str | None = None,
                  origin: str | None = None, limit: int = 200) -> list[dict]:
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}: expected one of {', '.join(STATES)}")
    rows = _rows(conn, "patterns_list", {"state": state, "diagnosis_type": diagnosis_type,
                                         "origin": origin, "limit": limit})
    return [jsonable(r) for r in rows]


def show_pattern(conn, pattern_id: str) -> dict:
    """Everything about one pattern: its row, versions with stats, signatures, events."""
    rows = _rows(conn, "patterns_show", {"id": pattern_id})
    if not rows:
        raise KeyError(f"no healing pattern {pattern_id}")
    versions = _rows(conn, "patterns_versions", {"id": pattern_id})
    for version in versions:
        trials = version["successes"] + version["failures"]
        version["wilson_lower_bound"] = round(wilson_lower_bound(version["successes"],
                                                                 trials), 4)
        version["success_rate"] = round(version["successes"] / trials, 4) if trials else None
    return jsonable({
        "pattern": rows[0], "versions": versions,
        "signatures": _rows(conn, "patterns_signatures", {"id": pattern_id}),
        "events": _rows(conn, "patterns_events", {"id": pattern_id, "limit": EVENTS_SHOWN}),
    })


def daily_history(conn, pattern_id: str, *, days: int = 90,
                  until: datetime | None = None, half_life: float = 10.0) -> list[dict]:
    """One row per UTC day of the last `days` before `until` (default now): uses, successes,
    failures that day, and at the day's end the version, its success rate, its 95% Wilson
    lower bound and the rolling (exponentially weighted) success rate."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    until = until or datetime.now(UTC)
    starts = _version_starts(conn, pattern_id)
    uses = conn.execute(db.query("patterns_uses"), {"id": pattern_id, "until": until}).fetchall()
    first_day = (until - timedelta(days=days)).date()
    decay = 0.5 ** (1 / half_life)
    state = {"version": 1, "s": 0, "f": 0, "weighted": 0.0, "weight": 0.0}
    per_day: dict[date, list[int]] = {}
    end_of_day: dict[date, dict] = {}
    for started_at, ok in uses:
        version = _version_at(starts, started_at)
        if version != state["version"]:
            state = {"version": version, "s": 0, "f": 0, "weighted": 0.0, "weight": 0.0}
        state["s" if ok else "f"] += 1
        state["weighted"] = state["weighted"] * decay + (1.0 if ok else 0.0)
        state["weight"] = state["weight"] * decay + 1.0
        day = started_at.astimezone(UTC).date()
        per_day.setdefault(day, [0, 0])[0 if ok else 1] += 1
        end_of_day[day] = dict(state)
    history, carried = [], None
    for day in (first_day + timedelta(days=i) for i in range((until.date() - first_day).days
                                                             + 1)):
        carried = end_of_day.get(day, carried) or _carried_before(end_of_day, day)
        successes, failures = per_day.get(day, [0, 0])
        history.append(_day_row(day, successes, failures, carried))
    return history


def _day_row(day: date, successes: int, failures: int, state: dict | None) -> dict:
    row = {"day": day.isoformat(), "uses": successes + failures, "successes": successes,
           "failures": failures, "version": None, "version_success_rate": None,
           "wilson_lower_bound": None, "rolling_success_rate": None}
    if state:
        trials = state["s"] + state["f"]
        row.update(version=state["version"],
                   version_success_rate=round(state["s"] / trials, 4),
                   wilson_lower_bound=round(wilson_lower_bound(state["s"], trials), 4),
                   rolling_success_rate=round(state["weighted"] / state["weight"], 4))
    return row


def _carried_before(end_of_day: dict, day: date) -> dict | None:
    earlier = [d for d in end_of_day if d < day]
    return end_of_day[max(earlier)] if earlier else None


def _version_starts(conn, pattern_id: str) -> list[tuple[datetime, int]]:
    """(from, version) for versions whose commands changed (their evidence starts there)."""
    starts = []
    for row in _rows(conn, "patterns_versions", {"id": pattern_id}):
        starts.append((row["started_at"], row["version"]))
    starts.sort(key=lambda s: (s[1]))
    return starts


def _version_at(starts: list[tuple[datetime, int]], moment: datetime) -> int:
    version = starts[0][1] if starts else 1
    for started, number in starts[1:]:
        if started is not None and moment >= started:
            version = number
    return version


def _rows(conn, query_name: str, params: dict) -> list[dict]:
    return conn.cursor(row_factory=dict_row).execute(db.query(query_name), params).fetchall()


def jsonable(value):
    """Rows as JSON-ready values (UUIDs and times as text, decimals as floats)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
