"""Analyses feed patterns: every analyzed failed execution is matched to the pattern of its
fault, a candidate pattern is created where none exists, the analysis becomes the next
attempt's plan when it is confident (suggest.py), and a failed use of an approved pattern is
decided on at once.

The fault's identity is its error signature (the analysis cache's, healer_ops.analysis.
signature: paths, times, numbers masked, the culprit kept) keyed with the analysis'
diagnosis type and culprit (`signature_key`), independent of the analyzer's version: one
fault on many sites is one key and one pattern; two faults of one type are two. A key is
looked up in healing_pattern_signatures; a new key finds its pattern, in order:

1. `used`: the pattern Healer ran on this execution, when it has the same type and culprit;
2. `error_pattern`: the oldest pattern of the same type and culprit whose error_pattern
   matches the log (patterns learned before signatures existed, Phase 1's included);
3. `created`: a new candidate from the analysis' fix commands (suggest.fix_commands),
   `ai_enhanced`, with the analysis' confidence as `ai_confidence`, never approved until its
   own uses are evidence (the refresh decides like any pattern);
4. `none`: no fix command to learn (a check-only analysis, HEALTHY): no pattern.

The execution records its pattern in `ai_pattern_id` (never `pattern_id`, which stays what
Healer ran: an analysis lends a pattern no evidence). Called with one small call from the
analysis write-back, in its transaction (a failure is logged and the refresh learns it
later: `learn_pending`), and by the pattern refresh for analyses not yet learned from.

Learning again from an execution (a retried try, the refresh) leaves the same rows: it keeps
how the execution first found its pattern, and what a pattern aggregates over its analyses
(ai_confidence) is derived from the set of them, added up exactly, never incremented, so
neither a rolled-back try nor the order of learning moves a bit of it. Known limit: the
first execution learned of a new key decides its pattern (and a candidate's source log), and
an approved pattern is decided as of each failure in the order they are learned: in the order
executions started with one analysis thread, in any order with several (or parallel shards).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from healer_ops import db
from healer_ops.patterns.error_pattern import error_pattern_from_log, matches
from healer_ops.patterns.events import record_event
from healer_ops.patterns.suggest import fix_commands, plan_for

log = logging.getLogger(__name__)

# Analyses of these types describe no fault a pattern could fix.
NO_PATTERN_TYPES = ("HEALTHY",)
# Every analysis transaction takes this lock shared; the daily refresh takes it exclusive.
LEARNING_LOCK = "pattern_effectiveness"
_CANDIDATE_NAMESPACE = uuid.UUID("6f1c1a52-3f0e-5b8e-9d57-2b3c9a7e4d10")


@dataclass(frozen=True)
class AnalyzedFailure:
    execution_id: str
    analysis: dict  # Analysis.model_dump(): allow-listed with the site's blacklist
    error_signature: str
    redacted_log: str


def signature_key(diagnosis_type: str, culprit: str | None, error_signature: str) -> str:
    text = "\x1f".join((diagnosis_type, (culprit or "").lower(), error_signature))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def after_write_back(conn, execution_id: str, result) -> dict | None:
    """The analysis write-back's one call: learn from the analysis just written (a pipeline
    result). Never fails the write-back: an error is logged and the refresh retries it."""
    failure = AnalyzedFailure(str(execution_id), result.analysis.model_dump(mode="json"),
                              result.error_signature, result.redacted_log)
    try:
        with conn.transaction():
            return learn_from_analysis(conn, failure)
    except Exception as exc:  # the analysis stands; learn_pending picks it up
        from healer_ops.analysis.pipeline import safe_error

        log.error("learning from the analysis of execution %s failed (the pattern refresh will "
                  "retry): %s", execution_id, safe_error(exc))
        return None


def learn_from_analysis(conn, failure: AnalyzedFailure, *, plan: bool = True,
                        policy=None) -> dict:
    """Match (or create) the pattern of one analyzed execution, write the plan or the advice,
    and decide at once on an approved pattern this execution ran and failed with."""
    conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [LEARNING_LOCK])
    execution = _one(conn, "patterns_learning_execution", {"id": failure.execution_id})
    if execution is None or execution["ai_status"] != "DONE":
        return {"pattern_id": None, "matched_by": "not_analyzed"}
    analysis = failure.analysis
    key = signature_key(analysis["diagnosis_type"], analysis.get("culprit"),
                        failure.error_signature)
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["pattern-signature:" + key])
    pattern_id, matched_by = find_pattern(conn, key, analysis, execution, failure.redacted_log)
    if (matched_by == "signature" and execution["ai_pattern_match"]
            and execution["ai_pattern_id"] == pattern_id):
        matched_by = execution["ai_pattern_match"]  # learned again: how it found it first
    if pattern_id is None and matched_by == "created":
        pattern_id = create_candidate(conn, key, failure)
    if pattern_id is not None and matched_by != "signature":
        conn.execute(db.query("patterns_signature_insert"), {
            "signature_key": key, "pattern_id": pattern_id,
            "diagnosis_type": analysis["diagnosis_type"],
            "culprit": analysis.get("culprit") or "", "error_signature": failure.error_signature,
            "matched_by": matched_by})
    pattern = _one(conn, "patterns_show", {"id": pattern_id}) if pattern_id else None
    suggestion = _write_plan(conn, execution, analysis, pattern) if plan else {
        "used": False, "why": "learned by the pattern refresh after the analysis: no plan "
                              "written", "commands": []}
    conn.execute(db.query("patterns_execution_matched"), {
        "id": failure.execution_id, "pattern_id": pattern_id, "matched_by": matched_by,
        "suggestion": Jsonb(suggestion)})
    if pattern_id is not None:
        conn.execute(db.query("patterns_ai_enhance"), {"id": pattern_id})
    decided = None
    if execution["pattern_id"] and execution["used_approved"]:
        from healer_ops.patterns.refresh import refresh_used_pattern

        # evidence up to and including this failure
        as_of = execution["started_at"] + timedelta(microseconds=1)
        decided = refresh_used_pattern(conn, execution["pattern_id"], as_of, policy)
    return {"pattern_id": pattern_id, "matched_by": matched_by, "plan": suggestion["used"],
            "used_pattern_decision": decided.event if decided else None}


def find_pattern(conn, key: str, analysis: dict, execution: dict,
                 redacted_log: str) -> tuple[str | None, str]:
    """(pattern id, how it was found), or (None, "created" | "none")."""
    found = conn.execute(db.query("patterns_signature_get"), {"signature_key": key}).fetchone()
    if found:
        return found[0], "signature"
    diagnosis_type, culprit = analysis["diagnosis_type"], analysis.get("culprit") or ""
    if diagnosis_type in NO_PATTERN_TYPES:
        return None, "none"
    if execution["pattern_id"] and execution["used_type"] == diagnosis_type and (
            (execution["used_culprit"] or "").lower() == culprit.lower()):
        return execution["pattern_id"], "used"
    raw_log = execution["logs_analyzed"] or ""
    for pattern_id, error_pattern in conn.execute(db.query("patterns_same_fault"), {
            "diagnosis_type": diagnosis_type, "culprit": culprit}):
        if _matches(error_pattern, raw_log) or _matches(error_pattern, redacted_log):
            return pattern_id, "error_pattern"
    if not fix_commands(analysis.get("recommendations") or []):
        return None, "none"
    return None, "created"


def candidate_id(diagnosis_type: str, error_type: str, culprit: str, signature_key: str) -> str:
    """A candidate's id follows from its key, so re-running an analysis (a retry, a re-run of
    the same interval, another order of shards) makes the same row, references included."""
    return str(uuid.uuid5(_CANDIDATE_NAMESPACE,
                          "\x1f".join((diagnosis_type, error_type, culprit, signature_key))))


def create_candidate(conn, key: str, failure: AnalyzedFailure) -> str:
    """A candidate pattern from one analysis (learned from the redacted log only)."""
    analysis = failure.analysis
    try:
        error_pattern = error_pattern_from_log(failure.redacted_log)
    except ValueError:  # an empty log: the signature itself, literally
        import re

        error_pattern = re.escape(failure.error_signature[:400])
    identity = (analysis["diagnosis_type"], analysis.get("error_type") or "",
                analysis.get("culprit") or "", key)
    params = {
        "id": candidate_id(*identity),
        "diagnosis_type": identity[0], "error_type": identity[1], "culprit": identity[2],
        "signature_key": key,
        "error_pattern": error_pattern,
        "commands": Jsonb(fix_commands(analysis.get("recommendations") or [])),
        "description": (analysis.get("root_cause") or "")[:500] or None,
        "ai_confidence": analysis.get("confidence"),
        "details": Jsonb({"source": "analysis", "execution_id": failure.execution_id,
                          "analyzer": analysis.get("analyzer"), "model": analysis.get("model"),
                          "error_signature": failure.error_signature[:1000]})}
    row = conn.execute(db.query("patterns_insert_candidate"), params).fetchone()
    if row is None:
        row = conn.execute(db.query("patterns_id_by_key"), params).fetchone()
    else:
        record_event(conn, row[0], row[1], "created", "healer-ops",
                     f"candidate from the {analysis.get('analyzer', 'local')} analysis of "
                     f"execution {failure.execution_id} (confidence "
                     f"{float(analysis.get('confidence') or 0):.2f})", datetime.now(UTC))
    return row[0]


def _write_plan(conn, execution: dict, analysis: dict, pattern: dict | None) -> dict:
    plan = plan_for(analysis, pattern)
    previous = execution["ai_suggestion"] or {}
    replaced = previous.get("replaced") if "replaced" in previous else {
        "suggested_action": execution["suggested_action"],
        "suggested_commands": execution["suggested_commands"]}
    record = plan.record(replaced if plan.used else None, pattern)
    if plan.used:
        conn.execute(db.query("patterns_execution_plan"), {
            "id": execution["id"], "commands": Jsonb(plan.commands), "action": plan.action,
            "suggestion": Jsonb(record), "insight": plan.insight})
    return record


def learn_pending(conn, limit: int = 5000, policy=None) -> int:
    """Learn from analyzed executions not yet learned from (no plan: it would come late);
    returns how many."""
    from healer_ops.analysis.model import Analysis
    from healer_ops.analysis.redact import redact
    from healer_ops.analysis.signature import error_signature

    rows = conn.execute(db.query("patterns_unlearned"), {"limit": limit}).fetchall()
    for execution_id, ai_analysis, raw_log in rows:
        redacted = redact(raw_log or "")
        analysis = Analysis.model_validate(ai_analysis or {"diagnosis_type": "UNKNOWN",
                                                            "confidence": 0})
        signature = (ai_analysis or {}).get("error_signature") or error_signature(redacted)
        failure = AnalyzedFailure(str(execution_id), analysis.model_dump(mode="json"),
                                  signature, redacted)
        learn_from_analysis(conn, failure, plan=False, policy=policy)
    return len(rows)


def _matches(error_pattern: str, text: str) -> bool:
    try:
        return bool(text) and matches(error_pattern, text)
    except Exception:  # a broken stored regex matches nothing; the refresh repairs it
        return False


def _one(conn, query_name: str, params: dict) -> dict | None:
    return conn.cursor(row_factory=dict_row).execute(db.query(query_name), params).fetchone()
