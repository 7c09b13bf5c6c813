"""
### ai_cache_purge

Daily at midnight (UTC): deletes the rows of `ai_analysis_cache` whose `expires_at` has
passed (`HEALER_CACHE_TTL_DAYS`, 30 days after they were written), in batches of
`batch_size` rows per transaction (`DELETE ... WHERE id IN (SELECT ... LIMIT n)`), so the
table is never locked for long. Expired rows are already cache misses; this only reclaims
space. Re-running deletes nothing more. Returns the number of rows deleted and left.

Failures: a try is stopped after an hour and retried twice, five minutes apart; a task that
fails for good and its run are reported through `healer_ops.notify`; after 3 failed runs in
a row (three days) the DAG pauses itself.
"""

from __future__ import annotations

from _healer_common import healer_dag
from airflow.sdk import Param, task


@healer_dag(
    "ai_cache_purge",
    schedule="0 0 * * *",
    doc_md=__doc__,
    tag="analysis",
    params={"batch_size": Param(1000, type="integer", minimum=1,
                                description="Rows deleted per transaction")},
)
def ai_cache_purge():
    @task
    def purge_expired_cache(params=None) -> dict:
        from healer_ops import db
        from healer_ops.analysis.cache import purge

        return purge(db.resolve_url("healer_db"), batch_size=params["batch_size"])

    purge_expired_cache()


ai_cache_purge()
