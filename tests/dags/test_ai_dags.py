"""ai_failure_analysis and ai_cache_purge: real DAG runs (dag.test) on a real database, plus
the claim and failure handling of the function they call."""

from __future__ import annotations

import threading

import psycopg
import pytest

from healer_ops.analysis.executions import (
    MAX_ATTEMPTS,
    analyze_executions,
    analyze_failed_executions,
    claim,
    claim_failed_executions,
    summarize_run,
)
from healer_ops.devkit.dagrun import run_dag
from healer_ops.notify import MARKER
from healer_ops.settings import reset_settings

pytest_plugins = ("openai_server",)

FATAL = ("[{ts}] PHP Fatal error:  Uncaught Error: Call to undefined function acme_boot() in "
         "{root}/wp-content/plugins/acme-forms/inc/boot.php:{line}")
SECRET_LOG = ("Warning: mysqli_real_connect(): (HY000/1045): Access denied for user "
              "'shop_owner'@'198.51.100.20' (using password: YES) in /srv/shop/wp-includes/"
              "class-wpdb.php on line 1987\ndefine('DB_PASSWORD', 'CorrectHorse9!');")
MAINTENANCE = "Briefly unavailable for scheduled maintenance. Check back in a minute."
AI_COLUMNS = ("ai_status, ai_confidence, ai_model, ai_tokens_used, ai_cost_usd, ai_reasoning, "
              "ai_recommendations, ai_analysis, ai_analyzed_at, ai_attempts")


def add_site(conn, domain: str, blacklist=("woocommerce", "woocommerce-*")) -> str:
    return conn.execute("INSERT INTO wp_sites (domain, url, blacklisted_plugins) VALUES "
                        "(%s, %s, %s) RETURNING id::text",
                        [domain, f"https://{domain}/", list(blacklist)]).fetchone()[0]


def add_execution(conn, site_id: str, log: str, status: str = "FAILED") -> str:
    return conn.execute("INSERT INTO healer_executions (site_id, status, logs_analyzed) "
                        "VALUES (%s, %s, %s) RETURNING id::text",
                        [site_id, status, log]).fetchone()[0]


def seed_fleet(conn) -> dict[str, str]:
    sites = [add_site(conn, f"site{n}.example") for n in range(3)]
    ids = {
        f"fatal{n}": add_execution(conn, sites[n], FATAL.format(
            ts=f"0{n + 1}-Mar-2025 10:1{n}:00 UTC", root=root, line=40 + n))
        for n, root in enumerate(["/var/www/a", "/home/b/public_html", "C:\\wamp\\www\\c"])
    }
    ids["secret"] = add_execution(conn, sites[0], SECRET_LOG)
    ids["maintenance"] = add_execution(conn, sites[1], MAINTENANCE)
    ids["succeeded"] = add_execution(conn, sites[2], FATAL, status="SUCCESS")
    conn.commit()
    return ids


def ai_rows(conn) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in conn.execute(
        f"SELECT id::text, {AI_COLUMNS} FROM healer_executions ORDER BY id")}


def cache_rows(conn) -> list[tuple]:
    return conn.execute("SELECT input_hash, hit_count, last_used_at, analysis"
                        " FROM ai_analysis_cache ORDER BY input_hash").fetchall()


def test_ai_failure_analysis_dag_writes_back_and_reruns_change_nothing(airflow_db, conn):
    ids = seed_fleet(conn)
    run = run_dag("ai_failure_analysis")
    assert run["state"] == "success", run
    summary = run["tasks"]["summarize"]
    assert summary["claimed"] == 5 and summary["analyzed"] == 5 and summary["failed"] == 0
    assert summary["cache_hits"] == 2  # the plugin fatal on three sites: one miss, two hits
    assert summary["analyzer"] == "local" and summary["cost_usd"] == 0

    rows = ai_rows(conn)
    fatal = rows[ids["fatal0"]]
    status, confidence, model, tokens, cost, reasoning, recommendations, analysis = fatal[:8]
    assert status == "DONE" and confidence > 0.8 and reasoning
    assert analysis["diagnosis_type"] == "PLUGIN_CONFLICT" and analysis["culprit"] == "acme-forms"
    assert analysis["analyzer"] == "local" and "rejected_commands" in analysis
    assert analysis["fallback_reason"] is None
    assert {"command": "wp plugin deactivate acme-forms --skip-plugins --skip-themes",
            "auto": True}.items() <= recommendations[0].items()
    hits = [rows[ids[k]][7]["cache_hit"] for k in ("fatal0", "fatal1", "fatal2")]
    assert sorted(hits) == [False, True, True]
    assert rows[ids["maintenance"]][7]["diagnosis_type"] == "MAINTENANCE"
    secret_record = str(rows[ids["secret"]])
    assert "CorrectHorse9!" not in secret_record and "shop_owner" not in secret_record
    assert rows[ids["succeeded"]][0] is None  # only FAILED executions are analyzed

    again = run_dag("ai_failure_analysis")
    assert again["state"] == "success"
    assert again["tasks"]["summarize"]["claimed"] == 0
    assert ai_rows(conn) == rows
    # hit_count counts uses from 1: three faults stored once each, the fatal hit twice
    assert conn.execute("SELECT count(*), sum(hit_count) FROM ai_analysis_cache").fetchone() == (
        3, 5)


def test_analyze_takes_exactly_the_claimed_ids_and_its_retry_rewrites_nothing(airflow_db, conn):
    ids = seed_fleet(conn)
    conn.execute("INSERT INTO healer_executions (site_id, status, logs_analyzed) SELECT "
                 "site_id, 'FAILED', logs_analyzed FROM healer_executions WHERE id = %s",
                 [ids["maintenance"]])  # one more failed execution than the run may claim
    conn.commit()
    run = run_dag("ai_failure_analysis", conf={"limit": 5})
    assert run["state"] == "success"
    assert len(run["tasks"]["claim"]) == 1  # one shard (HEALER_ANALYSIS_SHARD_SIZE: 250)
    claimed = run["tasks"]["claim"][0]
    assert len(claimed) == len(set(claimed)) == 5
    [analyzed] = run["tasks"]["analyze"]
    assert analyzed["waiting"] == 5 and analyzed["analyzed"] == 5
    assert run["tasks"]["summarize"]["outcome"] == {"DONE": 5}
    statuses = dict(conn.execute("SELECT id::text, ai_status FROM healer_executions"
                                 " WHERE status = 'FAILED'").fetchall())
    assert {i for i, status in statuses.items() if status == "DONE"} == set(claimed)
    rows, cache = ai_rows(conn), cache_rows(conn)
    conn.commit()

    # A retry of analyze runs the task's function again on the same ids from XCom (as after
    # a worker lost once its writes were done): nothing is analyzed or written again.
    retry = analyze_executions(airflow_db, claimed, analyzer="local")
    assert (retry["waiting"], retry["analyzed"]) == (0, 0)
    assert ai_rows(conn) == rows and cache_rows(conn) == cache


def test_a_retry_after_a_try_died_midway_analyzes_the_rest(db_url, conn, local_analyzer):
    seed_fleet(conn)
    claimed = claim_failed_executions(db_url)
    assert len(claimed) == 5
    # What a try leaves when its worker dies after writing two executions back.
    analyze_executions(db_url, claimed[:2], analyzer="local", local=local_analyzer)
    retry = analyze_executions(db_url, claimed, analyzer="local", local=local_analyzer)
    assert (retry["waiting"], retry["analyzed"], retry["failed"]) == (3, 3, 0)
    assert summarize_run(db_url, claimed, retry)["outcome"] == {"DONE": 5}
    # the same cache as one uninterrupted try: three faults (a use each), the fatal twice a hit
    assert conn.execute("SELECT count(*), sum(hit_count) FROM ai_analysis_cache").fetchone() == (
        3, 5)
    rows = ai_rows(conn)
    conn.commit()
    again = analyze_executions(db_url, claimed, analyzer="local", local=local_analyzer)
    assert again["analyzed"] == 0 and ai_rows(conn) == rows


def test_openai_mode_through_the_dag_sends_no_secret(airflow_db, conn, openai_server):
    ids = seed_fleet(conn)
    run = run_dag("ai_failure_analysis", conf={"analyzer": "openai"})
    summary = run["tasks"]["summarize"]
    assert run["state"] == "success" and summary["analyzed"] == 5
    assert summary["llm_calls"] == 3 and summary["cache_hits"] == 2
    assert summary["tokens"] > 0 and summary["cost_usd"] > 0 and summary["fallbacks"] == {}
    received = openai_server.received_text()
    for secret in ("CorrectHorse9!", "shop_owner", "198.51.100.20"):
        assert secret not in received
    row = ai_rows(conn)[ids["secret"]]
    assert row[0] == "DONE" and row[7]["analyzer"] == "openai" and row[4] > 0


def test_batch_mode_submits_then_a_later_run_collects(airflow_db, conn, openai_server):
    ids = seed_fleet(conn)
    first = run_dag("ai_failure_analysis", conf={"analyzer": "openai", "mode": "batch"})
    summary = first["tasks"]["summarize"]
    assert summary["batch_jobs_submitted"] == 1 and summary["batched"] == 5
    assert openai_server.chat_requests() == []  # nothing synchronous
    statuses = {r[0] for r in conn.execute(
        "SELECT ai_status FROM healer_executions WHERE status = 'FAILED'")}
    assert statuses == {"BATCHED"}
    uploaded = next(iter(openai_server.files.values()))["content"].decode()
    assert uploaded.count("\n") == 3  # one request per distinct fault
    assert "CorrectHorse9!" not in uploaded

    second = run_dag("ai_failure_analysis", conf={"analyzer": "openai", "mode": "batch"})
    summary = second["tasks"]["summarize"]
    assert summary["batch_collected"] == 5 and summary["claimed"] == 0
    rows = ai_rows(conn)
    assert {rows[i][0] for k, i in ids.items() if k != "succeeded"} == {"DONE"}
    analysis = rows[ids["fatal1"]][7]
    assert analysis["analyzer"] == "openai-batch" and analysis["culprit"] == "acme-forms"
    job = conn.execute("SELECT status, collected_at IS NOT NULL FROM ai_batch_jobs").fetchall()
    assert job == [("completed", True)]


def test_airflow_retries_analyze_after_a_batch_upload_outage(airflow_db, conn, openai_server,
                                                            monkeypatch, quick_retries, caplog,
                                                            capfd):
    monkeypatch.setenv("HEALER_AI_MAX_RETRIES", "0")  # the SDK gives up at once: the task fails
    reset_settings()
    quick_retries("ai_failure_analysis")
    seed_fleet(conn)
    openai_server.failing_uploads = 1
    run = run_dag("ai_failure_analysis", conf={"analyzer": "openai", "mode": "batch"})
    assert run["state"] == "success"
    assert run["tries"] == {"claim": 1, "analyze": 2, "summarize": 1}
    uploads = [r.get("status") for r in openai_server.requests if r["path"] == "/v1/files"]
    assert uploads == [503, None]  # the first try's upload failed, the retry's went through
    summary = run["tasks"]["summarize"]
    assert summary["claimed"] == 5 and summary["outcome"] == {"BATCHED": 5}
    assert summary["batch_jobs_submitted"] == 1 and summary["batched"] == 5
    assert conn.execute("SELECT count(*) FROM ai_batch_jobs").fetchone()[0] == 1
    # a retry that succeeds pages nobody
    assert MARKER not in capfd.readouterr().out + caplog.text

    collected = run_dag("ai_failure_analysis", conf={"analyzer": "openai", "mode": "batch"})
    assert collected["tasks"]["summarize"]["batch_collected"] == 5
    assert {r[0] for r in conn.execute(
        "SELECT ai_status FROM healer_executions WHERE status = 'FAILED'")} == {"DONE"}


def test_ai_cache_purge_dag(airflow_db, conn):
    conn.execute(
        "INSERT INTO ai_analysis_cache (input_hash, diagnosis_type, error_signature, log_sample,"
        " analysis, confidence, model, reasoning, expires_at) SELECT 'h' || n, 'WSOD', 's', 'l',"
        " '{}', 0.5, 'local', 'white screen', CASE WHEN n <= 7 THEN now() - interval '1 hour'"
        " ELSE now() + interval '1 day' END FROM generate_series(1, 10) n")
    conn.commit()
    run = run_dag("ai_cache_purge", conf={"batch_size": 3})
    assert run["state"] == "success"
    assert run["tasks"]["purge_expired_cache"] == {"deleted": 7, "batches": 3, "remaining": 3}
    again = run_dag("ai_cache_purge", conf={"batch_size": 3})
    assert again["tasks"]["purge_expired_cache"] == {"deleted": 0, "batches": 0, "remaining": 3}


def test_concurrent_claims_never_overlap(db_url, conn):
    site = add_site(conn, "claims.example")
    for n in range(60):
        add_execution(conn, site, f"log {n}")
    conn.commit()
    claimed: list[list[str]] = []
    barrier = threading.Barrier(4)

    def worker():
        with psycopg.connect(db_url, autocommit=True) as own:
            barrier.wait()
            claimed.append([c.execution_id for c in claim(own, 20)])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for batch in claimed for i in batch]
    assert len(everything) == len(set(everything)) == 60


class FailsOnMarker:
    """A local analyzer that breaks on one log, to show one failure never stops the batch."""

    def __init__(self, inner):
        self.inner = inner

    def analyze(self, log: str):
        if "BOOM" in log:
            raise RuntimeError("analyzer crashed on password=hunter2")
        return self.inner.analyze(log)


def test_one_failure_never_stops_the_batch_and_is_retried(db_url, conn, local_analyzer):
    site = add_site(conn, "flaky.example")
    good = [add_execution(conn, site, MAINTENANCE) for _ in range(3)]
    bad = add_execution(conn, site, "BOOM " + MAINTENANCE)
    conn.commit()
    flaky = FailsOnMarker(local_analyzer)
    summary = analyze_failed_executions(db_url, analyzer="local", local=flaky)
    assert summary["analyzed"] == 3 and summary["failed"] == 1
    assert "hunter2" not in str(summary)
    row = conn.execute("SELECT ai_status, ai_error, ai_attempts FROM healer_executions "
                       "WHERE id = %s", [bad]).fetchone()
    assert row[0] == "FAILED" and "RuntimeError" in row[1] and "hunter2" not in row[1]
    assert row[2] == 1
    for attempt in range(2, MAX_ATTEMPTS + 1):
        again = analyze_failed_executions(db_url, analyzer="local", local=flaky)
        assert again["claimed"] == 1 and again["failed"] == 1
        assert conn.execute("SELECT ai_attempts FROM healer_executions WHERE id = %s",
                            [bad]).fetchone()[0] == attempt
        conn.commit()
    assert analyze_failed_executions(db_url, analyzer="local", local=flaky)["claimed"] == 0
    done = conn.execute("SELECT count(*) FROM healer_executions WHERE ai_status = 'DONE' AND "
                        "id = ANY(%s::uuid[])", [good]).fetchone()[0]
    assert done == 3


def test_unknown_mode_is_refused(db_url):
    with pytest.raises(ValueError, match="unknown mode"):
        analyze_failed_executions(db_url, mode="fast")
