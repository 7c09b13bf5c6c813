"""Score pattern learning against the demo fleet's ground truth (devkit.demo_pattern_truth).

A pattern is good when its current commands are the ones labelled good, or the known fix of
bad ones; a pattern whose commands have changed to something unlabelled is not scored.
Phase 1's rule (raw success ratio above 0.9 with at least 5 successes) is scored on the same
evidence, all versions, with the labels as the data came.
"""

from __future__ import annotations

from datetime import datetime

from healer_ops import db
from healer_ops.devkit import kitdb


def phase1_would_approve(stats: dict) -> bool:
    """Phase 1's rule: raw success ratio above 0.9 with at least 5 successes."""
    trials = stats["successes"] + stats["failures"]
    return bool(trials) and stats["successes"] >= 5 and stats["successes"] / trials > 0.9


def current_label(commands: list, truth_commands: list, good: bool,
                  fixed_commands: list | None) -> bool | None:
    """Whether the pattern's current commands are a good fix (None: not labelled)."""
    if list(commands) == list(truth_commands):
        return good
    if fixed_commands is not None and list(commands) == list(fixed_commands):
        return True
    return None


def score_patterns(url: str, as_of: datetime) -> dict:
    """Good patterns auto-approved, bad ones approved, and Phase 1's rule beside them."""
    from healer_ops.patterns import Policy, pattern_stats

    with db.connect(url) as conn:
        rows = conn.execute(kitdb.query("eval_patterns")).fetchall()
        evidence = pattern_stats(conn, as_of, Policy.from_settings(), all_versions=True)
    good = bad = good_approved = false_approvals = phase1_good = phase1_false = 0
    for pattern_id, commands, approved, labelled_good, truth_commands, fixed in rows:
        label = current_label(commands, truth_commands, labelled_good, fixed)
        good += label is True
        bad += label is False
        good_approved += bool(label is True and approved)
        false_approvals += bool(label is False and approved)
        phase1 = phase1_would_approve(evidence[pattern_id])
        phase1_good += phase1 and labelled_good
        phase1_false += phase1 and not labelled_good
    return {"good_patterns": good, "good_approved": good_approved,
            "good_approval_rate": round(good_approved / good, 3) if good else None,
            "bad_patterns": bad, "false_approvals": false_approvals,
            "phase1_rule_good_approved": phase1_good,
            "phase1_rule_false_approvals": phase1_false}
