"""Pattern versions: a pattern whose commands change gets a new version; the earlier one is
kept in healing_pattern_versions with its stats, and the new version's stats start fresh
(executions before ``version_started_at`` belong to earlier versions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from healer_ops.patterns.error_pattern import error_pattern_from_log, matches
from healer_ops.policy.safety import known_fix


@dataclass(frozen=True)
class VersionChange:
    pattern_id: str
    commands: list[str]
    error_pattern: str
    commands_changed: bool
    reason: str


def planned_change(pattern: dict, recent_logs: list[str]) -> VersionChange | None:
    """The next version of a pattern, when a command is known-bad or its regex is broken."""
    commands = list(pattern["commands"] or [])
    reasons = []
    fixed = []
    for command in commands:
        fix = known_fix(command)
        fixed.append(fix[0] if fix else command)
        if fix:
            reasons.append(f"{command!r} -> {fix[0]!r}: {fix[1]}")
    error_pattern = pattern["error_pattern"]
    if recent_logs and not _matches_any(error_pattern, recent_logs):
        relearned = error_pattern_from_log(recent_logs[0])
        hits = sum(matches(relearned, log) for log in recent_logs)
        if hits:
            reasons.append(f"error_pattern matched none of the {len(recent_logs)} latest logs it "
                           f"fixed (Phase 1 escaped it after inserting wildcards); re-learned, "
                           f"literals escaped first, matches {hits} of them")
            error_pattern = relearned
    if not reasons:
        return None
    return VersionChange(str(pattern["id"]), fixed, error_pattern, fixed != commands,
                         "; ".join(reasons))


def _matches_any(error_pattern: str, logs: list[str]) -> bool:
    try:
        compiled = re.compile(error_pattern)
    except re.error:
        return False
    return any(compiled.search(log) for log in logs)


def apply_version(conn, change: VersionChange, changed_at: datetime) -> int:
    """Keep the current version in healing_pattern_versions, then move to the next one."""
    from psycopg.types.json import Jsonb

    from healer_ops import db

    conn.execute(db.query("patterns_new_version"),
                 {"id": change.pattern_id, "reason": change.reason, "changed_at": changed_at})
    row = conn.execute(db.query("patterns_bump_version"), {
        "id": change.pattern_id, "commands": Jsonb(change.commands),
        "error_pattern": change.error_pattern, "commands_changed": change.commands_changed,
        "changed_at": changed_at, "reason": change.reason}).fetchone()
    return row[0]


def change_commands(conn, pattern_id: str, commands: list[str], reason: str,
                    changed_at: datetime) -> int:
    """Give a pattern new commands as a new version (its evidence starts over)."""
    from healer_ops import db

    current = conn.execute(db.query("patterns_get_commands"), {"id": pattern_id}).fetchone()
    if current is None:
        raise KeyError(f"no healing pattern {pattern_id}")
    if list(current[1]) == list(commands):
        raise ValueError(f"pattern {pattern_id} already runs {commands}")
    return apply_version(conn, VersionChange(str(pattern_id), list(commands), current[0], True,
                                             reason), changed_at)
