"""`healer-ops bench fleet`: one 5-minute cycle of an N-site fleet, one day of baselines,
storage per site per day and the retention of a day, on a scratch database.

Setup (not in the cycle): N sites in wp_sites and one UTC day [D - 1 day, D) of 5-minute
observations per site, generated in SQL an hour per statement straight into site_metrics
(what a day of cycles would have loaded; the write trigger marks its hours pending).

Figures, in order:
- rollup_day_s / rollup_hour_s: that day's 24 hours rolled up (what the ingest DAG's roll_up
  step does once an hour, one hour at a time);
- baseline_raw_s / baseline_hourly_s: the day's baselines of every site (days=1) from the raw
  rows, then from the roll-ups (the path of periods over 7 days), both stored;
- the cycle, timed end to end (cycle_s): (1) ingest: probe rows of every site for the slot
  D, synthesized (no HTTP: `bench probe` measures probing), cut into key-range shards of
  HEALER_PROBE_SHARD_SIZE sites like site_metrics_ingest's mapped load tasks, each shard
  loaded by `healer_ops.ingest.probe.load_observations` (validation with Great
  Expectations, quarantine, COPY/upsert) in its own transaction; (2) the roll_up step (no
  hour has closed: what 11 of 12 cycles do); (3) incremental detection of the new cell
  (detect_fleet over [D, D + 5 min) with its 24 h look-back), split into W site shards;
- storage: the day's raw partition (heap, TOAST, indexes) and its roll-up rows (with their
  share of the roll-up table's indexes), per site;
- retention_drop_day_s: drop_raw_days for that day (roll-up check: a count of the day's
  rows against the roll-ups' samples, then DROP TABLE), as the retention DAG's task runs it.

A "worker" is a process: with --workers W the shards run on a pool of W processes, each
taking the next shard when it is free, as W Celery workers with one slot each take mapped
task instances; without Airflow's own per-task overhead (scheduling, process start, about
1-3 s a task instance), which this benchmark does not include. Detection shards: note that
detect_fleet holds an advisory lock for the whole run (one detection run at a time), so its
W shards run one after another whatever W is.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

from healer_ops import db
from healer_ops.devkit.bench import scratch_database, timed

STEP = timedelta(minutes=5)


def bench_fleet(sites: int, *, workers: int = 1, shard_size: int | None = None,
                keep: bool = False) -> dict:
    from healer_ops.settings import get_settings

    shard_size = shard_size or get_settings().probe_shard_size
    day_end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = day_end - timedelta(days=1)
    with scratch_database("fleet", keep=keep) as url:
        setup_s = _setup(url, sites, day, day_end)[1]
        figures = {"sites": sites, "workers": workers, "shard_size": shard_size,
                   "cpus": os.cpu_count(), "setup_s": round(setup_s, 1)}
        figures |= _rollup_and_baselines(url, day_end)
        figures |= _cycle(url, day_end, workers, shard_size)
        figures |= _storage(url, day, sites)
        figures |= _retention(url, day_end)
    cycle = figures["cycle_s"]
    figures["cycle_ms_per_site"] = round(1000 * cycle / sites, 3)
    return figures


def _setup(url: str, sites: int, day: datetime, day_end: datetime):
    from healer_ops.storage.partitions import ensure_partitions

    started = time.perf_counter()
    with db.connect(url) as conn:
        ensure_partitions(conn, day, day_end + timedelta(hours=1), ahead_days=0)
        conn.commit()
        conn.execute("INSERT INTO wp_sites (domain, url) SELECT 'site' || n || '.bench', "
                     "'https://site' || n || '.bench/' FROM generate_series(1, %s) n",
                     [sites])
        conn.commit()
        hour = day
        while hour < day_end:
            conn.execute(_HISTORY_SQL, {"first": hour, "last": hour + timedelta(minutes=55)})
            conn.commit()
            hour += timedelta(hours=1)
    with db.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE site_metrics")
        conn.execute("VACUUM ANALYZE wp_sites")
    return None, time.perf_counter() - started


# Each site: its own typical response time (hash of its id), a daily wave and noise; one row
# in 50 an error without a response.
_HISTORY_SQL = """
INSERT INTO site_metrics (site_id, observed_at, response_time_ms, ttfb_ms, page_size_bytes,
                          status_code, error, source)
SELECT s.id, t,
       CASE WHEN r < 0.02 THEN NULL
            ELSE base * (1 + 0.2 * sin(extract(hour FROM t) / 24 * 2 * pi())) * (0.8 + 0.4 * r)
       END,
       CASE WHEN r < 0.02 THEN NULL ELSE base * 0.3 * (0.9 + 0.2 * r) END,
       CASE WHEN r < 0.02 THEN NULL ELSE 40000 + (base * 100)::bigint END,
       CASE WHEN r < 0.02 THEN NULL ELSE 200 END,
       r < 0.02, 'bench'
FROM (SELECT id, 150 + abs(hashtext(id::text)) %% 400 AS base FROM wp_sites) s
CROSS JOIN generate_series(%(first)s::timestamptz, %(last)s::timestamptz, '5 min') t
CROSS JOIN LATERAL (SELECT random() + 0 * extract(epoch FROM t) AS r) x
"""


def _rollup_and_baselines(url: str, day_end: datetime) -> dict:
    from healer_ops.baselines import upsert_baselines
    from healer_ops.storage.rollup import roll_up

    with db.connect(url) as conn:
        rolled, rollup_s = timed(roll_up, conn, until=day_end)
        conn.commit()
        _, raw_s = timed(upsert_baselines, conn, day_end, days=1, source="raw")
        conn.commit()
        _, hourly_s = timed(upsert_baselines, conn, day_end, days=1, source="hourly")
        conn.commit()
    return {"rollup_day_s": round(rollup_s, 2),
            "rollup_hour_s": round(rollup_s / max(rolled["hours"], 1), 3),
            "rollup_rows": rolled["rows_written"],
            "baseline_raw_s": round(raw_s, 2), "baseline_hourly_s": round(hourly_s, 2)}


def _cycle(url: str, slot: datetime, workers: int, shard_size: int) -> dict:
    from healer_ops.ingest.shards import shard_plan
    from healer_ops.storage.partitions import ensure_for_interval
    from healer_ops.storage.rollup import roll_up_closed_hours

    plan = {"mode": "probe", "site_ids": None}
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_up) as pool:
        # the workers start and import their modules before the clock starts (a worker
        # process is long-lived): the cycle measures the data path
        warm = time.perf_counter()
        list(pool.map(time.sleep, [0.5] * workers))
        warm_s = time.perf_counter() - warm
        started = time.perf_counter()
        shards = shard_plan(url, plan, shard_size)
        ensure_for_interval(url, slot, slot + STEP)
        loaded = list(pool.map(_load_shard, [url] * len(shards), shards,
                               [slot] * len(shards)))
        ingest_s = time.perf_counter() - started
        mark = time.perf_counter()
        rolled = roll_up_closed_hours(url, until=slot)
        rollup_s = time.perf_counter() - mark
        mark = time.perf_counter()
        detect_shards = _site_shards(url, workers)
        detected = list(pool.map(_detect_shard, [url] * len(detect_shards), detect_shards,
                                 [slot] * len(detect_shards)))
        detect_s = time.perf_counter() - mark
    cycle_s = time.perf_counter() - started
    rows = sum(n for n, _ in loaded)
    return {"cycle_s": round(cycle_s, 2), "worker_start_s": round(warm_s, 2),
            "ingest_s": round(ingest_s, 2),
            "ingest_shards": len(shards), "ingest_rows": rows,
            "ingest_shard_s_max": round(max(s for _, s in loaded), 2),
            "cycle_rollup_s": round(rollup_s, 3), "cycle_rollup_hours": rolled["hours"],
            "detect_s": round(detect_s, 2), "detect_shards": len(detect_shards),
            "detect_shard_s": [round(s, 2) for _, s in detected],
            "detect_observations": sum(n for n, _ in detected),
            "ingest_ms_per_site": round(1000 * ingest_s / max(rows, 1), 3),
            "detect_ms_per_site": round(1000 * detect_s / max(rows, 1), 3)}


def _warm_up() -> None:
    """What a worker process imports once: the ingest path (pandas, Great Expectations) and
    detection (scipy, scikit-learn)."""
    import scipy.stats  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    import healer_ops.detect.fleet  # noqa: F401
    import healer_ops.ingest.probe  # noqa: F401
    import healer_ops.ingest.validate  # noqa: F401


def _load_shard(url: str, shard: dict, slot: datetime) -> tuple[int, float]:
    """One mapped load task's work: the shard's sites, their probe rows, the ingest path."""
    import random

    from healer_ops.ingest.probe import load_observations
    from healer_ops.ingest.prober import Observation

    started = time.perf_counter()
    with db.connect(url) as conn:
        targets = conn.execute(db.query("ingest_probe_targets"), {
            "site_ids": None, "from_id": shard["from_id"], "to_id": shard["to_id"]}).fetchall()
        rng = random.Random(shard["shard"])
        observations = [Observation(site_id=site_id, response_time_ms=rng.uniform(150, 600),
                                    ttfb_ms=rng.uniform(50, 180), page_size_bytes=45000,
                                    status_code=200) for site_id, _ in targets]
        summary = load_observations(conn, observations, slot, run_id="bench")
        conn.commit()
    return summary.loaded, time.perf_counter() - started


def _site_shards(url: str, count: int) -> list[list[str]]:
    with db.connect(url) as conn:
        ids = [row[0] for row in conn.execute("SELECT id::text FROM wp_sites ORDER BY id")]
    size = -(-len(ids) // count)
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _detect_shard(url: str, site_ids: list[str], slot: datetime) -> tuple[int, float]:
    from healer_ops.detect.fleet import detect_fleet

    started = time.perf_counter()
    summary = detect_fleet(url, slot, slot + STEP, site_ids=site_ids)
    return summary["observations"], time.perf_counter() - started


def _storage(url: str, day: datetime, sites: int) -> dict:
    with db.connect(url) as conn:
        conn.execute("ANALYZE site_metrics_hourly")
        raw = conn.execute("SELECT pg_total_relation_size(%s::regclass)",
                           [f"site_metrics_p{day:%Y%m%d}"]).fetchone()[0]
        table, rows, day_rows = conn.execute(
            "SELECT pg_total_relation_size('site_metrics_hourly'), "
            "(SELECT count(*) FROM site_metrics_hourly), "
            "(SELECT count(*) FROM site_metrics_hourly WHERE hour >= %s AND hour < %s)",
            [day, day + timedelta(days=1)]).fetchone()
    rolled = table * day_rows / max(rows, 1)
    return {"raw_bytes_per_site_day": round(raw / sites),
            "rollup_bytes_per_site_day": round(rolled / sites),
            "rollup_vs_raw": round(rolled / raw, 3) if raw else None}


def _retention(url: str, day_end: datetime) -> dict:
    from healer_ops.storage.retention import drop_raw_days

    result, seconds = timed(drop_raw_days, url, now=day_end + timedelta(days=1), keep_days=1)
    return {"retention_drop_day_s": round(seconds, 2), "retention_dropped": result["dropped"]}
