"""Analyze failed healer_executions and write the ai_* fields back (the ai_failure_analysis DAG).

The DAG's three steps, each a function of plain data (ids and counts):
1. `claim_failed_executions`: up to `HEALER_AI_BATCH_SIZE` failed executions in one
   UPDATE ... FOR UPDATE SKIP LOCKED ... RETURNING (never analyzed, failed with attempts
   left, claimed by an earlier try of the same run, or a claim that expired); returns their
   ids (`claim_shards`: cut into shards, one mapped analyze task each). A claim records the
   run and try holding it and expires after the analyze task's timeout (`hold`).
2. `analyze_executions`: collects finished Batch API jobs of earlier runs (openai analyzer),
   then renews and analyzes those of the claimed ids that still wait (ai_status CLAIMED,
   held by this run), so a retry picks up exactly what an earlier try left and rewrites
   nothing it finished: with
   `HEALER_AI_CONCURRENCY` threads (mode "sync"), or answering cache hits at once and
   sending the distinct misses to the Batch API (mode "batch", for large backfills: half
   price, collected by a later run). Writes back ai_analysis (the full analysis with
   rejected commands, analyzer, fallback reason and cache facts), ai_confidence,
   ai_recommendations, ai_reasoning, ai_model, ai_tokens_used, ai_cost_usd, ai_analyzed_at
   and ai_status DONE.
3. `summarize_run`: the analysis counts plus where each claimed execution stands now.

`analyze_failed_executions` runs the three in one call (the demo, benchmarks, tests).
One execution's failure never stops the batch: it is marked FAILED with ai_error (redacted)
and claimed again by a later run until it has had MAX_ATTEMPTS attempts. A database that goes
away (connection lost, server restarting) is not an execution's failure: the step fails,
and its retry analyzes what is still CLAIMED.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb

from healer_ops import db
from healer_ops.analysis.model import Analysis
from healer_ops.analysis.pipeline import AnalysisPipeline, PipelineResult, Prepared, safe_error
from healer_ops.patterns import learn
from healer_ops.settings import Settings, get_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# How long a claim is held when the caller does not say (the DAG passes its analyze task's
# execution_timeout); a claim expires that long after it was taken or last renewed, plus a
# grace for Airflow to stop a try that ran out of time.
DEFAULT_HOLD = timedelta(hours=1)
CLAIM_GRACE = timedelta(minutes=2)
MODES = ("sync", "batch")


@dataclass(frozen=True)
class Claim:
    execution_id: str
    log: str
    blacklisted_plugins: tuple[str, ...]
    blacklisted_themes: tuple[str, ...]


def analyze_failed_executions(database_url: str | None = None, *, limit: int | None = None,
                              concurrency: int | None = None, analyzer: str | None = None,
                              mode: str = "sync", openai_conn_id: str | None = None,
                              settings: Settings | None = None, local=None, llm=None) -> dict:
    """Claim, analyze and write back one batch of failed executions; returns a summary."""
    _check_mode(mode)
    database_url = database_url or db.resolve_url()
    ids = claim_failed_executions(database_url, limit=limit, settings=settings)
    stats = analyze_executions(database_url, ids, concurrency=concurrency, analyzer=analyzer,
                               mode=mode, openai_conn_id=openai_conn_id, settings=settings,
                               local=local, llm=llm)
    return summarize_run(database_url, ids, stats)


def claim_failed_executions(database_url: str | None = None, *, limit: int | None = None,
                            settings: Settings | None = None, run_id: str | None = None,
                            try_number: int | None = None,
                            hold: timedelta = DEFAULT_HOLD) -> list[str]:
    """Claim up to `limit` (default HEALER_AI_BATCH_SIZE) failed executions for `run_id`'s
    try `try_number`, held for `hold`; their ids. The run's own earlier claims come first."""
    settings = settings or get_settings()
    with db.connect(database_url, autocommit=True) as conn:
        claims = claim(conn, limit or settings.ai_batch_size, run_id=run_id,
                       try_number=try_number, hold=hold)
    log.info("claimed %d failed executions for %s (try %s)", len(claims), run_id, try_number)
    return [c.execution_id for c in claims]


def claim_shards(database_url: str | None = None, *, limit: int | None = None,
                 shard_size: int | None = None, settings: Settings | None = None,
                 run_id: str | None = None, try_number: int | None = None,
                 hold: timedelta = DEFAULT_HOLD) -> list[list[str]]:
    """`claim_failed_executions` cut into shards of `shard_size` (HEALER_ANALYSIS_SHARD_SIZE)
    ids; always at least one shard, so that an analyze task runs to collect finished Batch
    API jobs even when nothing new was claimed."""
    settings = settings or get_settings()
    size = shard_size or settings.analysis_shard_size
    if size < 1:
        raise ValueError(f"analysis shard size must be at least 1, not {size}")
    ids = claim_failed_executions(database_url, limit=limit, settings=settings, run_id=run_id,
                                  try_number=try_number, hold=hold)
    return [ids[i:i + size] for i in range(0, len(ids), size)] or [[]]


def analyze_executions(database_url: str | None, execution_ids: list[str], *,
                       concurrency: int | None = None, analyzer: str | None = None,
                       mode: str = "sync", openai_conn_id: str | None = None,
                       settings: Settings | None = None, local=None, llm=None,
                       run_id: str | None = None, try_number: int | None = None,
                       hold: timedelta = DEFAULT_HOLD) -> dict:
    """Analyze the claimed executions among `execution_ids` that still wait; their counts.

    Executions already written back, recorded as failed or handed to a Batch API job are
    left as they are: running this again for the same ids leaves the same rows. With
    `run_id`, only claims that run still holds are taken (renewed for `try_number`, held
    for `hold` more); a claim that expired and went to another run is that run's.
    """
    _check_mode(mode)
    settings = settings or get_settings()
    database_url = database_url or db.resolve_url()
    started = time.perf_counter()
    with AnalysisPipeline(database_url, settings=settings, analyzer=analyzer, local=local,
                          llm=llm, openai_conn_id=openai_conn_id) as pipeline:
        batch = {"batch_jobs_submitted": 0, "batched": 0, "batch_collected": 0}
        if pipeline.analyzer == "openai":
            batch["batch_collected"] = collect_batches(pipeline)
        claims = load_claimed(pipeline.connection(), execution_ids, run_id=run_id,
                              try_number=try_number, hold=hold)
        waiting = len(claims)
        if claims:
            pipeline.warm_up()
        failures: list[str] = []
        if mode == "batch" and pipeline.analyzer == "openai":
            claims, submitted, sent = submit_batch_for(pipeline, claims, failures)
            batch.update(batch_jobs_submitted=submitted, batched=sent)
        workers = max(1, concurrency or settings.ai_concurrency)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ai-analysis") as pool:
            failures += [err for err in pool.map(lambda c: analyze_claim(pipeline, c), claims)
                         if err]
        stats = pipeline.stats.summary()
    stats.update(batch, waiting=waiting, failed=len(failures), analyzer=pipeline.analyzer,
                 mode=mode, seconds=round(time.perf_counter() - started, 3))
    if failures:
        stats["errors"] = sorted(set(failures))[:5]
    log.info("analyzed %d of %d claimed executions (%d still waiting): %s", stats["analyzed"],
             len(execution_ids), waiting, stats)
    return stats


def summarize_run(database_url: str | None, execution_ids: list[str], stats: dict) -> dict:
    """The run's summary: the analysis counts, how many were claimed, and `outcome`, the
    claimed executions by their ai_status now (DONE, FAILED, BATCHED, ...)."""
    with db.connect(database_url or db.resolve_url()) as conn:
        outcome = dict(conn.execute(db.query("analysis_claimed_outcome"),
                                    {"ids": execution_ids}).fetchall())
    summary = {**stats, "claimed": len(execution_ids), "outcome": outcome}
    log.info("ai analysis summary: %s", summary)
    return summary


def summarize_shards(database_url: str | None, shards: list[list[str]],
                     stats: list[dict]) -> dict:
    """`summarize_run` of a run whose analysis was cut into shards: their counts added up."""
    ids = [execution_id for shard in shards for execution_id in shard]
    return summarize_run(database_url, ids, merge_stats(stats)) | {"shards": len(stats)}


def merge_stats(stats: list[dict]) -> dict:
    """Several analyze tasks' counts as one: numbers added (seconds: the longest), the
    fallbacks by reason added, the first few errors kept."""
    if not stats:
        raise ValueError("no analysis counts to merge")
    merged = dict(stats[0])
    for key, value in stats[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = sum(s.get(key, 0) for s in stats)
    merged["seconds"] = max(s.get("seconds", 0) for s in stats)
    merged["cost_usd"] = round(merged.get("cost_usd", 0), 6)
    merged["hit_rate"] = (round(merged["cache_hits"] / merged["analyzed"], 4)
                          if merged.get("analyzed") else 0)
    fallbacks: dict[str, int] = {}
    for s in stats:
        for reason, count in (s.get("fallbacks") or {}).items():
            fallbacks[reason] = fallbacks.get(reason, 0) + count
    merged["fallbacks"] = fallbacks
    errors = sorted({e for s in stats for e in s.get("errors", [])})[:5]
    if errors:
        merged["errors"] = errors
    return merged


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")


def claim(conn, limit: int, *, run_id: str | None = None, try_number: int | None = None,
          hold: timedelta = DEFAULT_HOLD) -> list[Claim]:
    """Claim up to `limit` executions (skipping rows another run holds)."""
    with conn.transaction():
        rows = conn.execute(db.query("analysis_claim"), {
            "limit": limit, "max_attempts": MAX_ATTEMPTS, "run_id": run_id,
            "try_number": try_number, "hold_s": _hold_seconds(hold)}).fetchall()
    return [_claim_of(row) for row in rows]


def load_claimed(conn, execution_ids: list[str], *, run_id: str | None = None,
                 try_number: int | None = None, hold: timedelta = DEFAULT_HOLD) -> list[Claim]:
    """Those of `execution_ids` still claimed (by `run_id`, when given) and waiting for their
    analysis, their claims renewed for this try; in the order they started."""
    if not execution_ids:
        return []
    with conn.transaction():
        rows = conn.execute(db.query("analysis_load_claimed"), {
            "ids": execution_ids, "run_id": run_id, "try_number": try_number,
            "hold_s": _hold_seconds(hold)}).fetchall()
    rows.sort(key=lambda row: (row[4], row[0]))
    return [_claim_of(row) for row in rows]


def _hold_seconds(hold: timedelta) -> float:
    return (hold + CLAIM_GRACE).total_seconds()


def _claim_of(row) -> Claim:
    return Claim(row[0], row[1] or "", tuple(row[2] or ()), tuple(row[3] or ()))


def analyze_claim(pipeline: AnalysisPipeline, item: Claim) -> str | None:
    """Analyze one claimed execution and write it back; the error text if it failed."""
    try:
        result = pipeline.analyze(item.log, blacklisted_plugins=item.blacklisted_plugins,
                                  blacklisted_themes=item.blacklisted_themes)
        write_result(pipeline.connection(), item.execution_id, result)
        return None
    except Exception as exc:  # one execution never stops the batch ...
        if database_lost(exc):  # ... but a database that went away stops the try: retried
            raise
        error = safe_error(exc)
        log.warning("analysis of execution %s failed: %s", item.execution_id, error)
        try:
            write_failure(pipeline.connection(), item.execution_id, error)
        except Exception as write_exc:  # the claim goes stale and is retried later
            log.error("could not record the failure of %s: %s", item.execution_id,
                      safe_error(write_exc))
        return error


def database_lost(exc: BaseException) -> bool:
    """The database, not the execution, failed (connection lost, server shutting down, ...):
    the try stops and Airflow retries it; what it finished stays written."""
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def write_result(conn, execution_id: str, result: PipelineResult) -> None:
    """ai_* fields of one execution (a savepoint when the caller has a transaction open)."""
    analysis = result.analysis
    with conn.transaction():
        conn.execute(db.query("analysis_write_result"), {
            "id": execution_id,
            "analysis": Jsonb(result.record()),
            "confidence": analysis.confidence,
            "recommendations": Jsonb([r.model_dump(mode="json")
                                      for r in analysis.recommendations]),
            "reasoning": analysis.reasoning,
            "model": analysis.model,
            "tokens_used": analysis.tokens_used,
            "cost_usd": Decimal(str(round(analysis.cost_usd, 6))),
        })
        learn.after_write_back(conn, execution_id, result)  # analyses feed patterns


def write_failure(conn, execution_id: str, error: str) -> None:
    with conn.transaction():
        conn.execute(db.query("analysis_write_failure"), {"id": execution_id, "error": error})


# ---------------------------------------------------------------------------------------------
# Batch API mode
# ---------------------------------------------------------------------------------------------

def submit_batch_for(pipeline: AnalysisPipeline, claims: list[Claim], failures: list[str]
                     ) -> tuple[list[Claim], int, int]:
    """Answer cache hits (and logs the local analyzer is sure of) now, and submit one Batch
    API request per distinct miss the LLM is asked about.

    Returns (claims left for synchronous analysis, jobs submitted, executions batched).
    Without a usable client or budget the misses stay synchronous (and fall back there).
    """
    from healer_ops.analysis.openai_analyzer import (
        BATCH_DISCOUNT,
        LLMFailure,
        build_request,
        submit_batch,
        worst_case_cost,
    )

    try:
        client = pipeline.llm.client
    except LLMFailure:
        return claims, 0, 0
    misses: dict[str, tuple[Prepared, list[Claim]]] = {}
    remaining: list[Claim] = []
    for item in claims:
        try:
            prepared = pipeline.prepare(item.log)
            hit = pipeline.lookup(prepared, item.blacklisted_plugins, item.blacklisted_themes)
            if hit is None and not pipeline.wants_llm(prepared):  # the local answer stands
                hit = pipeline.complete(prepared, prepared.local, cacheable=True,
                                        blacklisted_plugins=item.blacklisted_plugins,
                                        blacklisted_themes=item.blacklisted_themes)
            if hit is not None:
                write_result(pipeline.connection(), item.execution_id, hit)
                continue
        except Exception as exc:
            if database_lost(exc):
                raise
            failures.append(safe_error(exc))
            write_failure(pipeline.connection(), item.execution_id, safe_error(exc))
            continue
        misses.setdefault(prepared.input_hash, (prepared, []))[1].append(item)
    budget, model = pipeline.llm.budget, pipeline.llm.model
    chosen: list[tuple[Prepared, list[Claim]]] = []
    for prepared, items in misses.values():
        cost = worst_case_cost(model, build_request(model, prepared.redacted_log))
        if budget.reserve(cost * BATCH_DISCOUNT):
            chosen.append((prepared, items))
        else:
            remaining += items  # over budget: analyzed now, falling back to local
    if not chosen:
        return remaining, 0, 0
    submission = submit_batch(client, model, [(p.input_hash, p.redacted_log) for p, _ in chosen])
    conn = pipeline.connection()
    with conn.transaction():
        conn.execute(db.query("analysis_batch_insert_job"), {
            "batch_id": submission.batch_id, "input_file_id": submission.input_file_id,
            "model": model, "status": submission.status,
            "request_count": submission.request_count})
        for prepared, items in chosen:
            conn.execute(db.query("analysis_batch_insert_item"), {
                "batch_id": submission.batch_id, "custom_id": prepared.input_hash,
                "diagnosis_type": prepared.local.diagnosis_type,
                "error_signature": prepared.error_signature,
                "log_sample": prepared.redacted_log,
                "local_analysis": Jsonb(prepared.local.model_dump(mode="json")),
                "execution_ids": [i.execution_id for i in items]})
        conn.execute(db.query("analysis_mark_batched"), {
            "ids": [i.execution_id for _, items in chosen for i in items]})
    return remaining, 1, sum(len(items) for _, items in chosen)


def collect_batches(pipeline: AnalysisPipeline) -> int:
    """Write back the results of every finished Batch API job; returns executions written."""
    from healer_ops.analysis.openai_analyzer import LLMFailure, collect_batch

    try:
        client = pipeline.llm.client
    except LLMFailure:
        return 0
    conn = pipeline.connection()
    written = 0
    with conn.transaction():  # holds the jobs' row locks while collecting
        jobs = conn.execute(db.query("analysis_batch_pending")).fetchall()
        for batch_id, model, _status in jobs:
            try:
                results = collect_batch(client, batch_id)
            except Exception as exc:  # provider unreachable: try again next run
                _update_job(conn, batch_id, "unreachable", False, safe_error(exc))
                continue
            if not results.finished:
                _update_job(conn, batch_id, results.status, False, None)
                continue
            written += _write_batch_items(pipeline, conn, batch_id, model, results)
            _update_job(conn, batch_id, results.status, True, None)
    return written


def _write_batch_items(pipeline: AnalysisPipeline, conn, batch_id: str, model: str,
                       results) -> int:
    from healer_ops.analysis.openai_analyzer import LLMFailure, batch_answer_to_analysis

    written = 0
    rows = conn.execute(db.query("analysis_batch_items"), {"batch_id": batch_id}).fetchall()
    for (custom_id, _diagnosis_type, signature, log_sample, local_json, execution_ids,
         plugin_lists, theme_lists) in rows:
        local = Analysis.model_validate(local_json)
        prepared = Prepared(redacted_log=log_sample, redactions={}, local=local,
                            error_signature=signature, input_hash=custom_id,
                            started=time.perf_counter())
        analysis, cacheable = local, False
        if custom_id in results.answers:
            try:
                analysis = batch_answer_to_analysis(results.answers[custom_id], log_sample,
                                                    local, model)
                cacheable = True
            except LLMFailure as failure:
                analysis = local.model_copy(update={"fallback_reason": failure.reason})
        else:
            reason = results.errors.get(custom_id, f"batch_{results.status}")
            analysis = local.model_copy(update={"fallback_reason": reason})
        for index, execution_id in enumerate(execution_ids):
            blacklists = (plugin_lists[index] or (), theme_lists[index] or ())
            # The first execution carries the answer's cost; the others hit the cache.
            result = pipeline.lookup(prepared, *blacklists) if index and cacheable else None
            if result is None:
                spent = analysis if index == 0 else analysis.model_copy(
                    update={"tokens_used": 0, "cost_usd": 0.0})
                result = pipeline.complete(prepared, spent, cacheable=cacheable and index == 0,
                                           llm_called=cacheable and index == 0,
                                           blacklisted_plugins=blacklists[0],
                                           blacklisted_themes=blacklists[1])
            write_result(conn, execution_id, result)
            written += 1
    return written


def _update_job(conn, batch_id: str, status: str, collected: bool, error: str | None) -> None:
    conn.execute(db.query("analysis_batch_update_job"), {
        "batch_id": batch_id, "status": status, "collected": collected, "error": error})
