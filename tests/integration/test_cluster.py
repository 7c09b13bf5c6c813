"""The distributed deployment, for real: `healer-ops cluster up` starts scheduler,
dag-processor, api-server, triggerer and two Celery workers against this machine's PostgreSQL
and Redis; every DAG is triggered through the REST API and runs on the workers; a backfill
loads history; a worker is killed mid-task and the retry finishes its shard; `down` stops it
all. Skipped, saying why, where PostgreSQL or Redis is not on loopback (CI's machine has both).

Servers: HEALER_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres, a user
that may create databases) and HEALER_TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

PG_URL = os.environ.get("HEALER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HEALER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = 2
KILL_EXECUTIONS = 30  # failed executions of the run whose worker is killed: two shards of 15
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]


def _slug(n: int) -> str:
    return "acme-" + "".join(chr(97 + int(d)) for d in f"{n:04d}")


def _fatal_log(n: int) -> str:
    """A failed execution's log whose culprit is its own plugin: every one a cache miss."""
    slug = _slug(n)
    return (f"[05-Dec-2026 10:00:00 UTC] PHP Fatal error:  Uncaught Error: Call to undefined "
            f"function {slug.replace('-', '_')}_boot() in /var/www/html/wp-content/plugins/"
            f"{slug}/boot.php:42")


@pytest.fixture
def cluster(tmp_path_factory):
    """A running cluster with a demo fleet: (spec, client, facts). Stopped, and its databases
    and queue dropped, whatever happens."""
    from healer_ops.devkit.cluster import scratch_cluster, services_missing
    from healer_ops.devkit.fleet.generator import generate_fleet
    from healer_ops.devkit.fleet.server import FleetServer
    from healer_ops.devkit.loopback_openai import LoopbackOpenAI

    reason = services_missing(PG_URL, REDIS_URL)
    if reason:
        pytest.skip(f"the cluster test needs PostgreSQL and Redis on loopback: {reason} "
                    f"(HEALER_TEST_PG_URL, HEALER_TEST_REDIS_URL)")
    home = tmp_path_factory.mktemp("cluster")
    drop_dir = home / "drop"
    with FleetServer(6, incidents=[]) as fleet, LoopbackOpenAI(latency_s=1.0) as llm:
        env = {"HEALER_DROP_DIR": str(drop_dir),
               # a lost worker's task is failed and retried after 20 s, not 2 minutes
               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
               "HEALER_ANALYSIS_SHARD_SIZE": str(KILL_EXECUTIONS // 2),
               "HEALER_AI_CONCURRENCY": "1",
               # every log goes to the LLM, so each analysis in flight is one LLM call
               "HEALER_AI_ASK": "all",
               "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-test-cluster-000000"}
        with scratch_cluster(home / "cluster", pg_url=PG_URL, redis_url=REDIS_URL,
                             workers=WORKERS, extra_env=env) as scratch:
            try:
                generated = generate_fleet(scratch.healer_url, sites=6, days=4, seed=11,
                                           drop_dir=drop_dir,
                                           site_url_template=fleet.base_url + "/{domain}/")
                yield scratch.spec, scratch.client, {
                    "generated": generated, "llm": llm, "timings": scratch.timings,
                    "healer_url": scratch.healer_url}
            finally:
                timings = {k: round(v, 1) for k, v in scratch.timings.items()}
                print(f"\ncluster test timings (s): {json.dumps(timings)}")


@pytest.mark.timeout(1800)  # about five minutes on two quiet cores; much more when loaded
def test_the_deployment_end_to_end(cluster):
    """One cluster, the steps in order (each needs the one before: DAGs unpaused, a worker
    left to kill, processes left to stop)."""
    check_every_dag_runs_on_the_workers_through_the_scheduler(cluster)
    check_a_backfill_loads_each_historic_day_in_one_run(cluster)
    check_a_killed_worker_leaves_its_shard_to_the_retry(cluster)
    check_down_stops_every_process_it_started(cluster)


def _on_workers(client, spec, dag_id: str, run_id: str) -> list[dict]:
    """The run's task instances, each checked to have run on one of the cluster's workers."""
    instances = client.task_instances(dag_id, run_id)
    assert instances, f"{dag_id} {run_id} has no task instances"
    for ti in instances:
        assert ti["state"] == "success", (dag_id, ti["task_id"], ti["state"])
        assert ti["queue"] == spec.queue, (dag_id, ti["task_id"], ti["queue"])
        assert ti["hostname"].split("@")[0] in {f"worker-{i}" for i in range(1, WORKERS + 1)}
    return instances


def _scalar(url: str, sql: str, params=None):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


# every DAG file is named after its DAG
EVERY_DAG = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "dags").glob("*.py")
                   if not p.name.startswith("_"))


def check_every_dag_runs_on_the_workers_through_the_scheduler(cluster):
    spec, client, facts = cluster
    from healer_ops.devkit.cluster import wait_for_dags

    began = time.perf_counter()
    wait_for_dags(client, set(EVERY_DAG))
    for dag_id in EVERY_DAG:
        client.set_paused(dag_id, False)
    # as an engineer triggers them: the REST API (the UI's button), no logical date
    runs = {dag_id: client.trigger(dag_id)["dag_run_id"] for dag_id in EVERY_DAG}
    hosts = set()
    for dag_id, run_id in runs.items():
        run = client.wait_for_run(dag_id, run_id, timeout_s=300)
        assert run["state"] == "success", (dag_id, run)
        hosts |= {ti["hostname"] for ti in _on_workers(client, spec, dag_id, run_id)}
    facts["timings"]["every_dag_s"] = time.perf_counter() - began
    facts["hosts"] = sorted(hosts)

    probe = client.xcom("site_metrics_ingest", runs["site_metrics_ingest"], "summarize")
    assert probe["mode"] == "probe" and probe["probed"] == probe["loaded"] == 6
    analysis = client.xcom("ai_failure_analysis", runs["ai_failure_analysis"], "summarize")
    assert analysis["claimed"] > 0 and analysis["outcome"] == {"DONE": analysis["claimed"]}
    daily = client.xcom("site_metrics_backfill", runs["site_metrics_backfill"], "load")
    start, end = (datetime.fromisoformat(daily[k]) for k in ("start", "end"))
    assert end - start == timedelta(days=1) and daily["loaded"] > 0


def check_a_backfill_loads_each_historic_day_in_one_run(cluster):
    spec, client, facts = cluster
    from healer_ops.cluster.supervisor import airflow_command
    from healer_ops.devkit.cluster import wait_for_backfill

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, last = today - timedelta(days=3), today - timedelta(days=2)
    began = time.perf_counter()
    created = airflow_command(spec.home, ["backfill", "create", "--dag-id",
                                           "site_metrics_backfill", "--from-date",
                                           first.date().isoformat(), "--to-date",
                                           last.date().isoformat()], capture_output=True,
                              text=True)
    assert created.returncode == 0, created.stderr
    runs = wait_for_backfill(client, "site_metrics_backfill", 2, timeout_s=300)
    assert len(runs) == 2
    facts["timings"]["backfill_2_days_s"] = time.perf_counter() - began
    loaded = 0
    for run in runs:
        assert run["state"] == "success", run
        _on_workers(client, spec, "site_metrics_backfill", run["dag_run_id"])
        summary = client.xcom("site_metrics_backfill", run["dag_run_id"], "load")
        start, end = (datetime.fromisoformat(summary[k]) for k in ("start", "end"))
        assert end - start == timedelta(days=1) and first <= start <= last
        assert summary["files"] == [f"site_metrics_{start:%Y-%m-%d}.csv"]
        loaded += summary["loaded"]
    rows = _scalar(facts["healer_url"], "SELECT count(*) FROM site_metrics WHERE observed_at"
                   " >= %s AND observed_at < %s", [first, last + timedelta(days=1)])
    assert rows == loaded >= 2 * 6 * 288 * 0.98  # two days of six sites, less quarantined rows


def check_a_killed_worker_leaves_its_shard_to_the_retry(cluster):
    spec, client, facts = cluster
    from healer_ops.cluster.supervisor import kill_process

    url = facts["healer_url"]
    with psycopg.connect(url) as conn:
        site = conn.execute("SELECT id FROM wp_sites ORDER BY id LIMIT 1").fetchone()[0]
        conn.cursor().executemany(
            "INSERT INTO healer_executions (site_id, status, logs_analyzed)"
            " VALUES (%s, 'FAILED', %s)", [(site, _fatal_log(n)) for n in range(KILL_EXECUTIONS)])
    llm_calls_before = len(facts["llm"].chat_requests())
    began = time.perf_counter()
    run_id = client.trigger("ai_failure_analysis", conf={"analyzer": "openai"})["dag_run_id"]

    shards = None
    victim = None  # a shard running on a worker, some of its rows written back, most not
    deadline = time.monotonic() + 180
    while victim is None:
        instances = client.task_instances("ai_failure_analysis", run_id)
        assert time.monotonic() < deadline, instances
        if shards is None and any(ti["task_id"] == "claim" and ti["state"] == "success"
                                  for ti in instances):
            shards = client.xcom("ai_failure_analysis", run_id, "claim")
        for ti in instances:
            if (shards and ti["task_id"] == "analyze" and ti["state"] == "running"
                    and ti["hostname"]):
                shard = shards[ti["map_index"]]
                done = _scalar(url, "SELECT count(*) FROM healer_executions WHERE"
                               " id = ANY(%s::uuid[]) AND ai_status = 'DONE'", [shard])
                if 2 <= done <= len(shard) - 4:
                    victim = ti
                    break
        time.sleep(0.5)
    killed_worker = victim["hostname"].split("@")[0]
    kill_process(spec.home, killed_worker)  # the worker, its pool, the task: all SIGKILLed
    shard = shards[victim["map_index"]]
    done_at_kill = _scalar(url, "SELECT count(*) FROM healer_executions WHERE"
                           " id = ANY(%s::uuid[]) AND ai_status = 'DONE'", [shard])
    assert 0 < done_at_kill < len(shard) == KILL_EXECUTIONS // 2  # killed mid-shard

    run = client.wait_for_run("ai_failure_analysis", run_id, timeout_s=400)
    facts["timings"]["kill_and_retry_s"] = time.perf_counter() - began
    assert run["state"] == "success", run
    retried = [ti for ti in client.task_instances("ai_failure_analysis", run_id)
               if ti["task_id"] == "analyze" and ti["map_index"] == victim["map_index"]][0]
    assert retried["state"] == "success" and retried["try_number"] == 2
    assert retried["hostname"].split("@")[0] != killed_worker

    with psycopg.connect(url) as conn:
        rows = dict(conn.execute(
            "SELECT id::text, (ai_status, ai_claim_run_id, ai_claim_try, ai_attempts)::text"
            " FROM healer_executions WHERE logs_analyzed LIKE '%%acme-%%'").fetchall())
    assert len(rows) == KILL_EXECUTIONS
    # every one analyzed, by this run, as its first attempt: the killed try's rows by try 1,
    # the rest of its shard by the retry, which took the run's claims back
    in_shard = sorted(rows[i] for i in shard)
    assert in_shard == sorted([f"(DONE,{run_id},1,1)"] * done_at_kill +
                              [f"(DONE,{run_id},2,1)"] * (len(shard) - done_at_kill))
    # the other shard ran on the killed worker too (try 2) or elsewhere (try 1 only)
    other = 1 - victim["map_index"]
    other_try = [ti["try_number"] for ti in client.task_instances("ai_failure_analysis", run_id)
                 if ti["task_id"] == "analyze" and ti["map_index"] == other][0]
    assert {rows[i] for i in shards[other]} <= {f"(DONE,{run_id},{t},1)"
                                                for t in range(1, other_try + 1)}
    summary = client.xcom("ai_failure_analysis", run_id, "summarize")
    assert summary["outcome"] == {"DONE": KILL_EXECUTIONS} and summary["shards"] == 2
    # one LLM call per execution, and one more for each killed try: its request in flight.
    # The other shard may have run on the killed worker too (then its try is 2).
    killed_tries = 1 + (other_try - 1)
    asked = [json.dumps(body) for body in facts["llm"].chat_requests()[llm_calls_before:]]
    calls = {n: sum(_slug(n) in body for body in asked) for n in range(KILL_EXECUTIONS)}
    assert all(1 <= count <= 2 for count in calls.values()), calls
    assert sum(calls.values()) - KILL_EXECUTIONS <= killed_tries, (calls, killed_tries)


def check_down_stops_every_process_it_started(cluster):
    import psutil

    from healer_ops.cluster import cluster_down, cluster_status
    from healer_ops.cluster.supervisor import load_state

    spec, client, facts = cluster
    recorded = load_state(spec.home)["processes"]
    alive = [p for p in recorded if psutil.pid_exists(p["pid"])]
    tree = [process for p in alive for process in
            (psutil.Process(p["pid"]), *psutil.Process(p["pid"]).children(recursive=True))]
    began = time.perf_counter()
    stopped = cluster_down(spec.home)
    facts["timings"]["down_s"] = time.perf_counter() - began
    assert sorted(stopped) == sorted(p["name"] for p in alive)
    assert len(stopped) == 4 + WORKERS - 1  # the killed worker was already gone
    # is_running() compares start times: a pid reused by another process does not count
    survivors = [p.pid for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert survivors == []
    assert cluster_status(spec.home)["running"] is False
    assert client.health() is None  # the api-server is gone
