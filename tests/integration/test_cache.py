"""ai_analysis_cache on real PostgreSQL: TTL, atomic hit counting, one row per hash, purge."""

from __future__ import annotations

import threading

import psycopg
import psycopg.types.json
import pytest

from healer_ops.analysis import cache
from healer_ops.analysis.model import Analysis, Recommendation


def analysis(analyzer: str = "local", confidence: float = 0.9) -> Analysis:
    return Analysis(diagnosis_type="PLUGIN_CONFLICT", confidence=confidence, culprit="acme",
                    culprit_kind="plugin", reasoning="fatal in acme", analyzer=analyzer,
                    model="local" if analyzer == "local" else "gpt-4.1-mini",
                    tokens_used=0 if analyzer == "local" else 1200,
                    cost_usd=0.0 if analyzer == "local" else 0.0011,
                    recommendations=[Recommendation(command="wp plugin deactivate acme")])


def store(conn, key: str = "h1", item: Analysis | None = None, ttl_days: int = 30):
    return cache.store(conn, input_hash=key, diagnosis_type="PLUGIN_CONFLICT",
                       error_signature="fatal error in <root>/wp-content/plugins/acme/x.php",
                       log_sample="[REDACTED] log", analysis=item or analysis(),
                       response_time_ms=12, ttl_days=ttl_days)


def test_miss_store_then_hits_count_uses_from_one(conn):
    """hit_count counts uses as the plan defines it: the analysis that stored the row is its
    first use, each hit one more."""
    assert cache.lookup(conn, "h1") is None
    row, wrote = store(conn)
    assert wrote and row.hit_count == 1
    assert (row.expires_at - row.created_at).days == 30
    for expected in (2, 3, 4):
        hit = cache.lookup(conn, "h1")
        assert hit.hit_count == expected
        assert hit.analysis.culprit == "acme"
    count, last_used, created = conn.execute(
        "SELECT hit_count, last_used_at, created_at FROM ai_analysis_cache").fetchone()
    assert count == 4 and last_used >= created


def test_expired_rows_are_misses_and_get_replaced(conn):
    store(conn)
    conn.execute("UPDATE ai_analysis_cache SET expires_at = now() - interval '1 second', "
                 "hit_count = 7")
    conn.commit()
    assert cache.lookup(conn, "h1") is None
    row, wrote = store(conn, item=analysis(confidence=0.5))
    assert wrote and row.hit_count == 1 and row.analysis.confidence == 0.5
    assert conn.execute("SELECT count(*) FROM ai_analysis_cache").fetchone()[0] == 1


def test_llm_answer_replaces_a_local_row_but_not_the_reverse(conn):
    store(conn, item=analysis("local"))
    assert cache.lookup(conn, "h1", llm_only=True) is None  # openai mode ignores local rows
    row, wrote = store(conn, item=analysis("openai"))
    assert wrote and row.analysis.analyzer == "openai"
    row, wrote = store(conn, item=analysis("local"))
    assert not wrote and row.analysis.analyzer == "openai"
    assert cache.lookup(conn, "h1", llm_only=True).analysis.analyzer == "openai"


def test_concurrent_workers_one_row_exact_hit_counts(db_url):
    """24 workers miss the same hash at the same moment, then 50 lookups race: one row, and
    hit_count equals exactly the number of hits the workers saw."""
    workers, lookups = 24, 50
    barrier = threading.Barrier(workers)
    outcome: list[tuple[bool, bool]] = []  # (hit, wrote)
    lock = threading.Lock()

    def worker():
        with psycopg.connect(db_url, autocommit=True) as conn:
            barrier.wait()
            hit = cache.lookup(conn, "shared")
            wrote = False
            if hit is None:
                row, wrote = store(conn, key="shared")
                assert row.analysis.culprit == "acme"
            with lock:
                outcome.append((hit is not None, wrote))

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcome) == workers
    assert sum(wrote for _, wrote in outcome) == 1
    first_hits = sum(hit for hit, _ in outcome)

    seen: list[int] = []

    def reader():
        with psycopg.connect(db_url, autocommit=True) as conn:
            for _ in range(lookups // 10):
                seen.append(cache.lookup(conn, "shared").hit_count)

    readers = [threading.Thread(target=reader) for _ in range(10)]
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT hit_count FROM ai_analysis_cache WHERE input_hash = "
                            "'shared'").fetchall()
    assert len(rows) == 1
    assert rows[0][0] == 1 + first_hits + lookups  # the storing use, then every hit
    assert sorted(seen) == list(range(first_hits + 2, first_hits + lookups + 2))  # none lost


def test_purge_deletes_expired_rows_in_batches(conn):
    for n in range(25):
        store(conn, key=f"old{n}")
    for n in range(3):
        store(conn, key=f"live{n}")
    conn.execute("UPDATE ai_analysis_cache SET expires_at = now() - interval '1 day' "
                 "WHERE input_hash LIKE 'old%'")
    conn.commit()
    assert cache.purge_expired(conn, batch_size=10) == {"deleted": 25, "batches": 3}
    left = {r[0] for r in conn.execute("SELECT input_hash FROM ai_analysis_cache")}
    assert left == {"live0", "live1", "live2"}
    assert cache.purge_expired(conn, batch_size=10) == {"deleted": 0, "batches": 0}


def test_purge_rejects_a_bad_batch_size(conn):
    with pytest.raises(ValueError, match="batch_size"):
        cache.purge_expired(conn, batch_size=0)


def test_cache_stats_count_hits_and_what_they_saved(conn):
    from datetime import UTC, datetime, timedelta

    from psycopg.types.json import Jsonb

    from healer_ops.analysis.cache_stats import cache_stats

    store(conn, item=analysis("openai").model_copy(update={"tokens_used": 900,
                                                            "cost_usd": 0.0012}))
    site = conn.execute("INSERT INTO wp_sites (domain, url) VALUES ('s.test', 'https://s.test/')"
                        " RETURNING id").fetchone()[0]
    now = datetime.now(UTC)
    for hit, tokens, cost, when in ((False, 900, 0.0012, now - timedelta(hours=2)),
                                    (True, 0, 0, now - timedelta(hours=1)),
                                    (True, 0, 0, now - timedelta(days=40))):
        conn.execute(
            "INSERT INTO healer_executions (site_id, diagnosis_type, status, logs_analyzed,"
            " ai_status, ai_analysis, ai_tokens_used, ai_cost_usd, ai_analyzed_at)"
            " VALUES (%s, 'DB_ERROR', 'FAILED', 'x', 'DONE', %s, %s, %s, %s)",
            (site, Jsonb({"input_hash": "h1", "cache_hit": hit}), tokens, cost, when))
    conn.commit()
    stats = cache_stats(conn)
    assert (stats["entries"], stats["analyses"], stats["hits"]) == (1, 2, 1)
    assert stats["hit_rate"] == 0.5
    assert stats["tokens_saved"] == 900 and stats["usd_saved"] == pytest.approx(0.0012)
    assert stats["tokens_spent"] == 900
    assert cache_stats(conn, since=now - timedelta(days=60))["hits"] == 2
    with pytest.raises(ValueError, match="before until"):
        cache_stats(conn, since=now, until=now - timedelta(days=1))


def test_migration_counts_existing_rows_from_one_and_fills_reasoning(pg_admin_url, tmp_path):
    """Rows written under the old contract (hit_count from 0, reasoning possibly empty) are
    migrated: hit_count + 1, a reasoning from the root cause; diagnosis_type is indexed."""
    import shutil
    import uuid

    from healer_ops import db

    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(db.migrations_dir().glob("*.sql")):
        if path.name < "0020":
            shutil.copy(path, before / path.name)
    name = f"healer_t_mig_{uuid.uuid4().hex[:8]}"
    db.ensure_database(pg_admin_url, name)
    url = db.with_database(pg_admin_url, name)
    try:
        db.migrate(url, folder=before)
        with psycopg.connect(url) as conn:
            for key, hits, reasoning, root in (("a", 0, "", "The acme plugin fatals."),
                                               ("b", 3, None, ""), ("c", 5, "why", "x")):
                conn.execute(
                    "INSERT INTO ai_analysis_cache (input_hash, diagnosis_type,"
                    " error_signature, log_sample, analysis, confidence, reasoning, model,"
                    " hit_count) VALUES (%s, 'PLUGIN_CONFLICT', 's', 'l', %s, 0.9, %s, 'local',"
                    " %s)", (key, psycopg.types.json.Jsonb({"root_cause": root}), reasoning,
                             hits))
        db.migrate(url)
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT input_hash, hit_count, reasoning FROM"
                                " ai_analysis_cache ORDER BY 1").fetchall()
            assert rows == [("a", 1, "The acme plugin fatals."),
                            ("b", 4, "Diagnosed as PLUGIN_CONFLICT from the error signature."),
                            ("c", 6, "why")]
            indexed = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename ="
                                   " 'ai_analysis_cache' AND indexdef LIKE"
                                   " '%(diagnosis_type)%'").fetchall()
            assert len(indexed) == 1
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("UPDATE ai_analysis_cache SET reasoning = ' ' WHERE input_hash"
                             " = 'c'")
    finally:
        db.drop_database(pg_admin_url, name)


def test_an_analysis_always_has_a_reasoning():
    empty = Analysis(diagnosis_type="CACHE", confidence=0.5, reasoning="  ")
    assert empty.reasoning == "Diagnosed as CACHE from the error signature."
    assert Analysis(diagnosis_type="CACHE", confidence=0.5, root_cause="Redis is down.",
                    reasoning="").reasoning == "Redis is down."
