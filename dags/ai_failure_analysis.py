"""
### ai_failure_analysis

Every 15 minutes: claims failed `healer_executions` that have no AI analysis yet (or whose
analysis failed and has attempts left, or whose claim went stale) with
`FOR UPDATE SKIP LOCKED`, so two runs never analyze the same execution. Each log is
redacted, keyed (error signature + local diagnosis type + culprit), looked up in
`ai_analysis_cache`, and on a miss analyzed by the configured analyzer (`HEALER_ANALYZER`:
`local`, or `openai` with fallback to local on any failure). Commands pass the WP-CLI
allow-list. Writes back `ai_analysis`, `ai_confidence`, `ai_recommendations`,
`ai_reasoning`, `ai_model`, `ai_tokens_used`, `ai_cost_usd`, `ai_analyzed_at`, `ai_status`.
One execution's failure never stops the batch (it is retried by later runs).

The task's return value (and log) is the summary: analyzed, cache hits, LLM calls,
fallbacks by reason, tokens and cost.

Params: `mode` = `sync` (default) or `batch` (openai only: cache hits at once, distinct
misses to the Batch API at half price, collected by a later run: for large backfills);
`limit` (executions claimed, default `HEALER_AI_BATCH_SIZE`); `analyzer` (override);
`openai_conn_id` (an Airflow connection with the API key as password and an optional
`base_url` in extra; without it `OPENAI_API_KEY` / `OPENAI_BASE_URL` are used).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task


@dag(
    dag_id="ai_failure_analysis",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    doc_md=__doc__,
    tags=["healer", "analysis"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1),
                  "execution_timeout": timedelta(minutes=30)},
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
    @task
    def analyze_failed_executions(params=None) -> dict:
        from healer_ops import db
        from healer_ops.analysis.executions import analyze_failed_executions as analyze

        return analyze(db.resolve_url("healer_db"), limit=params["limit"],
                       analyzer=params["analyzer"], mode=params["mode"],
                       openai_conn_id=params["openai_conn_id"])

    analyze_failed_executions()


ai_failure_analysis()
