"""Pattern versions: a pattern whose commands change gets a new version; the earlier one is
kept in healing_pattern_versions with its stats, and the new version's stats start fresh
(executions before ``version_started_at`` belong to earlier versions).

Where a change comes from:
- a known-bad command with a known fix (healer_ops.policy.safety.known_fix);
- an error_pattern that no longer matches the logs it fixed (re-learned; evidence kept);
- a proposal from repeated failures analyzed by the analyzer: when at least
  `proposal_min_failures` analyzed failures of the current version, with confidence above
  0.8, agree on other fix commands that are safe for the pattern;
- a person: `edit` (new commands) or `rollback` (an earlier version's commands, as a new
  version that says which one it restores; its evidence starts fresh like any new version,
  since the world may have changed since, and the earlier version's stats stay shown).

Automation never applies a command change to a pattern a person decided on: it is kept as
`proposal` and the pattern is flagged for review.
"""

from __future__ import annotations

import re
from collections import Counter
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
    source: str = "known_fix"  # known_fix | error_pattern | analyses | person | rollback
    changed_by: str = "healer-ops"
    restored_from: int | None = None


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
    changed = fixed != commands
    return VersionChange(str(pattern["id"]), fixed, error_pattern, changed, "; ".join(reasons),
                         source="known_fix" if changed else "error_pattern")


def proposed_by_analyses(pattern: dict, analyses: list[dict], min_failures: int,
                         blacklist: list[str]) -> VersionChange | None:
    """New commands for a pattern whose failed uses the analyzer read: at least `min_failures`
    confident analyses (> 0.8) agree on the same fix commands, which differ from the current
    ones and may run unattended for this pattern's type and culprit."""
    from healer_ops.patterns.decide import safety_problems
    from healer_ops.patterns.suggest import CONFIDENT, fix_commands

    votes: Counter = Counter()
    confident = 0
    for analysis in analyses:
        if float(analysis.get("confidence") or 0) <= CONFIDENT:
            continue
        confident += 1
        proposal = tuple(fix_commands(analysis.get("recommendations") or []))
        if proposal:
            votes[proposal] += 1
    if not votes:
        return None
    commands, count = votes.most_common(1)[0]
    current = list(pattern["commands"] or [])
    if count < min_failures or count * 2 <= confident or list(commands) == current:
        return None
    if safety_problems({**pattern, "commands": list(commands)}, blacklist):
        return None
    reason = (f"proposed by the analyzer: {count} of the {len(analyses)} latest analyzed "
              f"failures of version {pattern['version']} recommend {list(commands)} "
              f"instead of {current}")
    return VersionChange(str(pattern["id"]), list(commands), pattern["error_pattern"], True,
                         reason, source="analyses")


def _matches_any(error_pattern: str, logs: list[str]) -> bool:
    try:
        compiled = re.compile(error_pattern)
    except re.error:
        return False
    return any(compiled.search(log) for log in logs)


def apply_version(conn, change: VersionChange, changed_at: datetime) -> int:
    """Keep the current version in healing_pattern_versions, then move to the next one;
    records the event. Returns the new version."""
    from psycopg.types.json import Jsonb

    from healer_ops import db
    from healer_ops.patterns.events import record_event

    conn.execute(db.query("patterns_new_version"), {
        "id": change.pattern_id, "reason": change.reason, "changed_at": changed_at,
        "restored_from": change.restored_from, "changed_by": change.changed_by})
    row = conn.execute(db.query("patterns_bump_version"), {
        "id": change.pattern_id, "commands": Jsonb(change.commands),
        "error_pattern": change.error_pattern, "commands_changed": change.commands_changed,
        "changed_at": changed_at, "reason": change.reason}).fetchone()
    event = {"person": "edited", "rollback": "rolled_back"}.get(change.source, "versioned")
    record_event(conn, change.pattern_id, row[0], event, change.changed_by, change.reason,
                 changed_at)
    return row[0]


def change_commands(conn, pattern_id: str, commands: list[str], reason: str,
                    changed_at: datetime, changed_by: str = "healer-ops",
                    source: str = "person", restored_from: int | None = None) -> int:
    """Give a pattern new commands as a new version (its evidence starts over)."""
    from healer_ops import db

    current = conn.execute(db.query("patterns_get_commands"), {"id": pattern_id}).fetchone()
    if current is None:
        raise KeyError(f"no healing pattern {pattern_id}")
    if list(current[1]) == list(commands):
        raise ValueError(f"pattern {pattern_id} already runs {commands}")
    return apply_version(conn, VersionChange(str(pattern_id), list(commands), current[0], True,
                                             reason, source=source, changed_by=changed_by,
                                             restored_from=restored_from), changed_at)


def rollback(conn, pattern_id: str, to_version: int, reason: str, changed_at: datetime,
             changed_by: str) -> int:
    """Restore an earlier version's commands as a new version; returns the new version."""
    from healer_ops import db

    row = conn.execute(db.query("patterns_version_row"),
                       {"id": pattern_id, "version": to_version}).fetchone()
    if row is None:
        raise KeyError(f"pattern {pattern_id} has no earlier version {to_version}")
    _, commands, _ = row
    return change_commands(conn, pattern_id, list(commands),
                           f"rollback to version {to_version}: {reason}", changed_at,
                           changed_by=changed_by, source="rollback", restored_from=to_version)
