"""The rows a history is made of: patterns with their use counts, executions with their true
diagnosis beside what Phase 1 said."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.history.catalogue import PatternSpec


@dataclass
class PatternRow:
    id: str
    spec: PatternSpec
    fault: logs.Fault
    error_pattern: str
    success_count: int = 0
    failure_count: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_used_at: datetime | None = None
    phase1_approved_at: datetime | None = None


@dataclass
class ExecutionRow:
    id: str
    site_id: str
    trigger: str
    diagnosis_type: str
    diagnosis_details: dict
    truth: dict
    confidence: float
    logs_analyzed: str
    suggested_action: str
    suggested_commands: list[str]
    action_taken: str | None
    status: str
    error_message: str | None
    execution_logs: str
    started_at: datetime
    finished_at: datetime | None
    was_successful: bool | None
    attempt_number: int = 1
    previous_attempt_id: str | None = None
    pattern_key: tuple[str, str, str] | None = None
    planted_secrets: list[tuple[str, str]] = field(default_factory=list, repr=False)


@dataclass
class History:
    patterns: list[PatternRow]
    executions: list[ExecutionRow]
