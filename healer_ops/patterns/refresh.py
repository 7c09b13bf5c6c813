"""The pattern_effectiveness DAG's work: version known-bad patterns, refresh every pattern's
stats from healer_executions (in SQL), and approve, keep, revoke or hold each one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from healer_ops.patterns.decide import Decision, Policy, decide, wilson_lower_bound
from healer_ops.patterns.versions import apply_version, planned_change

RECENT_LOGS = 5


def refresh_patterns(url: str, as_of: datetime, policy: Policy | None = None) -> dict:
    """Version known-bad patterns, refresh every pattern's stats from healer_executions up to
    `as_of`, approve/keep/revoke/hold; returns a summary of the decisions.

    Idempotent for the same `as_of`: evidence is read up to `as_of` and every timestamp the
    run writes is `as_of`.
    """
    from psycopg.rows import dict_row

    from healer_ops import db

    policy = policy or Policy.from_settings()
    with db.transaction(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('pattern_effectiveness'))")
        patterns = conn.cursor(row_factory=dict_row).execute(
            db.query("patterns_current")).fetchall()
        recent_logs: dict = {}
        for pattern_id, log in conn.execute(db.query("patterns_recent_logs"),
                                            {"as_of": as_of, "limit": RECENT_LOGS}):
            recent_logs.setdefault(pattern_id, []).append(log)
        versioned = []
        for pattern in patterns:
            change = planned_change(pattern, recent_logs.get(pattern["id"], []))
            if change:
                apply_version(conn, change, as_of)
                versioned.append({"id": change.pattern_id, "reason": change.reason})
        if versioned:
            patterns = conn.cursor(row_factory=dict_row).execute(
                db.query("patterns_current")).fetchall()
        blacklist = sorted(set(policy.blacklisted_plugins) | {
            r[0] for r in conn.execute(db.query("patterns_blacklist"))})
        stats = pattern_stats(conn, as_of, policy, all_versions=False)
        decisions = {}
        refreshed = 0
        for pattern in patterns:
            evidence = stats[pattern["id"]]
            decision = decide(pattern, evidence, policy, blacklist, as_of)
            decisions[pattern["id"]] = decision
            refreshed += conn.execute(db.query("patterns_update"),
                                      _update_params(pattern, evidence, decision,
                                                     as_of)).rowcount
    return _summary(patterns, decisions, versioned, refreshed, as_of)


def pattern_stats(conn, as_of: datetime, policy: Policy, all_versions: bool) -> dict:
    """Each pattern's evidence up to `as_of` (current version only unless `all_versions`)."""
    from psycopg.rows import dict_row

    from healer_ops import db

    rows = conn.cursor(row_factory=dict_row).execute(db.query("patterns_stats"), {
        "as_of": as_of, "all_versions": all_versions,
        "recent_from": as_of - timedelta(days=policy.recent_days),
        "recent_uses": policy.recent_uses}).fetchall()
    return {row["id"]: row for row in rows}


def _update_params(pattern: dict, stats: dict, decision: Decision, as_of: datetime) -> dict:
    trials = stats["successes"] + stats["failures"]
    return {
        "id": pattern["id"], "as_of": as_of,
        "successes": stats["successes"], "failures": stats["failures"],
        "confidence": round(wilson_lower_bound(stats["successes"], trials), 6),
        "success_rate": round(stats["successes"] / trials, 6) if trials else None,
        "recent_successes": stats["recent_successes"],
        "recent_failures": stats["recent_failures"],
        "last_success_at": stats["last_success_at"], "last_failure_at": stats["last_failure_at"],
        "last_used_at": stats["last_used_at"],
        "auto_approved": decision.auto_approved, "approved_by": decision.approved_by,
        "approved_at": decision.approved_at, "approval_reason": decision.approval_reason,
        "revoked_at": decision.revoked_at, "revoked_reason": decision.revoked_reason,
        "decision_reason": decision.decision_reason,
    }


def _summary(patterns, decisions, versioned, refreshed, as_of) -> dict:
    events = [d.event for d in decisions.values()]
    return {
        "as_of": as_of.isoformat(), "patterns": len(patterns), "refreshed": refreshed,
        "auto_approved": sum(d.auto_approved for d in decisions.values()),
        "approved": events.count("approved"), "kept": events.count("kept"),
        "revoked": events.count("revoked"), "held": events.count("held"),
        "versioned": len(versioned),
    }
