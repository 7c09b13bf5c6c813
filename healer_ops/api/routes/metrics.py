"""What the analysis cache saves, and the plan's success metrics on this fleet's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from healer_ops.api.auth import Reader
from healer_ops.api.errors import ERROR_RESPONSES, ApiError
from healer_ops.api.queries import connection, database_url

router = APIRouter(prefix="/api", tags=["metrics"], responses=ERROR_RESPONSES)

Since = Annotated[AwareDatetime | None, Query(description="start (default: 30 days before "
                                              "until)")]
Until = Annotated[AwareDatetime | None, Query(description="end (default: now)")]


class CacheStats(BaseModel):
    since: str
    until: str
    entries: int
    live_entries: int
    analyses: int
    hits: int
    misses: int
    hit_rate: float | None
    tokens_saved: int
    usd_saved: float
    tokens_spent: int
    usd_spent: float


class Metric(BaseModel, extra="allow"):
    value: float | None
    target: str
    meets_target: bool | None


class LeadTime(BaseModel):
    outages: int
    warned: int
    median_hours: float | None
    min_hours: float | None
    max_hours: float | None


class Report(BaseModel):
    since: str
    until: str
    metrics: dict[str, Metric]
    lead_time: LeadTime


def _check(since, until) -> None:
    from datetime import UTC, datetime

    if since and since >= (until or datetime.now(UTC)):  # until's default: now
        raise ApiError(422, "invalid_request", "since must be before until (default: now)")


@router.get("/ai-cache/stats", response_model=CacheStats)
def ai_cache_stats(_who: Reader, since: Since = None, until: Until = None) -> dict:
    """Entries now; analyses, hits, hit rate, tokens and dollars saved and spent over the
    period."""
    from healer_ops.analysis.cache_stats import cache_stats

    _check(since, until)
    with connection() as conn:
        return cache_stats(conn, since, until)


@router.get("/report", response_model=Report)
def success_report(_who: Reader, since: Since = None, until: Until = None) -> dict:
    """The plan's success metrics over the period, each beside its target (what
    `healer-ops report --json` prints)."""
    from healer_ops.operate.report import report

    _check(since, until)
    return report(database_url(), since, until)
