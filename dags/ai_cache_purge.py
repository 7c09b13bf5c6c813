"""
### ai_cache_purge

Daily at midnight (UTC): deletes the rows of `ai_analysis_cache` whose `expires_at` has
passed (`HEALER_CACHE_TTL_DAYS`, 30 days after they were written), in batches of
`batch_size` rows per transaction (`DELETE ... WHERE id IN (SELECT ... LIMIT n)`), so the
table is never locked for long. Expired rows are already cache misses; this only reclaims
space. Re-running deletes nothing more. Returns the number of rows deleted and left.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task


@dag(
    dag_id="ai_cache_purge",
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["healer", "analysis"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
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
