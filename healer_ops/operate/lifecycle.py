"""What people do with an alert: acknowledge, snooze, resolve by hand, reopen, label.

People's decisions live in their own columns of predictive_alerts (acknowledged_*,
snoozed_*, manually_resolved_*, label*), which detection never writes, plus one row per
action in alert_actions (who, when, what). The state people see is `alert_state()` in SQL:
superseded, resolved (by detection or by hand), snoozed, acknowledged or open.

`decide` is the rule book (plain data in, plain data out); `act` applies it to one alert in
one transaction, with the row locked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from healer_ops import db

ACTIONS = ("acknowledge", "unacknowledge", "snooze", "unsnooze", "resolve", "reopen", "label",
           "unlabel")
PEOPLE_FIELDS = ("acknowledged_at", "acknowledged_by", "snoozed_until", "snoozed_by",
                 "manually_resolved_at", "manually_resolved_by", "label", "labelled_at",
                 "labelled_by", "label_note")
MAX_SNOOZE = timedelta(days=30)
CLOSED = ("resolved", "superseded")


class LifecycleError(ValueError):
    """An action that does not apply to the alert as it is (HTTP 409), or a bad argument
    (HTTP 422: `bad_argument` True)."""

    def __init__(self, message: str, *, bad_argument: bool = False):
        super().__init__(message)
        self.bad_argument = bad_argument


class AlertNotFound(LookupError):
    pass


def decide(action: str, alert: dict, *, actor: str, now: datetime,
           until: datetime | None = None, label: bool | None = None,
           note: str | None = None) -> dict | None:
    """The alert's people's fields after `action`, or None when it changes nothing.

    `alert` holds the current people's fields and `state`. Raises LifecycleError when the
    action does not apply (acknowledging a resolved alert, reopening one detection
    resolved, snoozing into the past, ...).
    """
    if action not in ACTIONS:
        raise LifecycleError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}",
                             bad_argument=True)
    if not actor or not actor.strip():
        raise LifecycleError("an action needs the name of who takes it", bad_argument=True)
    state = alert["state"]
    fields = {name: alert.get(name) for name in PEOPLE_FIELDS}
    alert_id = alert.get("id")
    if action in ("acknowledge", "snooze", "resolve") and state in CLOSED:
        done = {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}
        raise LifecycleError(f"alert {alert_id} is {state} already: it cannot be "
                             f"{done[action]}")
    if action == "acknowledge":
        if fields["acknowledged_at"] is not None:
            return None
        fields.update(acknowledged_at=now, acknowledged_by=actor)
    elif action == "unacknowledge":
        if fields["acknowledged_at"] is None:
            return None
        fields.update(acknowledged_at=None, acknowledged_by=None)
    elif action == "snooze":
        _check_snooze(until, now)
        fields.update(snoozed_until=until, snoozed_by=actor)
    elif action == "unsnooze":
        if fields["snoozed_until"] is None or fields["snoozed_until"] <= now:
            return None
        fields.update(snoozed_until=None, snoozed_by=None)
    elif action == "resolve":
        fields.update(manually_resolved_at=now, manually_resolved_by=actor)
    elif action == "reopen":
        if fields["manually_resolved_at"] is None:
            if state == "resolved":
                raise LifecycleError(f"alert {alert_id} was resolved by detection (the metric "
                                     "recovered): a new problem opens a new alert")
            return None
        if alert.get("status") == "superseded":
            raise LifecycleError(f"alert {alert_id} is superseded: it cannot be reopened")
        fields.update(manually_resolved_at=None, manually_resolved_by=None)
    elif action == "label":
        if label is None:
            raise LifecycleError("label needs true (a real problem) or false (a false alarm)",
                                 bad_argument=True)
        if fields["label"] is label and fields["label_note"] == note:
            return None
        fields.update(label=label, labelled_at=now, labelled_by=actor, label_note=note)
    elif action == "unlabel":
        if fields["label"] is None:
            return None
        fields.update(label=None, labelled_at=None, labelled_by=None, label_note=None)
    return fields


def _check_snooze(until: datetime | None, now: datetime) -> None:
    if until is None:
        raise LifecycleError("snooze needs `until` (a time) or `minutes`", bad_argument=True)
    if until.tzinfo is None:
        raise LifecycleError("snooze `until` needs a time zone (e.g. 2026-03-02T18:00:00Z)",
                             bad_argument=True)
    if until <= now:
        raise LifecycleError(f"snooze until {until.isoformat()} is not in the future",
                             bad_argument=True)
    if until - now > MAX_SNOOZE:
        raise LifecycleError(f"snooze for at most {MAX_SNOOZE.days} days", bad_argument=True)


def act(url: str | None, alert_id: int, action: str, *, actor: str,
        until: datetime | None = None, minutes: float | None = None,
        label: bool | None = None, note: str | None = None,
        now: datetime | None = None) -> dict:
    """Apply one action to one alert; returns {alert_id, action, changed, state}."""
    now = now or datetime.now(UTC)
    if minutes is not None:
        if until is not None:
            raise LifecycleError("give `until` or `minutes`, not both", bad_argument=True)
        if minutes <= 0:
            raise LifecycleError("snooze `minutes` must be positive", bad_argument=True)
        until = now + timedelta(minutes=minutes)
    with db.connect(url) as conn, conn.transaction():
        with conn.cursor(row_factory=dict_row) as cur:
            alert = cur.execute(db.query("alert_lock"), {"id": alert_id}).fetchone()
        if alert is None:
            raise AlertNotFound(f"no alert {alert_id}")
        fields = decide(action, alert, actor=actor, now=now, until=until, label=label,
                        note=note)
        if fields is not None:
            conn.execute(db.query("alert_set_people_fields"), {"id": alert_id, **fields})
            details = {k: v for k, v in {"until": until and until.isoformat(), "label": label,
                                         "note": note}.items() if v is not None}
            conn.execute(db.query("alert_record_action"), {
                "alert_id": alert_id, "action": action, "actor": actor,
                "details": Jsonb(details), "acted_at": now})
        state = conn.execute(db.query("alert_lock"), {"id": alert_id}).fetchone()[2]
    return {"alert_id": alert_id, "action": action, "changed": fields is not None,
            "state": state}


def actions_of(conn, alert_id: int) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(db.query("alert_actions_of"), {"alert_id": alert_id}).fetchall()
