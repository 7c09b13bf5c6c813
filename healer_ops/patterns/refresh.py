"""The pattern_effectiveness DAG's work, and the same decision for one pattern at once.

`refresh_patterns` (daily): learn from analyses not yet learned from, version patterns
(known-bad commands, broken regexes, the analyzer's proposals; as a proposal only where a
person decided), refresh every pattern's stats from healer_executions (in SQL), and approve,
keep, revoke, hold or flag each one (decide.py).

`refresh_used_pattern` (after every analyzed failure of an approved pattern, from the
analysis write-back): the same stats and decision for that one pattern, so a fix that turned
bad is revoked within minutes of its failures, not at the next daily run.

Effectiveness: `success_count`/`failure_count` and `confidence` (95% Wilson lower bound)
count the current version; `avg_success_rate` is a rolling rate, exponentially weighted per
use with a half-life of `HEALER_PATTERN_EWMA_HALF_LIFE_USES` (10) uses: it follows a turn
within about ten uses but one failure among many successes moves it by a few points only,
it fades old uses smoothly (a last-K window drops a failure all at once K uses later), and
it counts uses, not days, because patterns are used from several times a day to a few times
a month. `recent_successes`/`recent_failures` count the last `HEALER_PATTERN_RECENT_DAYS`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from healer_ops.patterns.decide import Decision, Policy, decide, wilson_lower_bound
from healer_ops.patterns.events import record_event
from healer_ops.patterns.versions import apply_version, planned_change, proposed_by_analyses

log = logging.getLogger(__name__)

RECENT_LOGS = 5
FAILED_ANALYSES = 10
CATCH_UP_LIMIT = 5000
_EVENTS = {"approved": "auto_approved", "revoked": "auto_revoked",
           "review": "review_requested"}


def refresh_patterns(url: str, as_of: datetime, policy: Policy | None = None) -> dict:
    """Learn, version, refresh every pattern's stats from healer_executions up to `as_of`,
    decide; returns a summary of the decisions.

    Idempotent for the same `as_of`: evidence is read up to `as_of` and every timestamp the
    run writes is `as_of`.
    """
    from healer_ops import db
    from healer_ops.patterns.learn import LEARNING_LOCK, learn_pending

    policy = policy or Policy.from_settings()
    notices: list[dict] = []
    with db.transaction(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LEARNING_LOCK])
        learned = learn_pending(conn, CATCH_UP_LIMIT, policy)
        patterns = current_patterns(conn)
        blacklist = blacklist_of(conn, policy)
        versioned, proposed = new_versions(conn, patterns, as_of, policy, blacklist, notices)
        if versioned:
            patterns = current_patterns(conn)
        stats = pattern_stats(conn, as_of, policy, all_versions=False)
        decisions, refreshed = store_decisions(conn, [(p, stats[p["id"]]) for p in patterns],
                                               policy, blacklist, as_of, notices)
    _notify(notices)
    summary = _summary(patterns, decisions, versioned, refreshed, as_of)
    summary.update(learned=learned, proposed=len(proposed),
                   candidates=sum(p["origin"] == "analysis" for p in patterns),
                   needs_review=sum(d.review_reason is not None for d in decisions.values()))
    return summary


def refresh_used_pattern(conn, pattern_id, as_of: datetime,
                         policy: Policy | None = None) -> Decision | None:
    """Decide on one approved pattern now (after a failed use was analyzed), in the caller's
    transaction; None when it is not approved or was decided on later evidence already."""
    policy = policy or Policy.from_settings()
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"pattern:{pattern_id}"])
    found = current_patterns(conn, pattern_id)
    if not found or not found[0]["auto_approved"]:
        return None
    pattern = found[0]
    if pattern["stats_as_of"] and pattern["stats_as_of"] > as_of:
        return None
    stats = pattern_stats(conn, as_of, policy, all_versions=False, pattern_id=pattern_id)
    notices: list[dict] = []
    decisions, _ = store_decisions(conn, [(pattern, stats[pattern["id"]])], policy,
                                   blacklist_of(conn, policy), as_of, notices)
    _notify(notices)
    return decisions[pattern["id"]]


def current_patterns(conn, pattern_id=None) -> list[dict]:
    from healer_ops import db

    return conn.cursor(row_factory=dict_row).execute(
        db.query("patterns_current"), {"pattern_id": pattern_id}).fetchall()


def blacklist_of(conn, policy: Policy) -> list[str]:
    from healer_ops import db

    return sorted(set(policy.blacklisted_plugins) | {
        r[0] for r in conn.execute(db.query("patterns_blacklist"))})


def pattern_stats(conn, as_of: datetime, policy: Policy, all_versions: bool,
                  pattern_id=None) -> dict:
    """Each pattern's evidence up to `as_of` (current version only unless `all_versions`)."""
    from healer_ops import db

    rows = conn.cursor(row_factory=dict_row).execute(db.query("patterns_stats"), {
        "as_of": as_of, "all_versions": all_versions, "pattern_id": pattern_id,
        "recent_from": as_of - timedelta(days=policy.recent_days),
        "recent_uses": policy.recent_uses,
        "half_life": policy.ewma_half_life_uses}).fetchall()
    return {row["id"]: row for row in rows}


def new_versions(conn, patterns: list[dict], as_of: datetime, policy: Policy,
                 blacklist: list[str], notices: list[dict]) -> tuple[list[dict], list[dict]]:
    """Apply the planned new versions; where a person decided, propose and flag instead."""
    from healer_ops import db

    recent_logs: dict = {}
    for pattern_id, log_text in conn.execute(db.query("patterns_recent_logs"),
                                             {"as_of": as_of, "limit": RECENT_LOGS}):
        recent_logs.setdefault(pattern_id, []).append(log_text)
    analyses: dict = {}
    for pattern_id, analysis in conn.execute(db.query("patterns_failed_use_analyses"),
                                             {"as_of": as_of, "limit": FAILED_ANALYSES}):
        analyses.setdefault(pattern_id, []).append(analysis or {})
    versioned, proposed = [], []
    for pattern in patterns:
        change = planned_change(pattern, recent_logs.get(pattern["id"], [])) or \
            proposed_by_analyses(pattern, analyses.get(pattern["id"], []),
                                 policy.proposal_min_failures, blacklist)
        if change is None:
            continue
        if change.commands_changed and pattern["human_decision"]:
            if _propose(conn, pattern, change, as_of, notices):
                proposed.append({"id": change.pattern_id, "reason": change.reason})
            continue
        apply_version(conn, change, as_of)
        versioned.append({"id": change.pattern_id, "reason": change.reason})
    return versioned, proposed


def _propose(conn, pattern: dict, change, as_of: datetime, notices: list[dict]) -> bool:
    from healer_ops import db

    reason = (f"automation proposes version {pattern['version'] + 1} ({change.commands}) but "
              f"a person decided on this pattern ({pattern['human_decision']} by "
              f"{pattern['decided_by']}): {change.reason}")
    proposal = {"commands": change.commands, "reason": change.reason, "source": change.source}
    row = conn.execute(db.query("patterns_set_proposal"), {
        "id": pattern["id"], "proposal": Jsonb(proposal), "review_reason": reason,
        "at": as_of}).fetchone()
    if row is None:
        return False
    record_event(conn, pattern["id"], row[0], "proposed", "healer-ops", reason, as_of)
    notices.append({"pattern": pattern, "reason": reason})
    return True


def store_decisions(conn, items: list[tuple[dict, dict]], policy: Policy,
                    blacklist: list[str], as_of: datetime, notices: list[dict]
                    ) -> tuple[dict, int]:
    """Decide on each (pattern, stats) and store stats and decisions in one pipelined batch;
    records the events of the rows that changed. ({id: decision}, rows written)."""
    from healer_ops import db

    decisions = {p["id"]: decide(p, st, policy, blacklist, as_of) for p, st in items}
    written = _write(conn, [_update_params(p, st, decisions[p["id"]], as_of) for p, st in items])
    restarted = []
    for pattern, _ in items:
        decision = decisions[pattern["id"]]
        if pattern["id"] not in written:
            continue
        if decision.event == "revoked" and decision.evidence_since == as_of:
            restarted.append(pattern["id"])
        event = _EVENTS.get(decision.event)
        if event:
            reason = (decision.approval_reason if decision.event == "approved" else
                      decision.revoked_reason if decision.event == "revoked" else
                      decision.review_reason) or decision.decision_reason
            record_event(conn, pattern["id"], pattern["version"], event, "healer-ops", reason,
                         as_of)
            if decision.event == "review":
                notices.append({"pattern": pattern, "reason": reason})
    for pattern_id in restarted:
        # the evidence starts over now: store what a re-run will see (same day, same row)
        after = current_patterns(conn, pattern_id)[0]
        fresh = pattern_stats(conn, as_of, policy, False, pattern_id=pattern_id)[pattern_id]
        conn.execute(db.query("patterns_update"), _update_params(
            after, fresh, decide(after, fresh, policy, blacklist, as_of), as_of))
    return decisions, len(written)


def _write(conn, params: list[dict]) -> set:
    """Run patterns_update for every row (pipelined); the ids of the rows it changed."""
    from healer_ops import db

    written = set()
    if not params:
        return written
    with conn.cursor() as cur:
        cur.executemany(db.query("patterns_update"), params, returning=True)
        while True:
            written.update(row[0] for row in cur.fetchall())
            if not cur.nextset():
                break
    return written


def _notify(notices: list[dict]) -> None:
    from healer_ops.notify import pattern_needs_review

    for notice in notices:
        pattern = notice["pattern"]
        pattern_needs_review(str(pattern["id"]), pattern["diagnosis_type"],
                             pattern.get("culprit") or "", notice["reason"])


def _update_params(pattern: dict, stats: dict, decision: Decision, as_of: datetime) -> dict:
    successes, failures = stats["version_successes"], stats["version_failures"]
    trials = successes + failures
    return {
        "id": pattern["id"], "as_of": as_of, "successes": successes, "failures": failures,
        "confidence": round(wilson_lower_bound(successes, trials), 6),
        "success_rate": round(stats["ewma"], 6) if stats["ewma"] is not None else None,
        "recent_successes": stats["recent_successes"],
        "recent_failures": stats["recent_failures"],
        "last_success_at": stats["last_success_at"], "last_failure_at": stats["last_failure_at"],
        "last_used_at": stats["last_used_at"],
        "auto_approved": decision.auto_approved, "approved_by": decision.approved_by,
        "approved_at": decision.approved_at, "approval_reason": decision.approval_reason,
        "revoked_at": decision.revoked_at, "revoked_reason": decision.revoked_reason,
        "decision_reason": decision.decision_reason, "review_reason": decision.review_reason,
        "review_requested_at": decision.review_requested_at,
        "evidence_since": decision.evidence_since,
    }


def _summary(patterns, decisions, versioned, refreshed, as_of) -> dict:
    events = [d.event for d in decisions.values()]
    return {
        "as_of": as_of.isoformat(), "patterns": len(patterns), "refreshed": refreshed,
        "auto_approved": sum(d.auto_approved for d in decisions.values()),
        "approved": events.count("approved"), "kept": events.count("kept"),
        "revoked": events.count("revoked"), "held": events.count("held"),
        "human": events.count("human") + events.count("review"),
        "versioned": len(versioned),
    }
