"""Approve, keep, revoke, hold or flag one pattern from its evidence (plain data in, a Decision
out).

* Approval is a sequential test (default, `HEALER_PATTERN_APPROVAL_RULE=sequential`): the
  likelihood ratio of the pattern's uses under a good success rate (0.97) against a bad one
  (0.80) must reach 5.5, with at least 19 successes. A test that is re-read after every use
  needs this: a rule on the raw ratio or on a confidence bound, looked at again each day,
  eventually approves a fix that works 79% of the time by luck (Phase 1 approved 5/5; the
  Wilson rule approved 12/12, which a 79% fix scores 6% of the time). `healer-ops bench
  patterns` measures the trade-off. The older rule (`wilson`: the 95% lower bound at least
  0.75) stays available.
* `confidence` is the Wilson score lower bound (95%) of the success rate, not the raw ratio.
* Auto-approval also needs no recent failure streak and safe commands only
  (healer_ops.policy).
* An automatic approval is revoked when recent evidence turns bad (two failures in a row, or
  three among the last 20 uses: at most three failures of a fix that turned bad), and then
  the evidence starts over (`evidence_since`): approval again needs new uses.
* People are in charge: a person's decision (approved, rejected, pinned, revoked) is never
  changed here. When evidence turns against a pattern a person approved or pinned, it is
  flagged for review (`review_reason`), not revoked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from healer_ops.policy.safety import command_problems

APPROVER = "healer-ops"
RULES = ("sequential", "wilson")


@dataclass(frozen=True)
class Policy:
    min_lower_bound: float = 0.75
    revoke_lower_bound: float = 0.65
    min_successes: int = 19
    recent_uses: int = 20
    max_recent_failures: int = 2
    max_failure_streak: int = 1
    recent_days: int = 30
    blacklisted_plugins: tuple[str, ...] = ("woocommerce", "woocommerce-*")
    rule: str = "sequential"
    bad_rate: float = 0.80
    good_rate: float = 0.97
    approve_likelihood_ratio: float = 5.5
    ewma_half_life_uses: float = 10.0
    proposal_min_failures: int = 3

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"unknown pattern approval rule {self.rule!r} "
                             f"(HEALER_PATTERN_APPROVAL_RULE): expected one of {RULES}")
        if not 0 < self.bad_rate < self.good_rate < 1:
            raise ValueError(f"pattern rates must satisfy 0 < bad ({self.bad_rate}) < good "
                             f"({self.good_rate}) < 1 (HEALER_PATTERN_BAD_RATE/GOOD_RATE)")

    @classmethod
    def from_settings(cls) -> Policy:
        from healer_ops.settings import get_settings

        s = get_settings()
        return cls(s.pattern_min_lower_bound, s.pattern_revoke_lower_bound,
                   s.pattern_min_successes, s.pattern_recent_uses,
                   s.pattern_max_recent_failures, s.pattern_max_failure_streak,
                   s.pattern_recent_days, tuple(s.pattern_blacklisted_plugins),
                   s.pattern_approval_rule, s.pattern_bad_rate, s.pattern_good_rate,
                   s.pattern_approve_likelihood_ratio, s.pattern_ewma_half_life_uses,
                   s.pattern_proposal_min_failures)

    def log_likelihood_ratio(self, successes: int, failures: int) -> float:
        """log P(uses | good rate) / P(uses | bad rate)."""
        return (successes * math.log(self.good_rate / self.bad_rate)
                + failures * math.log((1 - self.good_rate) / (1 - self.bad_rate)))


def wilson_lower_bound(successes: int, trials: int, confidence: float = 0.95) -> float:
    """The lower end of the Wilson score interval of the success rate (0 without trials);
    the same as scipy's binomtest(...).proportion_ci(method="wilson"), in closed form."""
    if trials <= 0:
        return 0.0
    z = _z(confidence)
    rate = successes / trials
    center = rate + z * z / (2 * trials)
    spread = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials))
    return max(0.0, (center - spread) / (1 + z * z / trials))


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


@dataclass(frozen=True)
class Decision:
    auto_approved: bool
    approved_by: str | None
    approved_at: datetime | None
    approval_reason: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    decision_reason: str
    event: str  # approved | kept | revoked | held | human | review
    review_reason: str | None = None
    review_requested_at: datetime | None = None
    evidence_since: datetime | None = None


def evidence_text(stats: dict, lower: float, policy: Policy) -> str:
    n = stats["successes"] + stats["failures"]
    raw = f"{stats['successes'] / n:.0%}" if n else "n/a"
    ratio = math.exp(policy.log_likelihood_ratio(stats["successes"], stats["failures"]))
    return (f"{stats['successes']}/{n} successes (raw {raw}), likelihood ratio {ratio:.3g} "
            f"({policy.good_rate:.0%} vs {policy.bad_rate:.0%}), 95% Wilson lower bound "
            f"{lower:.3f}; last {stats['last_uses']} uses: {stats['last_uses_failed']} failed; "
            f"failure streak {stats['failure_streak']}")


def missing_evidence(stats: dict, lower: float, policy: Policy) -> list[str]:
    """Why the evidence is not yet enough to approve (empty when it is)."""
    thin = []
    if policy.rule == "sequential":
        log_ratio = policy.log_likelihood_ratio(stats["successes"], stats["failures"])
        if log_ratio < math.log(policy.approve_likelihood_ratio):
            thin.append(f"likelihood ratio {math.exp(log_ratio):.3g} < "
                        f"{policy.approve_likelihood_ratio:g}")
    elif lower < policy.min_lower_bound:
        thin.append(f"lower bound {lower:.3f} < {policy.min_lower_bound}")
    if stats["successes"] < policy.min_successes:
        thin.append(f"{stats['successes']} successes < {policy.min_successes}")
    return thin


def recent_trouble(stats: dict, policy: Policy) -> list[str]:
    bad = []
    if stats["failure_streak"] > policy.max_failure_streak:
        bad.append(f"the last {stats['failure_streak']} uses failed")
    if stats["last_uses_failed"] > policy.max_recent_failures:
        bad.append(f"{stats['last_uses_failed']} of the last {stats['last_uses']} uses failed")
    return bad


def decide(pattern: dict, stats: dict, policy: Policy, blacklist: list[str],
           as_of: datetime) -> Decision:
    """Approve, keep, revoke, hold or flag one pattern. Same inputs and state, same decision."""
    lower = wilson_lower_bound(stats["successes"], stats["successes"] + stats["failures"])
    numbers = evidence_text(stats, lower, policy)
    unsafe = safety_problems(pattern, blacklist)
    recent_bad = recent_trouble(stats, policy)
    thin = missing_evidence(stats, lower, policy)
    keep = {k: pattern.get(k) for k in ("approved_by", "approved_at", "approval_reason",
                                        "revoked_at", "revoked_reason", "review_reason",
                                        "review_requested_at", "evidence_since")}

    # decision_reason states the evaluation only (never the action taken), so that a re-run
    # on the same evidence, which finds the action already done, writes the same text
    def result(approved: bool, event: str, evaluation: str, **changes) -> Decision:
        return Decision(auto_approved=approved, decision_reason=f"{evaluation} | {numbers}",
                        event=event, **{**keep, **changes})

    if pattern.get("human_decision"):
        trials = stats["successes"] + stats["failures"]
        return _human(pattern, unsafe + recent_bad, lower, trials, policy, as_of, result)

    ours = pattern["approved_by"] == APPROVER

    def revoke_or_hold(evaluation: str, revoke_why: str | None = None,
                       restart_evidence: bool = False) -> Decision:
        if not pattern["auto_approved"]:
            return result(False, "held", evaluation)
        why = f"{revoke_why or evaluation} | {numbers}"
        since = as_of if restart_evidence else keep["evidence_since"]
        return result(False, "revoked", evaluation, revoked_at=as_of, revoked_reason=why,
                      evidence_since=since)

    if unsafe:
        return revoke_or_hold("never auto-approved: " + "; ".join(unsafe))
    if recent_bad:
        return revoke_or_hold("recent evidence is bad: " + "; ".join(recent_bad),
                              restart_evidence=True)
    if pattern["auto_approved"] and ours and lower >= policy.revoke_lower_bound:
        evaluation = "strong evidence" if not thin else "kept within hysteresis: " + "; ".join(
            thin)
        return result(True, "kept", evaluation)
    if thin:
        evaluation = "too little evidence: " + "; ".join(thin)
        if pattern.get("origin") == "analysis" and not stats["successes"] + stats["failures"]:
            evaluation = "candidate from an AI analysis, no uses yet: " + "; ".join(thin)
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


def _human(pattern: dict, against: list[str], lower: float, trials: int, policy: Policy,
           as_of: datetime, result) -> Decision:
    """A person decided: their decision stands; evidence against an approval flags a review."""
    decision = pattern["human_decision"]
    approved = {"approved": True, "rejected": False, "revoked": False}.get(
        decision, bool(pattern["auto_approved"]))
    by = f"{decision} by {pattern.get('decided_by') or 'a person'}"
    if approved and trials >= policy.recent_uses and lower < policy.revoke_lower_bound:
        against = [*against, f"lower bound {lower:.3f} under {policy.revoke_lower_bound}"]
    evaluation = f"a person decides ({by})"
    if not (approved and against):
        return result(approved, "human", evaluation)
    reason = (f"evidence turned against this pattern, {by}: " + "; ".join(against))
    flagged = pattern.get("review_requested_at")
    return result(approved, "human" if flagged else "review",
                  evaluation + "; flagged for review: " + "; ".join(against),
                  review_reason=reason if not flagged else pattern.get("review_reason"),
                  review_requested_at=flagged or as_of)


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
