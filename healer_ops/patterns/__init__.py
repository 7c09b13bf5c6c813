"""Pattern learning: which learned fixes work, which may run without a human, and versions.

- error_pattern: the regex that recognizes a pattern's fault on any site.
- learn: analyses feed patterns (match by error signature, create candidates) and the
  analysis becomes the next attempt's plan when confident (suggest).
- decide: approve, keep, revoke, hold or flag one pattern from its evidence (a sequential
  test, recent failures, command safety from healer_ops.policy, people's decisions).
- versions: a new version when a pattern's commands change; earlier versions kept.
- refresh: the pattern_effectiveness DAG's work over every pattern, stats in SQL, and the
  same decision for one approved pattern right after its failure is analyzed.
- people: approve, reject, pin, revoke, release, edit, roll back (who and why).
- views: the list, one pattern in full, its per-day history.
"""

from __future__ import annotations

from healer_ops.patterns.decide import Decision, Policy, decide, safety_problems, wilson_lower_bound
from healer_ops.patterns.error_pattern import error_pattern_from_log, key_line, matches
from healer_ops.patterns.refresh import pattern_stats, refresh_patterns, refresh_used_pattern
from healer_ops.patterns.versions import (
           VersionChange,
           apply_version,
           change_commands,
           planned_change,
)
from healer_ops.policy.safety import command_problems, known_fix

__all__ = ["Decision", "Policy", "VersionChange", "apply_version", "change_commands",
           "command_problems", "decide", "error_pattern_from_log", "key_line", "known_fix",
           "matches", "pattern_stats", "planned_change", "refresh_patterns",
           "refresh_used_pattern", "safety_problems", "wilson_lower_bound"]
