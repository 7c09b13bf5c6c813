"""
### ai_failure_analysis

Every 15 minutes, three steps:

1. **claim**: claims failed `healer_executions` that have no AI analysis yet (or whose
   analysis failed and has attempts left, or whose claim expired) with
   `FOR UPDATE SKIP LOCKED`, so two runs never analyze the same execution. Each claim
   records the run and try holding it and expires after the analyze timeout (30 minutes);
   a retry of this step takes its run's earlier claims back first (a try whose worker died
   after claiming strands nothing). Returns the claimed ids (at most `limit`) cut into
   shards of `HEALER_ANALYSIS_SHARD_SIZE`.
2. **analyze** (one mapped task per shard, spread over the Celery workers): collects the
   finished Batch API jobs of earlier runs (openai), then renews and analyzes exactly the
   shard's ids that this run still holds and that still wait (`ai_status` CLAIMED). Each
   log is redacted, keyed (error signature + local diagnosis type + culprit), looked up in
   `ai_analysis_cache`, and on a miss analyzed by the configured analyzer
   (`HEALER_ANALYZER`: `local`, or `openai` with fallback to local on any failure; the LLM
   is asked only about the logs the local analyzer answers UNKNOWN, `HEALER_AI_ASK`).
   Commands pass the WP-CLI allow-list. Writes back `ai_analysis`, `ai_confidence`,
   `ai_recommendations`, `ai_reasoning`, `ai_model`, `ai_tokens_used`, `ai_cost_usd`,
   `ai_analyzed_at`, `ai_status`. One execution's failure never stops the batch (it is
   claimed again by later runs). A retry of a shard re-analyzes what its earlier try left
   waiting and rewrites nothing it finished: the same rows afterwards.
3. **summarize**: the shards' counts merged into the run's summary (return value and log):
   claimed, analyzed, cache hits, LLM calls, fallbacks by reason, tokens and cost, and
   `outcome`, the claimed executions by their `ai_status` now.

Params: `mode` = `sync` (default) or `batch` (openai only: cache hits and sure local
answers at once, distinct misses to the Batch API at half price, collected by a later
run: for large backfills);
`limit` (executions claimed, default `HEALER_AI_BATCH_SIZE`); `analyzer` (override);
`openai_conn_id` (an Airflow connection with the API key as password and an optional
`base_url` in extra; without it `OPENAI_API_KEY` / `OPENAI_BASE_URL` are used).

Failures: each step is retried twice, a minute apart (a try of claim or summarize is stopped
after 5 minutes, of analyze after 30); a step that fails for good and its run are reported
through `healer_ops.notify`; after 96 failed runs in a row (a day) the DAG pauses itself.
"""

from __future__ import annotations

from datetime import timedelta

from _healer_common import healer_dag
from airflow.sdk import Param, task

# The analyze task's time limit, which is also how long a claim is held without renewal.
ANALYZE_TIMEOUT = timedelta(minutes=30)


@healer_dag(
    "ai_failure_analysis",
    schedule="*/15 * * * *",
    doc_md=__doc__,
    tag="analysis",
    retry_delay=timedelta(minutes=1),
    execution_timeout=ANALYZE_TIMEOUT,
    dagrun_timeout=timedelta(hours=2, minutes=30),
    max_consecutive_failed_dag_runs=96,
    max_active_runs=2,
    params={
        "mode": Param("sync", enum=["sync", "batch"],
                      description="sync, or batch (Batch API, collected by a later run)"),
        "limit": Param(None, type=["null", "integer"], minimum=1,
                       description="Executions to claim (default HEALER_AI_BATCH_SIZE)"),
        "analyzer": Param(None, type=["null", "string"], enum=[None, "local", "openai"],
                          description="Override HEALER_ANALYZER"),
        "openai_conn_id": Param("openai_default", type="string",
                                description="Airflow connection with the OpenAI key"),
    },
)
def ai_failure_analysis():
    @task(execution_timeout=timedelta(minutes=5))
    def claim(params=None, run_id=None, ti=None) -> list[list[str]]:
        from healer_ops import db
        from healer_ops.analysis.executions import claim_shards

        return claim_shards(db.resolve_url("healer_db"), limit=params["limit"], run_id=run_id,
                            try_number=ti.try_number, hold=ANALYZE_TIMEOUT)

    @task(execution_timeout=ANALYZE_TIMEOUT, map_index_template="{{ task.op_kwargs["
          "'execution_ids'] | length }} executions")
    def analyze(execution_ids: list[str], params=None, run_id=None, ti=None) -> dict:
        from healer_ops import db
        from healer_ops.analysis.executions import analyze_executions

        return analyze_executions(db.resolve_url("healer_db"), execution_ids,
                                  analyzer=params["analyzer"], mode=params["mode"],
                                  openai_conn_id=params["openai_conn_id"], run_id=run_id,
                                  try_number=ti.try_number, hold=ANALYZE_TIMEOUT)

    @task(execution_timeout=timedelta(minutes=5))
    def summarize(shards: list[list[str]], stats: list[dict]) -> dict:
        from healer_ops import db
        from healer_ops.analysis.executions import summarize_shards

        return summarize_shards(db.resolve_url("healer_db"), shards, list(stats))

    shards = claim()
    summarize(shards, analyze.expand(execution_ids=shards))


ai_failure_analysis()
