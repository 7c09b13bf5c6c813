"""People are in charge: approve, reject, pin, revoke, release, edit and roll back a pattern,
recording who and why (the command line and the API call these; each is one transaction).

- approve: the pattern runs unattended on this person's word, whatever its evidence; when
  evidence later turns against it, it is flagged for review (and notified), never revoked
  by automation. Commands that may never run unattended (not allow-listed, destructive, a
  blacklisted plugin) cannot be approved: edit them first.
- reject: never auto-approved (a candidate refused, or a fix known to be wrong).
- revoke: take an approval away; automation will not give it back.
- pin: freeze the pattern as it is (its approval and its commands) against automation:
  automatic approvals, revocations and new versions leave it alone (new versions are
  proposed instead); evidence against it is flagged for review.
- release: hand the pattern back to automation (clears the person's decision).
- edit / rollback: new commands as a new version (the earlier version and its stats are
  kept; rollback restores an earlier version's commands); a person's approval or rejection,
  which was about the old commands, ends with them (`approve=True` approves the new ones).
"""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.patterns.events import record_event

ACTIONS = {"approve": "approved", "reject": "rejected", "pin": "pinned", "revoke": "revoked",
           "release": None}


class PatternError(ValueError):
    """A person's request that cannot be done as asked (the message says why)."""


def resolve_pattern_id(conn, text: str) -> str:
    """A pattern id from an id or a unique prefix of one (at least 4 characters)."""
    text = (text or "").strip().lower()
    if len(text) < 4:
        raise PatternError(f"pattern id {text!r} is too short: give at least 4 characters")
    rows = conn.execute(db.query("patterns_find_by_prefix"), {"prefix": text}).fetchall()
    if not rows:
        raise KeyError(f"no healing pattern with an id starting {text!r}")
    if len(rows) > 1:
        raise PatternError(f"{text!r} is the start of several pattern ids: give more of it")
    return str(rows[0][0])


def decide_as_person(conn, pattern_id: str, action: str, by: str, why: str,
                     at: datetime | None = None) -> dict:
    """Record a person's decision on a pattern; returns the pattern as it is now."""
    if action not in ACTIONS:
        raise PatternError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}")
    by, why = _who_and_why(by, why)
    pattern_id = resolve_pattern_id(conn, pattern_id)
    pattern = _pattern(conn, pattern_id)
    decision = ACTIONS[action]
    if action == "approve":
        _refuse_unsafe(conn, pattern)
    auto_approved = {"approved": True, "rejected": False, "revoked": False}.get(decision)
    at = at or datetime.now(UTC)
    version = conn.execute(db.query("patterns_set_human_decision"), {
        "id": pattern_id, "decision": decision, "by": by, "why": why, "at": at,
        "auto_approved": auto_approved}).fetchone()[0]
    record_event(conn, pattern_id, version, decision or "released", by, why, at)
    return _pattern(conn, pattern_id)


def edit(conn, pattern_id: str, commands: list[str] | None, by: str, why: str, *,
         use_proposal: bool = False, approve: bool = False,
         at: datetime | None = None) -> dict:
    """New commands (given, or the pending proposal) as a new version."""
    from healer_ops.patterns.versions import change_commands

    by, why = _who_and_why(by, why)
    pattern_id = resolve_pattern_id(conn, pattern_id)
    pattern = _pattern(conn, pattern_id)
    if use_proposal:
        if not pattern["proposal"]:
            raise PatternError(f"pattern {pattern_id} has no pending proposal")
        commands = list(pattern["proposal"]["commands"])
    commands = [" ".join(c.split()) for c in commands or [] if c.strip()]
    if not commands:
        raise PatternError("give at least one command (--command), or --proposal")
    _refuse_unsafe(conn, {**pattern, "commands": commands})
    at = at or datetime.now(UTC)
    try:
        change_commands(conn, pattern_id, commands, f"edited by {by}: {why}", at,
                        changed_by=by, source="person")
    except ValueError as exc:
        raise PatternError(str(exc)) from exc
    if approve:
        return decide_as_person(conn, pattern_id, "approve", by, why, at)
    return _pattern(conn, pattern_id)


def rollback(conn, pattern_id: str, to_version: int | None, by: str, why: str, *,
             approve: bool = False, at: datetime | None = None) -> dict:
    """Restore an earlier version's commands (default: the previous version)."""
    from healer_ops.patterns import versions

    by, why = _who_and_why(by, why)
    pattern_id = resolve_pattern_id(conn, pattern_id)
    pattern = _pattern(conn, pattern_id)
    to_version = pattern["version"] - 1 if to_version is None else to_version
    if not 1 <= to_version < pattern["version"]:
        raise PatternError(f"pattern {pattern_id} is at version {pattern['version']}: roll "
                           f"back to one of 1..{pattern['version'] - 1}")
    at = at or datetime.now(UTC)
    try:
        versions.rollback(conn, pattern_id, to_version, f"by {by}: {why}", at, changed_by=by)
    except (KeyError, ValueError) as exc:
        raise PatternError(str(exc).strip("'\"")) from exc
    if approve:
        return decide_as_person(conn, pattern_id, "approve", by, why, at)
    return _pattern(conn, pattern_id)


def _who_and_why(by: str | None, why: str | None) -> tuple[str, str]:
    by, why = (by or "").strip(), " ".join((why or "").split())
    if not by:
        raise PatternError("say who decides (--by, or the API's 'by')")
    if not why:
        raise PatternError("say why (--why, or the API's 'why'): it is kept with the decision")
    return by[:200], why[:2000]


def _refuse_unsafe(conn, pattern: dict) -> None:
    from healer_ops.patterns.decide import Policy, safety_problems
    from healer_ops.patterns.refresh import blacklist_of

    problems = safety_problems(pattern, blacklist_of(conn, Policy.from_settings()))
    if problems:
        raise PatternError("these commands may never run unattended: " + "; ".join(problems))


def _pattern(conn, pattern_id: str) -> dict:
    row = conn.cursor(row_factory=dict_row).execute(db.query("patterns_show"),
                                                    {"id": pattern_id}).fetchone()
    if row is None:
        raise KeyError(f"no healing pattern {pattern_id}")
    return row
