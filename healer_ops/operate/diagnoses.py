"""Analysis on demand and people's verdicts on diagnoses.

`analyze_execution` runs one execution through the same pipeline as ai_failure_analysis
(redact, key, cache first, analyzer, allow-list, write back), whatever its status or past
attempts: an execution analyzed before, or whose analysis failed three times, is analyzed
again without SQL. `force` skips the cache lookup.

`label_diagnosis` records whether the diagnosis was right (or what the right type is):
diagnosis accuracy in `healer-ops report`, and training data for the local analyzer
(`export_labels` writes them in the corpus format). A cached answer labelled wrong is
expired, so the next occurrence of that fault is analyzed afresh.
"""

from __future__ import annotations

import json
from pathlib import Path

from psycopg.rows import dict_row

from healer_ops import db


class ExecutionNotFound(LookupError):
    pass


class DiagnosisError(ValueError):
    """A label that does not fit the execution (409) or a bad argument (422)."""

    def __init__(self, message: str, *, bad_argument: bool = False):
        super().__init__(message)
        self.bad_argument = bad_argument


def analyze_execution(url: str | None, execution_id: str, *, force: bool = False,
                      analyzer: str | None = None, llm=None) -> dict:
    """Analyze one execution now; {execution_id, cache_hit, forced, analysis, ...}.

    A failure is recorded on the execution (ai_status FAILED, the DAG retries it) and
    raised as RuntimeError with the redacted reason.
    """
    from healer_ops.analysis.executions import write_failure, write_result
    from healer_ops.analysis.pipeline import AnalysisPipeline, safe_error

    url = url or db.resolve_url()
    with db.connect(url) as conn:
        claimed = conn.execute(db.query("analysis_claim_one"), {"id": execution_id}).fetchone()
    if claimed is None:
        raise ExecutionNotFound(f"no execution {execution_id}")
    _, log_text, plugins, themes = claimed
    with AnalysisPipeline(url, analyzer=analyzer, llm=llm) as pipeline:
        try:
            result = pipeline.analyze(log_text, blacklisted_plugins=plugins or (),
                                      blacklisted_themes=themes or (), refresh=force)
            write_result(pipeline.connection(), execution_id, result)
        except Exception as exc:
            error = safe_error(exc)
            write_failure(pipeline.connection(), execution_id, error)
            raise RuntimeError(f"analysis of execution {execution_id} failed: {error}") from exc
        stats = pipeline.stats.summary()
    analysis = result.analysis
    return {"execution_id": execution_id, "forced": force, "cache_hit": result.cache_hit,
            "analyzer": pipeline.analyzer, "diagnosis_type": analysis.diagnosis_type,
            "confidence": round(analysis.confidence, 3), "culprit": analysis.culprit,
            "recommendations": [r.model_dump(mode="json") for r in analysis.recommendations],
            "cost_usd": round(analysis.cost_usd, 6), "tokens_used": analysis.tokens_used,
            "llm_calls": stats["llm_calls"], "response_time_ms": result.response_time_ms}


def requeue_failed(url: str | None, *, since=None) -> list[str]:
    """Executions whose analysis failed every attempt, handed back to the DAG; their ids."""
    from healer_ops.analysis.executions import MAX_ATTEMPTS

    with db.connect(url) as conn:
        rows = conn.execute(db.query("analysis_requeue_failed"),
                            {"max_attempts": MAX_ATTEMPTS, "since": since}).fetchall()
    return [r[0] for r in rows]


def label_diagnosis(url: str | None, execution_id: str, *, correct: bool,
                    diagnosis_type: str | None = None, actor: str,
                    note: str | None = None) -> dict:
    """Record a person's verdict on the execution's current diagnosis; the label row."""
    from healer_ops.analysis.model import DIAGNOSIS_TYPES

    if diagnosis_type is not None and diagnosis_type not in DIAGNOSIS_TYPES:
        raise DiagnosisError(f"diagnosis_type {diagnosis_type!r} is not one of the "
                             f"{len(DIAGNOSIS_TYPES)} types", bad_argument=True)
    with db.connect(url) as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        target = cur.execute(db.query("diagnosis_label_target"), {"id": execution_id}
                             ).fetchone()
        if target is None:
            raise ExecutionNotFound(f"no execution {execution_id}")
        said = target["ai_diagnosis_type"]
        if target["ai_status"] != "DONE" or said is None:
            raise DiagnosisError(f"execution {execution_id} has no AI diagnosis to label "
                                 "(analyze it first)")
        right = _right_type(said, correct, diagnosis_type)
        label = cur.execute(db.query("diagnosis_label_upsert"), {
            "execution_id": execution_id, "ai_diagnosis_type": said, "correct": right == said,
            "diagnosis_type": right, "input_hash": target["input_hash"], "note": note,
            "labelled_by": actor}).fetchone()
        if right != said and target["input_hash"]:
            cur.execute(db.query("cache_expire_entry"), {"input_hash": target["input_hash"]})
    return label


def _right_type(said: str, correct: bool, diagnosis_type: str | None) -> str:
    if correct:
        if diagnosis_type not in (None, said):
            raise DiagnosisError(f"correct=true but diagnosis_type {diagnosis_type} differs "
                                 f"from the diagnosis {said}", bad_argument=True)
        return said
    if diagnosis_type is None:
        raise DiagnosisError("correct=false needs diagnosis_type: the right type",
                             bad_argument=True)
    return diagnosis_type


def unlabel_diagnosis(url: str | None, execution_id: str) -> bool:
    with db.connect(url) as conn:
        return conn.execute(db.query("diagnosis_label_delete"), {"id": execution_id}
                            ).fetchone() is not None


def export_labels(url: str | None, output: Path, *, since=None) -> dict:
    """Labelled executions as corpus lines (healer_ops/data/training_logs*.jsonl format),
    logs redacted; {"examples", "corrections", "path"}. Copy the file into
    healer_ops/data/ as training_logs_<name>.jsonl and the local model is refitted."""
    from healer_ops.analysis.redact import redact

    with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        labels = cur.execute(db.query("diagnosis_labels_export"), {"since": since}).fetchall()
    lines = []
    for row in labels:
        if not row["log"].strip():
            continue
        lines.append({
            "id": f"label-{row['execution_id']}", "log": redact(row["log"]),
            "diagnosis_type": row["diagnosis_type"], "detail": None,
            "alt_diagnosis_type": None,
            "source": f"operator label by {row['labelled_by']} on "
                      f"{row['labelled_at'].date().isoformat()}"})
    output = Path(output)
    output.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return {"examples": len(lines), "corrections": sum(not r["correct"] for r in labels),
            "path": str(output)}
