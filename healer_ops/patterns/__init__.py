"""Pattern learning: which learned fixes work, which may run without a human, and versions.

- error_pattern: the regex that recognizes a pattern's fault on any site.
- decide: approve, keep, revoke or hold one pattern from its evidence (Wilson lower bound,
  recent failures, command safety from healer_ops.policy).
- versions: a new version when a pattern's commands change; earlier versions kept.
- refresh: the pattern_effectiveness DAG's work over every pattern, stats in SQL.
"""

from __future__ import annotations

from healer_ops.patterns.decide import Decision, Policy, decide, safety_problems, wilson_lower_bound
from healer_ops.patterns.error_pattern import error_pattern_from_log, key_line, matches
from healer_ops.patterns.refresh import pattern_stats, refresh_patterns
from healer_ops.patterns.versions import (
           VersionChange,
           apply_version,
           change_commands,
           planned_change,
)
from healer_ops.policy.safety import command_problems, known_fix

__all__ = ["Decision", "Policy", "VersionChange", "apply_version", "change_commands",
           "command_problems", "decide", "error_pattern_from_log", "key_line", "known_fix",
           "matches", "pattern_stats", "planned_change", "refresh_patterns", "safety_problems",
           "wilson_lower_bound"]
