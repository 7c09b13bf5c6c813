"""Crash-safe claims: a claim records the run and try holding it and when it expires; a
retry takes its run's claims back, a lost claim comes back after the analyze timeout, and
the analysis fans out over shards."""

from __future__ import annotations

from datetime import timedelta

from test_ai_dags import MAINTENANCE, add_execution, add_site, ai_rows, seed_fleet

from healer_ops.analysis.executions import (
    CLAIM_GRACE,
    analyze_executions,
    claim_failed_executions,
    claim_shards,
)
from healer_ops.devkit.dagrun import run_dag
from healer_ops.settings import reset_settings

pytest_plugins = ("openai_server",)

HOLD = timedelta(minutes=30)


def failed_executions(conn, count: int) -> list[str]:
    site = add_site(conn, "claims.example")
    ids = [add_execution(conn, site, f"{MAINTENANCE} #{n}") for n in range(count)]
    conn.commit()
    return ids


def claims(conn) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in conn.execute(
        "SELECT id::text, ai_status, ai_claim_run_id, ai_claim_try, ai_attempts,"
        " round(extract(epoch FROM ai_claim_expires_at - ai_claimed_at))"
        " FROM healer_executions WHERE status = 'FAILED'")}


def test_a_claim_records_its_run_try_and_the_analyze_timeout(db_url, conn):
    failed_executions(conn, 3)
    ids = claim_failed_executions(db_url, run_id="run-a", try_number=1, hold=HOLD)
    rows = claims(conn)
    assert set(ids) == set(rows)
    assert {row for row in rows.values()} == {
        ("CLAIMED", "run-a", 1, 1, (HOLD + CLAIM_GRACE).total_seconds())}


def test_a_retry_of_claim_takes_its_runs_claims_back(db_url, conn):
    """The try that claimed died before handing its ids on: its retry gets them again, as
    the same attempt, before anything new; another run gets none of them."""
    ids = failed_executions(conn, 6)
    first = claim_failed_executions(db_url, limit=4, run_id="run-a", try_number=1, hold=HOLD)
    conn.commit()
    assert set(claim_failed_executions(db_url, limit=4, run_id="run-b", try_number=1,
                                       hold=HOLD)) == set(ids) - set(first)
    again = claim_failed_executions(db_url, limit=4, run_id="run-a", try_number=2, hold=HOLD)
    assert sorted(again) == sorted(first)
    rows = claims(conn)
    assert {rows[i][:4] for i in first} == {("CLAIMED", "run-a", 2, 1)}  # not a new attempt


def test_an_expired_claim_is_free_again_and_a_live_one_is_not(db_url, conn):
    failed_executions(conn, 2)
    lost = claim_failed_executions(db_url, limit=1, run_id="run-a", try_number=1, hold=HOLD)
    held = claim_failed_executions(db_url, limit=1, run_id="run-b", try_number=1, hold=HOLD)
    assert claim_failed_executions(db_url, run_id="run-c", try_number=1, hold=HOLD) == []
    # run-a's worker died and its run gave up: its claim expires (the analyze timeout)
    conn.execute("UPDATE healer_executions SET ai_claim_expires_at = now() - interval '1 s'"
                 " WHERE id = %s", lost)
    conn.commit()
    assert claim_failed_executions(db_url, run_id="run-c", try_number=1, hold=HOLD) == lost
    assert claims(conn)[lost[0]][:4] == ("CLAIMED", "run-c", 1, 2)
    assert claims(conn)[held[0]][:2] == ("CLAIMED", "run-b")


def test_analyze_takes_only_what_its_run_still_holds(db_url, conn, local_analyzer):
    ids = failed_executions(conn, 4)
    mine = claim_failed_executions(db_url, limit=2, run_id="run-a", try_number=1, hold=HOLD)
    claim_failed_executions(db_url, limit=2, run_id="run-b", try_number=1, hold=HOLD)
    stats = analyze_executions(db_url, ids, analyzer="local", local=local_analyzer,
                               run_id="run-a", try_number=2, hold=HOLD)
    assert (stats["waiting"], stats["analyzed"]) == (2, 2)
    rows = claims(conn)
    assert {i for i, row in rows.items() if row[0] == "DONE"} == set(mine)
    assert {row[:2] for i, row in rows.items() if i not in mine} == {("CLAIMED", "run-b")}


def test_claim_shards_cut_the_claim_and_always_leave_one(db_url, conn):
    ids = failed_executions(conn, 5)
    shards = claim_shards(db_url, shard_size=2, run_id="run-a", try_number=1, hold=HOLD)
    assert [len(s) for s in shards] == [2, 2, 1]
    assert sorted(i for s in shards for i in s) == sorted(ids)
    assert claim_shards(db_url, shard_size=2, run_id="run-b", try_number=1, hold=HOLD) == [[]]


def test_the_dag_analyzes_in_shards_and_summarizes_once(airflow_db, conn, monkeypatch):
    monkeypatch.setenv("HEALER_ANALYSIS_SHARD_SIZE", "2")
    reset_settings()
    seed_fleet(conn)
    run = run_dag("ai_failure_analysis", without_logical_date=True)
    assert run["state"] == "success", run
    assert [len(shard) for shard in run["tasks"]["claim"]] == [2, 2, 1]
    assert [s["analyzed"] for s in run["tasks"]["analyze"]] == [2, 2, 1]
    summary = run["tasks"]["summarize"]
    assert (summary["claimed"], summary["analyzed"], summary["shards"]) == (5, 5, 3)
    assert summary["outcome"] == {"DONE": 5} and summary["cache_hits"] == 2
    rows = claims(conn)
    assert {row[1] for row in rows.values()} == {run["run_id"]}
    assert {row[0] for row in rows.values()} == {"DONE"}
    assert len(ai_rows(conn)) == 6
