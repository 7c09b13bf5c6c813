"""An execution's AI analysis: read it, run it again on demand, label it right or wrong."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from healer_ops.api.auth import Reader, Writer
from healer_ops.api.errors import CONFLICT, ERROR_RESPONSES, NOT_FOUND, ApiError
from healer_ops.api.queries import database_url, one

router = APIRouter(prefix="/api/executions", tags=["executions"],
                   responses={**ERROR_RESPONSES, **NOT_FOUND})


class ExecutionAnalysis(BaseModel):
    execution_id: str
    site_id: str
    status: str
    diagnosis_type: str
    ai_status: str | None
    ai_attempts: int
    ai_error: str | None
    ai_analysis: dict | None
    ai_confidence: float | None
    ai_recommendations: list | None
    ai_reasoning: str | None
    ai_model: str | None
    ai_tokens_used: int | None
    ai_cost_usd: float | None
    ai_analyzed_at: str | None = None
    label_correct: bool | None
    label_diagnosis_type: str | None
    labelled_by: str | None
    labelled_at: str | None = None
    label_note: str | None


class Analyzed(BaseModel):
    execution_id: str
    forced: bool
    cache_hit: bool
    analyzer: str
    diagnosis_type: str
    confidence: float
    culprit: str | None
    recommendations: list[dict]
    cost_usd: float
    tokens_used: int
    llm_calls: int
    response_time_ms: int
    execution: ExecutionAnalysis


class DiagnosisLabel(BaseModel):
    correct: bool = Field(description="the diagnosis was right")
    diagnosis_type: str | None = Field(None, description="the right type (needed when "
                                       "correct is false)")
    note: str | None = Field(None, max_length=2000)


class DiagnosisLabelOut(BaseModel):
    execution_id: str
    ai_diagnosis_type: str
    correct: bool
    diagnosis_type: str
    note: str | None
    labelled_by: str
    labelled_at: str


def _execution_or_404(execution_id: UUID) -> dict:
    found = one("api_execution_analysis", {"execution_id": str(execution_id)})
    if found is None:
        raise ApiError(404, "not_found", f"no execution {execution_id}")
    for key in ("ai_analyzed_at", "labelled_at"):
        found[key] = found[key] and found[key].isoformat()
    return found


@router.get("/{execution_id}/analysis", response_model=ExecutionAnalysis)
def execution_analysis(execution_id: UUID, _who: Reader) -> dict:
    return _execution_or_404(execution_id)


@router.post("/{execution_id}/ai-analyze", response_model=Analyzed,
             responses={500: {"description": "the analysis failed (recorded on the "
                                             "execution; the DAG retries it)"}})
async def ai_analyze(execution_id: UUID, who: Writer,
                     force: Annotated[bool, Query(description="skip the cache lookup")] = False
                     ) -> dict:
    """Analyze the execution now through the DAG's pipeline (cache first unless `force`),
    whatever its status or past attempts, and write the ai_* fields back."""
    from healer_ops.operate.diagnoses import ExecutionNotFound, analyze_execution

    try:
        result = await run_in_threadpool(analyze_execution, database_url(), str(execution_id),
                                         force=force)
    except ExecutionNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except RuntimeError as exc:
        raise ApiError(500, "analysis_failed", str(exc)) from exc
    return {**result, "execution": _execution_or_404(execution_id)}


@router.put("/{execution_id}/diagnosis-label", response_model=DiagnosisLabelOut,
            responses=CONFLICT)
async def label_diagnosis(execution_id: UUID, who: Writer, body: DiagnosisLabel) -> dict:
    """Say whether the AI diagnosis was right, or give the right type (diagnosis accuracy
    in the report; training data through `healer-ops analyze export-labels`). A wrong
    cached answer is expired so the fault is analyzed afresh next time."""
    from healer_ops.operate.diagnoses import DiagnosisError, ExecutionNotFound, label_diagnosis

    try:
        label = await run_in_threadpool(
            lambda: label_diagnosis(database_url(), str(execution_id), correct=body.correct,
                                    diagnosis_type=body.diagnosis_type, actor=who.name,
                                    note=body.note))
    except ExecutionNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except DiagnosisError as exc:
        raise ApiError(422 if exc.bad_argument else 409,
                       "invalid_request" if exc.bad_argument else "conflict", str(exc)) from exc
    return {**label, "labelled_at": label["labelled_at"].isoformat()}


@router.delete("/{execution_id}/diagnosis-label", status_code=204)
async def unlabel_diagnosis(execution_id: UUID, who: Writer) -> None:
    from healer_ops.operate.diagnoses import unlabel_diagnosis

    if not await run_in_threadpool(unlabel_diagnosis, database_url(), str(execution_id)):
        raise ApiError(404, "not_found", f"execution {execution_id} has no diagnosis label")
