"""ai_analysis_cache: analyses by input_hash, with a TTL and atomic hit counting.

- `lookup`: one UPDATE ... RETURNING bumps hit_count and last_used_at of a live row and
  returns it (expired rows are misses).
- `store`: INSERT ... ON CONFLICT (input_hash): one row per input_hash whoever wins a race;
  the loser reads the winner's row back. An expired row, or a local row when an LLM answer
  arrives, is replaced.
- `purge_expired`: deletes expired rows in batches (DELETE ... WHERE id IN (... LIMIT n)).

Every function takes an open psycopg connection and commits its own short unit of work.
Only redacted text ever reaches this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from psycopg.types.json import Jsonb

from healer_ops import db
from healer_ops.analysis.model import Analysis

LOG_SAMPLE_CHARS = 4000


@dataclass(frozen=True)
class CachedAnalysis:
    input_hash: str
    diagnosis_type: str
    error_signature: str
    analysis: Analysis
    model: str
    tokens_used: int
    cost_usd: float
    response_time_ms: int | None
    hit_count: int  # uses, from 1: the analysis that wrote the row, then each hit
    created_at: datetime
    expires_at: datetime


def lookup(conn, input_hash: str, llm_only: bool = False) -> CachedAnalysis | None:
    """The live cached analysis for a hash, counting the hit; None on a miss."""
    row = _one(conn, "cache_lookup", {"input_hash": input_hash, "llm_only": llm_only})
    return _entry(row) if row else None


def store(conn, *, input_hash: str, diagnosis_type: str, error_signature: str,
          log_sample: str, analysis: Analysis, response_time_ms: int | None,
          ttl_days: int, analyzer_version: str = "") -> tuple[CachedAnalysis, bool]:
    """Store an analysis; returns (the row now cached, whether this call wrote it)."""
    params = {
        "input_hash": input_hash,
        "diagnosis_type": diagnosis_type,
        "error_signature": error_signature,
        "log_sample": (log_sample or "")[:LOG_SAMPLE_CHARS],
        "analysis": Jsonb(analysis.model_dump(mode="json")),
        "confidence": analysis.confidence,
        "recommendations": Jsonb([r.model_dump(mode="json") for r in analysis.recommendations]),
        "reasoning": analysis.reasoning,
        "model": analysis.model,
        "tokens_used": analysis.tokens_used,
        "cost_usd": Decimal(str(round(analysis.cost_usd, 6))),
        "response_time_ms": response_time_ms,
        "ttl_days": ttl_days,
        "analyzer_version": analyzer_version,
    }
    row = _one(conn, "cache_store", params)
    if row:
        return _entry(row), True
    existing = _one(conn, "cache_get", {"input_hash": input_hash})
    if existing is None:  # deleted between the two statements (a purge): store again
        return store(conn, input_hash=input_hash, diagnosis_type=diagnosis_type,
                     error_signature=error_signature, log_sample=log_sample,
                     analysis=analysis, response_time_ms=response_time_ms,
                     ttl_days=ttl_days, analyzer_version=analyzer_version)
    return _entry(existing), False


def purge_expired(conn, batch_size: int = 1000, now: datetime | None = None) -> dict:
    """Delete every expired row, one batch per transaction; returns counts."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    deleted, batches = 0, 0
    while True:
        with conn.transaction():
            count = conn.execute(db.query("cache_purge_batch"),
                                 {"batch_size": batch_size, "now": now}).rowcount
        deleted += count
        batches += 1 if count else 0
        if count < batch_size:
            return {"deleted": deleted, "batches": batches}


def _one(conn, query_name: str, params: dict):
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(db.query(query_name), params)
        return cur.fetchone()


def _entry(row) -> CachedAnalysis:
    (input_hash, diagnosis_type, signature, analysis, model, tokens, cost, response_ms,
     hits, created_at, expires_at) = row
    return CachedAnalysis(
        input_hash=input_hash, diagnosis_type=diagnosis_type, error_signature=signature,
        analysis=Analysis.model_validate(analysis), model=model, tokens_used=tokens,
        cost_usd=float(cost), response_time_ms=response_ms, hit_count=hits,
        created_at=created_at, expires_at=expires_at)


def purge(database_url: str, batch_size: int = 1000) -> dict:
    """purge_expired on its own connection (the ai_cache_purge DAG's entry point)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        summary = purge_expired(conn, batch_size)
        summary["remaining"] = conn.execute(db.query("cache_count")).fetchone()[0]
    return summary
