"""Writing a history: patterns (kept as they are when they exist), executions, and their
ground truth in the devkit's schema."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from healer_ops.devkit import kitdb
from healer_ops.devkit.fleet.history.catalogue import HISTORY_DAYS, pattern_key
from healer_ops.devkit.fleet.history.rows import ExecutionRow, History, PatternRow


def write_history(conn, history: History) -> dict:
    """Upsert patterns (kept as they are when they exist) and executions; a summary."""
    pattern_ids = _upsert_patterns(conn, history.patterns)
    _upsert_executions(conn, history.executions, pattern_ids)
    _upsert_truth(conn, history)
    statuses = [e.status for e in history.executions]
    return {
        "executions": len(history.executions),
        "executions_failed": statuses.count("FAILED"),
        "executions_succeeded": statuses.count("SUCCESS"),
        "patterns": len(history.patterns),
        "patterns_good": sum(p.spec.good for p in history.patterns),
        "patterns_phase1_approved": sum(p.phase1_approved_at is not None
                                        for p in history.patterns),
    }


def _upsert_patterns(conn, patterns: list[PatternRow]) -> dict[tuple, str]:
    with conn.cursor() as cur:
        cur.executemany(kitdb.query("fleet_insert_patterns"), [_pattern_row(p) for p in patterns])
    found = conn.execute(kitdb.query("fleet_pattern_ids")).fetchall()
    return {(d, e, c): i for d, e, c, i in found}


def _pattern_row(p: PatternRow) -> dict:
    total = p.success_count + p.failure_count
    approved = p.phase1_approved_at is not None
    return {
        "id": p.id, "diagnosis_type": p.spec.diagnosis_type, "error_type": p.spec.error_type,
        "culprit": p.spec.culprit, "error_pattern": p.error_pattern,
        "commands": json.dumps(list(p.spec.commands)),
        "description": f"Learned fix: {p.spec.why}",
        "success_count": p.success_count, "failure_count": p.failure_count,
        "confidence": round(p.success_count / total, 4) if total else 0.0,
        "auto_approved": approved, "requires_backup": p.spec.requires_backup,
        "last_success_at": p.last_success_at, "last_failure_at": p.last_failure_at,
        "last_used_at": p.last_used_at,
        "approved_by": "phase1" if p.phase1_approved_at else None,
        "approved_at": p.phase1_approved_at,
        "approval_reason": "Phase 1 rule: success ratio > 0.9 with at least 5 successes"
                           if p.phase1_approved_at else None,
        "details": json.dumps({"source": "demo fleet"}), "created_at": _created_at(p),
    }


def _created_at(p: PatternRow) -> datetime | None:
    return None if p.last_used_at is None else p.last_used_at - timedelta(days=HISTORY_DAYS)


def _upsert_executions(conn, executions: list[ExecutionRow], pattern_ids: dict) -> None:
    with conn.cursor() as cur:
        cur.executemany(kitdb.query("fleet_upsert_executions"),
                        [_execution_row(e, pattern_ids) for e in executions])


def _execution_row(e: ExecutionRow, pattern_ids: dict) -> dict:
    finished = e.finished_at
    return {
        "id": e.id, "site_id": e.site_id, "trigger": e.trigger,
        "diagnosis_type": e.diagnosis_type,
        "diagnosis_details": json.dumps(e.diagnosis_details), "confidence": e.confidence,
        "logs_analyzed": e.logs_analyzed, "suggested_action": e.suggested_action,
        "suggested_commands": json.dumps(e.suggested_commands),
        "action_taken": e.action_taken, "status": e.status, "error_message": e.error_message,
        "execution_logs": e.execution_logs, "started_at": e.started_at,
        "diagnosed_at": e.started_at + timedelta(seconds=8), "finished_at": finished,
        "duration_ms": (int((finished - e.started_at).total_seconds() * 1000) if finished
                        else None),
        "was_successful": e.was_successful, "attempt_number": e.attempt_number,
        "previous_attempt_id": e.previous_attempt_id,
        "pattern_id": pattern_ids.get(e.pattern_key) if e.pattern_key else None,
    }


def _upsert_truth(conn, history: History) -> None:
    """The ground truth of every generated pattern and execution, in the devkit's schema."""
    pattern_truth = [
        {"good": p.spec.good, "commands": json.dumps(list(p.spec.commands)), "why": p.spec.why,
         "true_success_rate": p.spec.success_rate, "story": p.spec.story,
         "fixed_commands": (json.dumps(list(p.spec.fixed_commands))
                            if p.spec.fixed_commands else None),
         **dict(zip(("diagnosis_type", "error_type", "culprit"), pattern_key(p.spec),
                    strict=True))}
        for p in history.patterns]
    execution_truth = [
        {"execution_id": e.id, "true_type": e.truth["true_type"],
         "true_error_type": e.truth["true_error_type"],
         "true_culprit": e.truth["true_culprit"] or None, "fault_id": e.truth["fault_id"],
         "incident_id": e.truth["incident_id"], "planted_secrets": e.truth["planted_secrets"]}
        for e in history.executions]
    with conn.cursor() as cur:
        cur.executemany(kitdb.query("fleet_insert_pattern_truth"), pattern_truth)
        cur.executemany(kitdb.query("fleet_upsert_execution_truth"), execution_truth)
