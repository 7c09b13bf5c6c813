"""`healer-ops bench backfill`: loading weeks of history through `airflow backfill create` on
a local Celery cluster, one run per day (`site_metrics_backfill`) vs one run per 5 minutes
(`site_metrics_ingest`), on the same day files.

The 5-minute DAG's backfill of the whole period takes hours (14 days: 4,032 runs), so it is
timed on a sample (`sample_hours` of the period's last day) and extrapolated per run; the
daily DAG's backfill is timed over the whole period.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RUNS_PER_DAY_5_MIN = 288


def bench_backfill(*, sites: int = 50, days: int = 14, sample_hours: float = 2.0,
                   workers: int = 2, concurrency: int = 2, pg_url: str | None = None,
                   redis_url: str | None = None, seed: int = 7) -> dict:
    from healer_ops.devkit.cluster import (
        DEFAULT_PG_URL,
        DEFAULT_REDIS_URL,
        scratch_cluster,
        services_missing,
        wait_for_dags,
    )
    from healer_ops.devkit.fleet.generator import generate_fleet

    pg_url, redis_url = pg_url or DEFAULT_PG_URL, redis_url or DEFAULT_REDIS_URL
    reason = services_missing(pg_url, redis_url)
    if reason:
        raise RuntimeError(f"bench backfill needs PostgreSQL and Redis: {reason}")
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first = end - timedelta(days=days)
    slots = workers * concurrency
    with tempfile.TemporaryDirectory(prefix="healer-bench-backfill-") as tmp:
        drop_dir = Path(tmp) / "drop"
        with scratch_cluster(Path(tmp) / "cluster", pg_url=pg_url, redis_url=redis_url,
                             workers=workers, concurrency=concurrency,
                             extra_env={"HEALER_DROP_DIR": str(drop_dir)}) as scratch:
            generated = generate_fleet(scratch.healer_url, sites=sites, days=days, seed=seed,
                                       end=end, drop_dir=drop_dir)
            client = scratch.client
            wait_for_dags(client, {"site_metrics_backfill", "site_metrics_ingest"})
            daily = _backfill(scratch, "site_metrics_backfill", first,
                              end - timedelta(days=1), days, slots)
            sample_runs = int(round(sample_hours * 12))
            sample_start = end - timedelta(days=1)
            sample = _backfill(scratch, "site_metrics_ingest", sample_start,
                               sample_start + timedelta(minutes=5 * (sample_runs - 1)),
                               sample_runs, slots)
            timings = dict(scratch.timings)
    full_runs = days * RUNS_PER_DAY_5_MIN
    per_run = sample["wall_s"] / sample["runs"]
    return {
        "sites": sites, "days": days, "metric_rows": generated["metric_rows"],
        "workers": workers, "slots": slots, "cluster_up_s": timings.get("up_s"),
        "daily": daily,
        "five_minute_sample": sample,
        "five_minute_full": {"runs": full_runs, "wall_s_estimated": round(per_run * full_runs),
                             "estimated_from_runs": sample["runs"]},
        "speedup_estimated": round(per_run * full_runs / daily["wall_s"], 1),
    }


def _backfill(scratch, dag_id: str, first: datetime, last: datetime, runs: int,
              max_active_runs: int) -> dict:
    """`airflow backfill create` from `first` to `last` (logical dates, inclusive), timed
    until every run finished."""
    from healer_ops.cluster.supervisor import airflow_command
    from healer_ops.devkit.cluster import wait_for_backfill

    client = scratch.client
    client.set_paused(dag_id, False)
    began = time.perf_counter()
    created = airflow_command(scratch.spec.home, [
        "backfill", "create", "--dag-id", dag_id, "--from-date", first.isoformat(),
        "--to-date", last.isoformat(), "--max-active-runs", str(max_active_runs)],
        capture_output=True, text=True)
    if created.returncode:
        raise RuntimeError(f"backfill create {dag_id} failed: {created.stderr[-2000:]}")
    found = wait_for_backfill(client, dag_id, runs, timeout_s=max(600, runs * 30))
    wall = time.perf_counter() - began
    client.set_paused(dag_id, True)
    with scratch_connection(scratch) as conn:
        rows = conn.execute("SELECT count(*) FROM site_metrics WHERE observed_at >= %s AND"
                            " observed_at < %s", [first, last + _interval(dag_id)]).fetchone()[0]
    return {"dag_id": dag_id, "runs": len(found),
            "failed_runs": sum(r["state"] != "success" for r in found),
            "wall_s": round(wall, 1), "s_per_run": round(wall / len(found), 2),
            "rows_in_range": rows}


def _interval(dag_id: str) -> timedelta:
    return timedelta(days=1) if dag_id == "site_metrics_backfill" else timedelta(minutes=5)


def scratch_connection(scratch):
    import psycopg

    return psycopg.connect(scratch.healer_url)
