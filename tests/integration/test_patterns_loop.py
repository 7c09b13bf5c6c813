"""Closing the loop on real PostgreSQL: analyses feed patterns (matching by error signature,
candidates), confident analyses become the next attempt's plan, people's decisions survive
refreshes, versions and rollback, proposals from analyzed failures, and the history."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.types.json import Jsonb

from healer_ops.analysis.executions import analyze_failed_executions
from healer_ops.analysis.model import Analysis, Recommendation
from healer_ops.devkit.fleet.generator import generate_fleet
from healer_ops.notify import REVIEW_MARKER
from healer_ops.patterns import people, refresh_patterns, views
from healer_ops.patterns.learn import signature_key

pytest_plugins = ("openai_server",)

END = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
FATAL = ("[{when} UTC] PHP Fatal error:  Uncaught Error: Call to undefined function "
         "acme_boot() in {root}/wp-content/plugins/acme-forms/inc/boot.php:{line}\n"
         "Stack trace:\n#0 {{main}}\n  thrown in {root}/wp-content/plugins/acme-forms/inc/"
         "boot.php on line {line}")
OTHER_FATAL = ("[{when} UTC] PHP Fatal error:  Uncaught TypeError: count(): Argument #1 must be "
               "of type Countable|array, null given in {root}/wp-content/plugins/acme-forms/"
               "inc/list.php:{line}")
WOO_FATAL = ("PHP Fatal error:  Uncaught Error: Call to undefined function wcs_boot() in "
             "{root}/wp-content/plugins/woocommerce-subscriptions/boot.php:{line}")


def _site(conn, n: int) -> str:
    site_id = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url, path) VALUES (%s, %s, %s, %s)",
                 (site_id, f"site{n}.example.test", f"http://site{n}.example.test/",
                  f"/home/site{n}/public_html"))
    return site_id


def _failed(conn, site_id: str, log: str, started: datetime, pattern_id=None,
            execution_logs: str = "healer: run 1") -> str:
    execution_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO healer_executions (id, site_id, diagnosis_type, status, was_successful,"
        " started_at, logs_analyzed, pattern_id, suggested_action, suggested_commands,"
        " execution_logs) VALUES (%s, %s, 'WSOD', 'FAILED', false, %s, %s, %s,"
        " 'phase1: restart php', %s, %s)",
        (execution_id, site_id, started, log, pattern_id, Jsonb(["wp cache flush"]),
         execution_logs))
    return execution_id


def _execution(conn, execution_id: str) -> dict:
    cur = conn.execute("SELECT * FROM healer_executions WHERE id = %s", (execution_id,))
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def _pattern(conn, pattern_id) -> dict:
    cur = conn.execute("SELECT * FROM healing_patterns WHERE id = %s", (pattern_id,))
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


# --------------------------------------------------------------- analyses feed patterns

def test_one_fault_on_many_sites_is_one_candidate_pattern(db_url, conn, local_analyzer):
    sites = [_site(conn, n) for n in range(4)]
    same = [_failed(conn, site, FATAL.format(when=f"1{n}-Mar-2025 0{n}:12:0{n}",
                                             root=f"/home/site{n}/public_html", line=40 + n),
                    END - timedelta(hours=n + 1)) for n, site in enumerate(sites[:3])]
    other = _failed(conn, sites[3], OTHER_FATAL.format(when="14-Mar-2025 09:00:00",
                                                        root="/var/www/html", line=7),
                    END - timedelta(hours=5))
    conn.commit()
    summary = analyze_failed_executions(db_url, analyzer="local", local=local_analyzer)
    assert summary["analyzed"] == 4

    rows = [_execution(conn, e) for e in same]
    pattern_ids = {r["ai_pattern_id"] for r in rows}
    assert len(pattern_ids) == 1 and None not in pattern_ids  # one fault, one pattern
    assert sorted(r["ai_pattern_match"] for r in rows) == ["created", "signature", "signature"]
    assert all(r["pattern_id"] is None for r in rows)  # the analysis lends no evidence
    candidate = _pattern(conn, pattern_ids.pop())
    assert candidate["origin"] == "analysis" and candidate["ai_enhanced"]
    assert candidate["ai_confidence"] == pytest.approx(rows[0]["ai_confidence"])
    assert candidate["diagnosis_type"] == "PLUGIN_CONFLICT"
    assert candidate["culprit"] == "acme-forms"
    assert candidate["commands"] == ["wp plugin deactivate acme-forms --skip-plugins "
                                     "--skip-themes"]
    assert not candidate["auto_approved"]
    analysis = rows[0]["ai_analysis"]
    assert candidate["signature_key"] == signature_key(
        "PLUGIN_CONFLICT", "acme-forms", analysis["error_signature"])
    assert "/home/site0" not in candidate["error_pattern"]  # learned from the redacted log

    other_row = _execution(conn, other)
    assert other_row["ai_pattern_id"] not in (None, candidate["id"])  # another fault

    # never approved until it has evidence of its own, whatever the analysis' confidence
    summary = refresh_patterns(db_url, END)
    assert summary["candidates"] == 2 and summary["auto_approved"] == 0
    candidate = _pattern(conn, candidate["id"])
    assert not candidate["auto_approved"]
    assert candidate["decision_reason"].startswith("candidate from an AI analysis, no uses")
    events = views.show_pattern(conn, str(candidate["id"]))["events"]
    assert [e["event"] for e in events] == ["created"]


def test_a_confident_analysis_becomes_the_next_attempts_plan(db_url, conn, local_analyzer):
    site = _site(conn, 1)
    execution_id = _failed(conn, site, FATAL.format(when="14-Mar-2025 10:00:00",
                                                    root="/srv/www", line=12), END)
    woo = _failed(conn, site, WOO_FATAL.format(root="/srv/www", line=3), END)
    conn.commit()
    analyze_failed_executions(db_url, analyzer="local", local=local_analyzer)
    row = _execution(conn, execution_id)
    assert row["ai_confidence"] > 0.8
    plan = ["wp plugin deactivate acme-forms --skip-plugins --skip-themes"]
    assert row["suggested_commands"] == plan
    assert row["suggested_action"].startswith("AI plan, confidence")
    assert row["ai_suggestion"]["used"] and row["ai_suggestion"]["replaced"] == {
        "suggested_action": "phase1: restart php", "suggested_commands": ["wp cache flush"]}
    lines = row["execution_logs"].splitlines()
    assert lines[0] == "healer: run 1" and lines[1].startswith("[healer-ops AI] PLUGIN_CONFLICT")
    assert plan[0] in lines[1]

    # the blacklisted plugin's fix is advice only: nothing replaces Healer's own plan
    woo_row = _execution(conn, woo)
    assert woo_row["ai_recommendations"]  # the advice is there ...
    assert not woo_row["ai_suggestion"]["used"]  # ... but it is not the plan
    assert "kept as advice" in woo_row["ai_suggestion"]["why"]
    assert woo_row["suggested_commands"] == ["wp cache flush"]
    assert woo_row["execution_logs"] == "healer: run 1"

    # learning again (the refresh's catch-up) neither re-plans nor repeats the insight
    conn.execute("UPDATE healer_executions SET ai_pattern_match = NULL")
    conn.commit()
    assert refresh_patterns(db_url, END + timedelta(days=1))["learned"] == 2
    again = _execution(conn, execution_id)
    assert again["execution_logs"] == row["execution_logs"]
    assert again["suggested_commands"] == plan and again["ai_pattern_id"] == row["ai_pattern_id"]


class _Unsure:
    """A local analyzer that is not sure (confidence 0.6): its fix stays advice."""

    version = "unsure-1"

    def analyze(self, log: str) -> Analysis:
        return Analysis(diagnosis_type="PLUGIN_CONFLICT", confidence=0.6, culprit="acme-forms",
                        culprit_kind="plugin", root_cause="maybe acme-forms",
                        recommendations=[Recommendation(
                            command="wp plugin deactivate acme-forms --skip-plugins "
                                    "--skip-themes")])


def test_an_unsure_analysis_is_kept_as_advice(db_url, conn):
    execution_id = _failed(conn, _site(conn, 1), FATAL.format(when="x", root="/a", line=1),
                           END)
    conn.commit()
    analyze_failed_executions(db_url, analyzer="local", local=_Unsure())
    row = _execution(conn, execution_id)
    assert row["ai_suggestion"] == {"used": False, "commands": [], "pattern_id": str(
        row["ai_pattern_id"]), "pattern_version": 1,
        "why": "confidence 0.60 is not above 0.8: kept as advice"}
    assert row["suggested_commands"] == ["wp cache flush"]
    # the candidate still records the fault, with the analysis' (low) confidence
    assert _pattern(conn, row["ai_pattern_id"])["ai_confidence"] == pytest.approx(0.6)


def test_failures_find_the_phase1_pattern_they_ran_or_whose_regex_matches(db_url, conn,
                                                                          local_analyzer):
    generate_fleet(db_url, sites=6, days=1, seed=7, end=END, metrics_to_db=True)
    revslider = conn.execute(
        "SELECT p.id, e.logs_analyzed FROM healing_patterns p JOIN healer_executions e ON"
        " e.pattern_id = p.id WHERE p.culprit = 'revslider' LIMIT 1").fetchone()
    # the same fault elsewhere, before any analysis learned its signature, without a pattern
    elsewhere = _failed(conn, _site(conn, 99), revslider[1].replace("/home/", "/srv/users/"),
                        END - timedelta(days=400))
    conn.commit()
    analyze_failed_executions(db_url, limit=1, analyzer="local", local=local_analyzer)
    row = _execution(conn, elsewhere)
    assert (row["ai_pattern_id"], row["ai_pattern_match"]) == (revslider[0], "error_pattern")
    assert row["pattern_id"] is None

    analyze_failed_executions(db_url, analyzer="local", local=local_analyzer)
    ran = conn.execute(
        "SELECT count(*) FILTER (WHERE e.ai_pattern_id = e.pattern_id),"
        " count(*) FILTER (WHERE e.ai_pattern_match = 'created') FROM healer_executions e"
        " JOIN healing_patterns p ON p.id = e.pattern_id"
        " WHERE e.ai_status = 'DONE' AND p.diagnosis_type = e.ai_analysis->>'diagnosis_type'"
        " AND p.culprit = coalesce(e.ai_analysis->>'culprit', '')").fetchone()
    assert ran[0] > 10 and ran[1] == 0  # a failed use of a pattern is matched to it
    matched = dict(conn.execute("SELECT ai_pattern_match, count(*) FROM healer_executions"
                                " WHERE ai_status = 'DONE' GROUP BY 1").fetchall())
    assert matched["used"] > 0 and matched["signature"] > matched["created"]
    # every analyzed failure is learned from; those with no fix to learn name no pattern
    unmatched = conn.execute("SELECT count(*) FROM healer_executions WHERE ai_status = 'DONE'"
                             " AND (ai_pattern_match IS NULL OR (ai_pattern_id IS NULL AND"
                             " ai_pattern_match <> 'none'))").fetchone()[0]
    assert unmatched == 0


# -------------------------------------------------------------------- people decide

def _by_key(conn, diagnosis_type, error_type, culprit="") -> dict:
    cur = conn.execute("SELECT * FROM healing_patterns WHERE diagnosis_type = %s AND "
                       "error_type = %s AND culprit = %s AND signature_key = ''",
                       (diagnosis_type, error_type, culprit))
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def _uses(conn, pattern_id, outcomes, start):
    site_id = conn.execute("SELECT id FROM wp_sites LIMIT 1").fetchone()[0]
    for i, ok in enumerate(outcomes):
        conn.execute(
            "INSERT INTO healer_executions (site_id, pattern_id, diagnosis_type, status,"
            " was_successful, started_at, logs_analyzed) VALUES (%s, %s, 'X', %s, %s, %s, 'x')",
            (site_id, pattern_id, "SUCCESS" if ok else "FAILED", ok,
             start + timedelta(hours=i + 1)))
    conn.commit()


def test_human_decisions_survive_refreshes(db_url, conn, caplog):
    generate_fleet(db_url, sites=6, days=1, seed=7, end=END, metrics_to_db=True)
    refresh_patterns(db_url, END)
    thin = _by_key(conn, "PLUGIN_CONFLICT", "UNDEFINED_METHOD", "wp-mail-smtp")
    strong = _by_key(conn, "MAINTENANCE", "STUCK_MAINTENANCE")
    revslider = _by_key(conn, "PLUGIN_CONFLICT", "UNDEFINED_FUNCTION", "revslider")
    assert not thin["auto_approved"] and strong["auto_approved"] and revslider["auto_approved"]
    with pytest.raises(people.PatternError, match="why"):
        people.decide_as_person(conn, str(thin["id"]), "approve", "alice", " ")
    people.decide_as_person(conn, str(thin["id"])[:8], "approve", "alice",
                            "vendor confirmed the fix")
    people.decide_as_person(conn, str(strong["id"]), "reject", "bob", "masks the real fault")
    people.decide_as_person(conn, str(revslider["id"]), "pin", "carol", "freeze for the audit")
    conn.commit()

    next_day = END + timedelta(days=1)
    _uses(conn, revslider["id"], [False, False, False], END)  # would revoke an automatic one
    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        summary = refresh_patterns(db_url, next_day)
        again = refresh_patterns(db_url, next_day + timedelta(days=1))
    thin, strong, revslider = (_pattern(conn, p["id"]) for p in (thin, strong, revslider))
    assert thin["auto_approved"] and thin["approved_by"] == "alice"
    assert thin["approval_reason"] == "approved by alice: vendor confirmed the fix"
    assert not strong["auto_approved"] and strong["human_decision"] == "rejected"
    assert revslider["auto_approved"] and revslider["human_decision"] == "pinned"
    assert "the last 3 uses failed" in revslider["review_reason"]  # flagged, not revoked
    assert revslider["review_requested_at"] == next_day
    notices = [r for r in caplog.records if r.getMessage().startswith(REVIEW_MARKER)]
    assert len(notices) == 1 and str(revslider["id"]) in notices[0].getMessage()  # once
    assert summary["needs_review"] == 1 and again["needs_review"] == 1
    assert [p["id"] for p in views.list_patterns(conn, state="review")] == [str(revslider["id"])]
    events = [(e["event"], e["actor"]) for e in
              views.show_pattern(conn, str(revslider["id"]))["events"]]
    assert ("review_requested", "healer-ops") in events and ("pinned", "carol") in events

    # a person looks and hands it back: automation revokes on the bad evidence
    people.decide_as_person(conn, str(revslider["id"]), "release", "carol", "audit done")
    conn.commit()
    refresh_patterns(db_url, next_day + timedelta(days=2))
    revslider = _pattern(conn, revslider["id"])
    assert not revslider["auto_approved"] and revslider["human_decision"] is None
    assert revslider["review_reason"] is None and "failed" in revslider["revoked_reason"]


def test_unsafe_commands_cannot_be_approved_by_a_person(db_url, conn):
    generate_fleet(db_url, sites=4, days=1, seed=7, end=END, metrics_to_db=True)
    wsod = _by_key(conn, "WSOD", "")
    with pytest.raises(people.PatternError, match="destructive"):
        people.decide_as_person(conn, str(wsod["id"]), "approve", "alice", "it works")
    with pytest.raises(KeyError, match="no healing pattern"):
        people.decide_as_person(conn, "ffffffff", "approve", "alice", "x")


# ------------------------------------------------------------- versions and rollback

def test_edit_and_rollback_keep_versions_with_their_stats(db_url, conn):
    generate_fleet(db_url, sites=4, days=1, seed=7, end=END, metrics_to_db=True)
    refresh_patterns(db_url, END)
    cache = _by_key(conn, "CACHE", "ADVANCED_CACHE_DROPIN")
    v1_commands, v1_uses = cache["commands"], cache["success_count"] + cache["failure_count"]
    assert cache["auto_approved"] and v1_uses >= 20
    edited_at = END + timedelta(days=1)  # after every use the fleet made
    people.edit(conn, str(cache["id"]), ["wp cache flush"], "alice", "try a flush",
                at=edited_at)
    conn.commit()
    cache = _pattern(conn, cache["id"])
    assert cache["version"] == 2 and cache["commands"] == ["wp cache flush"]
    assert not cache["auto_approved"] and cache["success_count"] == 0
    _uses(conn, cache["id"], [True, False, False], edited_at)
    refresh_patterns(db_url, END + timedelta(days=2))
    rolled_at = END + timedelta(days=2, hours=2)
    people.rollback(conn, str(cache["id"]), None, "bob", "the flush does not help",
                    approve=True, at=rolled_at)
    conn.commit()
    cache = _pattern(conn, cache["id"])
    assert cache["version"] == 3 and cache["commands"] == v1_commands
    assert cache["auto_approved"] and cache["approved_by"] == "bob"
    shown = views.show_pattern(conn, str(cache["id"]))
    versions = {v["version"]: v for v in shown["versions"]}
    assert versions[1]["successes"] + versions[1]["failures"] == v1_uses
    assert versions[1]["kept_successes"] + versions[1]["kept_failures"] == v1_uses
    assert (versions[2]["successes"], versions[2]["failures"]) == (1, 2)
    assert versions[2]["replaced_because"] == "rollback to version 1: by bob: the flush " \
                                              "does not help"
    assert versions[2]["next_restores"] == 1 and versions[2]["replaced_by"] == "bob"
    assert versions[3]["current"] and versions[3]["successes"] == 0
    events = [(e["event"], e["actor"]) for e in shown["events"]]
    assert ("edited", "alice") in events and ("rolled_back", "bob") in events
    assert ("approved", "bob") in events
    with pytest.raises(people.PatternError, match="roll back to one of 1..2"):
        people.rollback(conn, str(cache["id"]), 3, "bob", "x")

    history = views.daily_history(conn, str(cache["id"]), days=3, until=END + timedelta(days=3))
    assert [h["day"] for h in history] == ["2025-03-15", "2025-03-16", "2025-03-17",
                                           "2025-03-18"]
    day = {h["day"]: h for h in history}["2025-03-16"]
    assert (day["uses"], day["version"]) == (3, 2)
    assert day["version_success_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert 0 < day["rolling_success_rate"] < 0.5 and day["wilson_lower_bound"] < 0.5


def _analyzed_failure(conn, pattern_id, started, commands, confidence=0.95):
    site_id = conn.execute("SELECT id FROM wp_sites LIMIT 1").fetchone()[0]
    analysis = {"diagnosis_type": "PLUGIN_CONFLICT", "culprit": "the-events-calendar",
                "confidence": confidence, "error_signature": "sig",
                "recommendations": [{"command": c, "auto": True} for c in commands]}
    conn.execute(
        "INSERT INTO healer_executions (site_id, pattern_id, diagnosis_type, status,"
        " was_successful, started_at, logs_analyzed, ai_status, ai_analysis, ai_confidence,"
        " ai_pattern_match) VALUES (%s, %s, 'PLUGIN_CONFLICT', 'FAILED', false, %s, 'x',"
        " 'DONE', %s, %s, 'used')", (site_id, pattern_id, started, Jsonb(analysis), confidence))


def test_repeated_analyzed_failures_propose_the_next_version(db_url, conn, caplog):
    generate_fleet(db_url, sites=4, days=1, seed=7, end=END, metrics_to_db=True)
    refresh_patterns(db_url, END)
    calendar = _by_key(conn, "PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "the-events-calendar")
    optimize = _by_key(conn, "PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "wp-optimize")
    deactivate = ["wp plugin deactivate the-events-calendar --skip-plugins --skip-themes"]
    for n in range(3):
        _analyzed_failure(conn, calendar["id"], END + timedelta(hours=n + 1), deactivate)
    people.decide_as_person(conn, str(optimize["id"]), "pin", "dora", "keep for now")
    other = ["wp plugin deactivate wp-optimize --skip-plugins --skip-themes"]
    for n in range(3):
        _analyzed_failure(conn, optimize["id"], END + timedelta(hours=n + 1), [])
        conn.execute("UPDATE healer_executions SET ai_analysis = jsonb_set(ai_analysis,"
                     " '{recommendations}', %s) WHERE pattern_id = %s AND ai_status = 'DONE'",
                     (Jsonb([{"command": other[0], "auto": True}]), optimize["id"]))
    conn.commit()
    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        summary = refresh_patterns(db_url, END + timedelta(days=1))
    calendar, optimize = _pattern(conn, calendar["id"]), _pattern(conn, optimize["id"])
    assert calendar["version"] == 2 and calendar["commands"] == deactivate
    assert summary["versioned"] >= 1 and summary["proposed"] == 1
    old = views.show_pattern(conn, str(calendar["id"]))["versions"][0]
    assert "proposed by the analyzer: 3 of the 3 latest analyzed failures" in \
        old["replaced_because"]
    # the pinned pattern keeps its commands: the change waits for a person
    assert optimize["version"] == 1 and optimize["proposal"]["commands"] == other
    assert "a person decided on this pattern (pinned by dora)" in optimize["review_reason"]
    assert any(REVIEW_MARKER in r.getMessage() for r in caplog.records)
    people.edit(conn, str(optimize["id"]), None, "dora", "take the proposal",
                use_proposal=True)
    conn.commit()
    optimize = _pattern(conn, optimize["id"])
    assert optimize["commands"] == other and optimize["proposal"] is None
    assert optimize["human_decision"] == "pinned"  # a pin is about automation: it stays


# ------------------------------------------------- learning is idempotent, order-free

PHASE1 = "00000000-0000-4000-8000-0000000000a1"


def _analyzed(conn, n: int, confidence: float, signature: str) -> tuple[str, dict]:
    """A failed execution that ran the Phase 1 pattern, analyzed (DONE) as its fault."""
    site = _site(conn, n)
    execution_id = f"00000000-0000-4000-8000-{n:012d}"
    log = FATAL.format(when=f"1{n % 10}-Mar-2025 01:00:00", root=f"/home/site{n}",
                       line=40 + n)
    analysis = Analysis(diagnosis_type="PLUGIN_CONFLICT", confidence=confidence,
                        culprit="acme-forms", root_cause="acme-forms calls an undefined "
                        "function").model_dump(mode="json")
    conn.execute(
        "INSERT INTO healer_executions (id, site_id, diagnosis_type, status, was_successful,"
        " started_at, logs_analyzed, pattern_id, ai_status, ai_confidence, ai_analysis,"
        " ai_analyzed_at) VALUES (%s, %s, 'PLUGIN_CONFLICT', 'FAILED', false, %s, %s, %s,"
        " 'DONE', %s, %s, %s)",
        (execution_id, site, END - timedelta(hours=n), log, PHASE1, confidence,
         Jsonb({**analysis, "error_signature": signature}), END))
    return execution_id, {"analysis": analysis, "signature": signature, "log": log}


def _learning_fleet(conn, analyses: list[tuple[float, str]]) -> dict[str, dict]:
    conn.execute("INSERT INTO healing_patterns (id, diagnosis_type, culprit, error_pattern,"
                 " commands) VALUES (%s, 'PLUGIN_CONFLICT', 'acme-forms', 'acme_boot', %s)",
                 (PHASE1, Jsonb(["wp plugin deactivate acme-forms"])))
    made = dict(_analyzed(conn, n + 1, confidence, signature)
                for n, (confidence, signature) in enumerate(analyses))
    conn.commit()
    return made


def _learn(conn, made: dict[str, dict], order: list[str]) -> None:
    from healer_ops.patterns.learn import AnalyzedFailure, learn_from_analysis

    for execution_id in order:
        item = made[execution_id]
        with conn.transaction():
            learn_from_analysis(conn, AnalyzedFailure(execution_id, item["analysis"],
                                                      item["signature"], item["log"]))
    conn.commit()


def _learned_rows(conn) -> dict[str, list]:
    """What learning writes, floats exact (times it stamps with now() left out)."""
    def rows(sql: str) -> list:
        cur = conn.execute(sql)
        return [tuple(repr(v) if isinstance(v, float) else v for v in row)
                for row in cur.fetchall()]

    return {
        "patterns": rows("SELECT id, version, origin, ai_enhanced, ai_confidence, commands, "
                         "error_pattern, auto_approved, success_count, failure_count, "
                         "confidence, avg_success_rate FROM healing_patterns ORDER BY id"),
        "executions": rows("SELECT id, ai_pattern_id, ai_pattern_match, ai_suggestion, "
                           "suggested_commands, suggested_action, execution_logs "
                           "FROM healer_executions ORDER BY id"),
        "signatures": rows("SELECT signature_key, pattern_id, matched_by "
                           "FROM healing_pattern_signatures ORDER BY signature_key"),
        "events": rows("SELECT pattern_id, version, event, reason FROM healing_pattern_events "
                       "ORDER BY pattern_id, event, reason"),
    }


def test_learning_from_the_same_analyses_again_leaves_the_same_rows(db_url, conn):
    # a retry, or the refresh catching up: the first learning's rows stand, how each
    # execution found its pattern included ("used" stays "used", not "signature")
    made = _learning_fleet(conn, [(0.95, "sig-a"), (0.9, "sig-a"), (0.85, "sig-b")])
    order = sorted(made)
    _learn(conn, made, order)
    first = _learned_rows(conn)
    assert sorted(r[2] for r in first["executions"]) == ["signature", "used", "used"]
    _learn(conn, made, order)
    assert _learned_rows(conn) == first
    _learn(conn, made, order[::-1])
    assert _learned_rows(conn) == first


def test_learning_in_another_order_gives_the_same_rows(db_url, conn, pg_admin_url):
    # The pattern's ai_confidence is the mean of its analyses' confidences: derived from
    # the set, and added up exactly, so the order rows are learned (and laid out) in cannot
    # move its last bits (0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1 in floating point).
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from healer_ops import db

    confidences = [0.1, 0.2, 0.3]  # mean 0.20000000000000004 added up in this order
    made = _learning_fleet(conn, [(c, f"sig-{n}") for n, c in enumerate(confidences)])
    conn.close()
    name = conninfo_to_dict(db_url)["dbname"]
    other = f"{name}_other"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{other}" TEMPLATE "{name}"')
    other_url = db.with_database(pg_admin_url, other)
    try:
        learned = []
        for url, order in ((db_url, sorted(made)), (other_url, sorted(made, reverse=True))):
            with psycopg.connect(url) as each:
                _learn(each, made, order)
                learned.append(_learned_rows(each))
    finally:
        db.drop_database(pg_admin_url, other)
    assert learned[0] == learned[1]
    [pattern] = learned[0]["patterns"]
    assert float(pattern[4]) == pytest.approx(sum(confidences) / len(confidences))
