"""Approve, keep, revoke or hold one pattern from its evidence (plain data in, a Decision out).

* confidence is the Wilson score lower bound (95%) of the success rate, not the raw ratio:
  5 successes out of 5 give a raw 1.0 but a lower bound of 0.57, because five trials cannot
  tell a 95% fix from a 60% one. Phase 1 approved at raw > 0.9 with 5 successes, so a bad
  fix had an 8% chance to be approved after five lucky runs, and it never revoked anything.
* auto-approval needs strong evidence (lower bound, successes), no recent failure streak,
  and safe commands only (healer_ops.policy). A taxonomy command marked "approve" may become
  auto-approved by evidence (the taxonomy: "auto if pattern learned").
* approval is revoked when recent evidence turns bad (trailing failures, a bad recent
  window, or the lower bound falling under a lower revoke threshold: hysteresis, so a
  pattern near the threshold does not flap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from healer_ops.policy.safety import command_problems

APPROVER = "healer-ops"


@dataclass(frozen=True)
class Policy:
    min_lower_bound: float = 0.75
    revoke_lower_bound: float = 0.65
    min_successes: int = 10
    recent_uses: int = 10
    max_recent_failures: int = 2
    max_failure_streak: int = 1
    recent_days: int = 30
    blacklisted_plugins: tuple[str, ...] = ("woocommerce", "woocommerce-*")

    @classmethod
    def from_settings(cls) -> Policy:
        from healer_ops.settings import get_settings

        s = get_settings()
        return cls(s.pattern_min_lower_bound, s.pattern_revoke_lower_bound,
                   s.pattern_min_successes, s.pattern_recent_uses,
                   s.pattern_max_recent_failures, s.pattern_max_failure_streak,
                   s.pattern_recent_days, tuple(s.pattern_blacklisted_plugins))


def wilson_lower_bound(successes: int, trials: int, confidence: float = 0.95) -> float:
    """The lower end of the Wilson score interval of the success rate (0 without trials)."""
    if trials <= 0:
        return 0.0
    from scipy.stats import binomtest

    interval = binomtest(successes, trials).proportion_ci(confidence_level=confidence,
                                                          method="wilson")
    return float(interval.low)


@dataclass(frozen=True)
class Decision:
    auto_approved: bool
    approved_by: str | None
    approved_at: datetime | None
    approval_reason: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    decision_reason: str
    event: str  # approved | kept | revoked | held


def evidence_text(stats: dict, lower_bound: float) -> str:
    n = stats["successes"] + stats["failures"]
    raw = f"{stats['successes'] / n:.0%}" if n else "n/a"
    return (f"{stats['successes']}/{n} successes (raw {raw}), 95% Wilson lower bound "
            f"{lower_bound:.3f}; last {stats['last_uses']} uses: {stats['last_uses_failed']} "
            f"failed; failure streak {stats['failure_streak']}")


def decide(pattern: dict, stats: dict, policy: Policy, blacklist: list[str],
           as_of: datetime) -> Decision:
    """Approve, keep, revoke or hold one pattern. Same inputs and state, same decision."""
    lower = wilson_lower_bound(stats["successes"], stats["successes"] + stats["failures"])
    numbers = evidence_text(stats, lower)
    unsafe = safety_problems(pattern, blacklist)
    recent_bad = []
    if stats["failure_streak"] > policy.max_failure_streak:
        recent_bad.append(f"the last {stats['failure_streak']} uses failed")
    if stats["last_uses_failed"] > policy.max_recent_failures:
        recent_bad.append(f"{stats['last_uses_failed']} of the last {stats['last_uses']} uses "
                          "failed")
    thin = []
    if lower < policy.min_lower_bound:
        thin.append(f"lower bound {lower:.3f} < {policy.min_lower_bound}")
    if stats["successes"] < policy.min_successes:
        thin.append(f"{stats['successes']} successes < {policy.min_successes}")
    ours = pattern["approved_by"] == APPROVER
    keep = {k: pattern[k] for k in ("approved_by", "approved_at", "approval_reason",
                                    "revoked_at", "revoked_reason")}

    # decision_reason states the evaluation only (never the action taken), so that a re-run
    # on the same evidence, which finds the action already done, writes the same text
    def result(approved: bool, event: str, evaluation: str, **changes) -> Decision:
        return Decision(auto_approved=approved, decision_reason=f"{evaluation} | {numbers}",
                        event=event, **{**keep, **changes})

    def revoke_or_hold(evaluation: str, revoke_why: str | None = None) -> Decision:
        if not pattern["auto_approved"]:
            return result(False, "held", evaluation)
        why = f"{revoke_why or evaluation} | {numbers}"
        return result(False, "revoked", evaluation, revoked_at=as_of, revoked_reason=why)

    if unsafe:
        return revoke_or_hold("never auto-approved: " + "; ".join(unsafe))
    if recent_bad:
        return revoke_or_hold("recent evidence is bad: " + "; ".join(recent_bad))
    if pattern["auto_approved"] and ours and lower >= policy.revoke_lower_bound:
        evaluation = "strong evidence" if not thin else "kept within hysteresis: " + "; ".join(
            thin)
        return result(True, "kept", evaluation)
    if thin:
        evaluation = "too little evidence: " + "; ".join(thin)
        if ours:
            return revoke_or_hold(evaluation, f"lower bound {lower:.3f} fell under "
                                  f"{policy.revoke_lower_bound}")
        who = pattern["approved_by"] or "Phase 1"
        return revoke_or_hold(evaluation, f"approved by {who} on weaker evidence; {evaluation}")
    if pattern["auto_approved"] and ours:
        return result(True, "kept", "strong evidence")
    return result(True, "approved", "strong evidence", approved_by=APPROVER, approved_at=as_of,
                  approval_reason=f"auto-approved by {APPROVER}: {numbers}", revoked_at=None,
                  revoked_reason=None)


def safety_problems(pattern: dict, blacklist: list[str]) -> list[str]:
    """Why a pattern's commands may not run unattended, whatever its success rate."""
    from fnmatch import fnmatch

    commands = pattern["commands"] or []
    problems = [] if commands else ["no commands"]
    culprit = pattern.get("culprit") or ""
    for command in commands:
        problems += command_problems(command, pattern["diagnosis_type"], culprit, blacklist)
    if culprit and any(fnmatch(culprit.lower(), entry.lower()) for entry in blacklist):
        problems.append(f"culprit {culprit!r} is blacklisted")
    return list(dict.fromkeys(problems))
