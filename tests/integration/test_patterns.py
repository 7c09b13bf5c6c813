"""Pattern learning: honest confidence, safe auto-approval, revocation, versions, and learned
regexes that keep matching; on a real PostgreSQL and through a real DAG run."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from healer_ops import patterns
from healer_ops.devkit.evaluate.patterns import score_patterns
from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.generator import generate_fleet
from healer_ops.devkit.fleet.history import HistoryBuilder
from healer_ops.devkit.fleet.sites import make_sites
from healer_ops.patterns import (
    Policy,
    command_problems,
    decide,
    error_pattern_from_log,
    known_fix,
    matches,
    refresh_patterns,
    wilson_lower_bound,
)

END = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
BLACKLIST = ["woocommerce", "woocommerce-*"]


# ------------------------------------------------------------------------ statistics

def test_wilson_lower_bound_is_honest_about_small_samples():
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(5, 5) == pytest.approx(0.566, abs=0.001)  # Phase 1 approved this
    assert wilson_lower_bound(48, 48) > 0.92
    assert wilson_lower_bound(19, 20) < wilson_lower_bound(38, 40) < 0.95
    assert wilson_lower_bound(10, 10) < 0.75 < wilson_lower_bound(30, 30)


# -------------------------------------------------------------------- learned regexes

@pytest.fixture(scope="module")
def builder():
    return HistoryBuilder(make_sites(12, 3, END), 3, END)


@pytest.mark.parametrize("recipe,fixed", [
    ("plugin_fatal", {"error_type": "UNDEFINED_FUNCTION"}),
    ("plugin_fatal", {"error_type": "CLASS_NOT_FOUND"}),
    ("theme_fatal", {}),
    ("syntax", {"where": "plugin"}),
    ("memory", {}),
    ("db", {"kind": "DB_ACCESS_DENIED", "error_type": "DB_ACCESS_DENIED"}),
    ("cron", {"error_type": "RESCHEDULE_ERROR"}),
    ("htaccess", {"error_type": "REDIRECT_LOOP"}),
    ("timeout", {"error_type": "UPSTREAM_TIMEOUT"}),
    ("disk_full", {"kind": "php_write"}),
])
def test_learned_pattern_matches_its_log_and_the_same_fault_on_another_site(builder, recipe,
                                                                            fixed):
    fault = logs.make_fault(recipe, np.random.default_rng(5), **fixed)
    other_fault = logs.make_fault(recipe, np.random.default_rng(6), **fixed)
    site_a, site_b = builder.sites[0], builder.sites[7]
    for style_a in logs.STYLES[1:]:
        ctx_a = builder.context(site_a, END)
        ctx_a.style = style_a
        source = fault.render(ctx_a)
        pattern = error_pattern_from_log(source)
        assert matches(pattern, source), (pattern, source)
        for style_b in logs.STYLES[1:]:
            ctx_b = builder.context(site_b, END - timedelta(days=3))
            ctx_b.style, ctx_b.php_version = style_b, site_a.php_version
            elsewhere = fault.render(ctx_b)
            assert site_a.path not in elsewhere and site_a.domain not in elsewhere
            assert matches(pattern, elsewhere), (pattern, elsewhere)
        if other_fault.culprit != fault.culprit:
            assert not matches(pattern, other_fault.render(builder.context(site_b, END)))


def test_wildcards_are_never_escaped_the_phase1_defect():
    log = ("[10-Mar-2025 14:03:22 UTC] PHP Fatal error:  Allowed memory size of 268435456 "
           "bytes exhausted (tried to allocate 20480 bytes) in /home/ivy12/public_html/"
           "wp-includes/class-wpdb.php on line 2345")
    pattern = error_pattern_from_log(log)
    assert r"\d+" in pattern and r"\\d\+" not in pattern
    other_site = log.replace("/home/ivy12/public_html", "/var/www/shop/htdocs").replace(
        "268435456", "134217728").replace("2345", "2019").replace("14:03", "09:41")
    assert matches(pattern, other_site)
    phase1 = re.escape(pattern)  # what Phase 1 stored: escaped after inserting wildcards
    assert not matches(phase1, log)


# ------------------------------------------------------------------------ safety

@pytest.mark.parametrize("command,diagnosis_type,culprit,problem", [
    ("wp plugin deactivate revslider --skip-plugins --skip-themes", "PLUGIN_CONFLICT",
     "revslider", None),
    ("wp config set WP_CACHE false --raw", "CACHE", "", None),
    ("wp maintenance-mode deactivate", "MAINTENANCE", "", None),
    ("wp db repair", "DB_ERROR", "", None),
    # a culprit's timeout goes to the plugin's runbook (taxonomy)
    ("wp plugin deactivate broken-link-checker", "TIMEOUT", "broken-link-checker", None),
    ("wp config set WP_MEMORY_LIMIT 256M --raw", "MEMORY_EXHAUSTION", "", "known-bad"),
    ("wp plugin deactivate woocommerce-subscriptions --skip-plugins --skip-themes",
     "PLUGIN_CONFLICT", "woocommerce-subscriptions", "blacklisted"),
    ("wp plugin deactivate woocommerce", "PLUGIN_CONFLICT", "woocommerce", "blacklisted"),
    ("chmod -R 777 wp-content/uploads", "PERMISSION", "", "not a WP-CLI command"),
    ("wp search-replace 'http://' 'https://' --skip-columns=guid", "SSL_TLS", "",
     "destructive"),
    ("wp plugin deactivate --all --skip-plugins --skip-themes", "WSOD", "", "destructive"),
    ("wp db reset --yes", "DB_ERROR", "", "destructive"),
    ("wp cache flush; rm -rf wp-content", "CACHE", "", "shell syntax"),
    ("wp option update home 'https://evil.example'", "HTACCESS_REDIRECT", "", "allow-list"),
    ("wp plugin deactivate jetpack", "PLUGIN_CONFLICT", "revslider", "allow-list"),
    ("wp cron event run --due-now", "PLUGIN_CONFLICT", "revslider", "allow-list"),
])
def test_command_problems(command, diagnosis_type, culprit, problem):
    found = command_problems(command, diagnosis_type, culprit, BLACKLIST)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_known_fix_quotes_the_memory_limit():
    assert known_fix("wp config set WP_MEMORY_LIMIT 256M --raw") == (
        "wp config set WP_MEMORY_LIMIT 256M", known_fix("wp config set WP_MEMORY_LIMIT 256M "
                                                        "--raw")[1])
    assert known_fix("wp config set WP_MAX_MEMORY_LIMIT '512M' --raw")[0] == \
        "wp config set WP_MAX_MEMORY_LIMIT 512M"
    assert known_fix("wp config set WP_MEMORY_LIMIT 256M") is None
    assert known_fix("wp config set WP_CACHE false --raw") is None


# --------------------------------------------------------------------- decisions

def _pattern(**overrides) -> dict:
    base = {"id": uuid.uuid4(), "commands": ["wp maintenance-mode deactivate"], "culprit": "",
            "diagnosis_type": "MAINTENANCE",
            "auto_approved": False, "approved_by": None, "approved_at": None,
            "approval_reason": None, "revoked_at": None, "revoked_reason": None}
    return {**base, **overrides}


def _stats(successes: int, failures: int, streak: int = 0, last_failed: int = 0) -> dict:
    return {"successes": successes, "failures": failures, "failure_streak": streak,
            "last_uses": min(10, successes + failures), "last_uses_failed": last_failed}


@pytest.mark.parametrize("pattern,stats,event,approved", [
    (_pattern(), _stats(30, 1), "approved", True),
    (_pattern(), _stats(5, 0), "held", False),  # Phase 1 approved this
    (_pattern(auto_approved=True, approved_by="phase1"), _stats(6, 0), "revoked", False),
    (_pattern(auto_approved=True, approved_by="phase1"), _stats(40, 1), "approved", True),
    (_pattern(auto_approved=True, approved_by="healer-ops"), _stats(40, 6, streak=2,
                                                                    last_failed=2),
     "revoked", False),
    (_pattern(auto_approved=True, approved_by="healer-ops"), _stats(40, 5, last_failed=3),
     "revoked", False),
    (_pattern(auto_approved=True, approved_by="healer-ops"), _stats(30, 5, last_failed=1),
     "kept", True),  # lower bound 0.70: under the approve bar, over the revoke bar
    (_pattern(auto_approved=True, approved_by="healer-ops"), _stats(20, 8, last_failed=1),
     "revoked", False),
    (_pattern(commands=["wp config set WP_MEMORY_LIMIT 256M --raw"],
              diagnosis_type="MEMORY_EXHAUSTION"), _stats(60, 0), "held", False),
    (_pattern(auto_approved=True, approved_by="healer-ops", diagnosis_type="PLUGIN_CONFLICT",
              culprit="woocommerce",
              commands=["wp plugin deactivate woocommerce --skip-plugins --skip-themes"]),
     _stats(60, 0), "revoked", False),
    # the sequential test: 19 of 20 approves, 18 of 20 does not, nor 12 of 12
    (_pattern(), _stats(19, 1), "approved", True),
    (_pattern(), _stats(18, 2), "held", False),
    (_pattern(), _stats(12, 0), "held", False),
    # people decide: automation keeps their decision, and flags evidence against it
    (_pattern(human_decision="approved", auto_approved=True, approved_by="alice"),
     _stats(2, 0), "human", True),
    (_pattern(human_decision="rejected", decided_by="bob"), _stats(60, 0), "human", False),
    (_pattern(human_decision="approved", auto_approved=True, approved_by="alice",
              decided_by="alice"), _stats(40, 6, streak=2, last_failed=2), "review", True),
    (_pattern(human_decision="pinned", auto_approved=False, decided_by="carol"),
     _stats(60, 0), "human", False),
])
def test_decisions(pattern, stats, event, approved):
    decision = decide(pattern, stats, Policy(), BLACKLIST, END)
    assert (decision.event, decision.auto_approved) == (event, approved), decision
    if event == "approved":
        assert decision.approved_by == "healer-ops" and decision.approved_at == END
        assert "Wilson lower bound" in decision.approval_reason
    if event == "revoked":
        assert decision.revoked_at == END and decision.revoked_reason
    if event == "review":
        assert decision.review_requested_at == END
        assert "the last 2 uses failed" in decision.review_reason
        assert decision.approved_by == "alice"
    assert "Wilson lower bound" in decision.decision_reason


# ---------------------------------------------------------------- on the database

def _state(conn) -> tuple:
    patterns_rows = conn.execute(
        "SELECT id, version, commands, error_pattern, success_count, failure_count, confidence,"
        " auto_approved, approved_by, approved_at, approval_reason, revoked_at, revoked_reason,"
        " decision_reason, version_started_at, recent_successes, recent_failures, updated_at"
        " FROM healing_patterns ORDER BY id").fetchall()
    versions = conn.execute("SELECT * FROM healing_pattern_versions ORDER BY pattern_id, version"
                            ).fetchall()
    return patterns_rows, versions


def _by_key(conn, diagnosis_type, error_type, culprit="") -> dict:
    cur = conn.execute("SELECT * FROM healing_patterns WHERE diagnosis_type = %s AND "
                       "error_type = %s AND culprit = %s", (diagnosis_type, error_type, culprit))
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def test_refresh_on_demo_fleet_approves_good_never_bad_and_is_idempotent(db_url, conn):
    generate_fleet(db_url, sites=12, days=2, seed=7, end=END, metrics_to_db=True)
    summary = refresh_patterns(db_url, END)
    score = score_patterns(db_url, END)
    assert score["good_approval_rate"] >= 0.5
    assert score["false_approvals"] == 0
    assert score["phase1_rule_false_approvals"] >= 3  # what the old rule did on this data
    assert summary["versioned"] == 2
    conn.commit()
    state = _state(conn)

    again = refresh_patterns(db_url, END)
    conn.commit()
    assert again["refreshed"] == 0 and again["versioned"] == 0
    assert _state(conn) == state
    assert again["auto_approved"] == summary["auto_approved"]
    assert score_patterns(db_url, END) == score

    raw = _by_key(conn, "MEMORY_EXHAUSTION", "ALLOWED_MEMORY")
    assert raw["version"] == 2 and raw["commands"] == ["wp config set WP_MEMORY_LIMIT 256M"]
    assert not raw["auto_approved"] and raw["success_count"] == 0
    assert raw["version_started_at"] == END
    old = conn.execute("SELECT version, commands, reason, success_count FROM "
                       "healing_pattern_versions WHERE pattern_id = %s", (raw["id"],)).fetchall()
    assert old[0][:2] == (1, ["wp config set WP_MEMORY_LIMIT 256M --raw"])
    assert "parse error" in old[0][2] and old[0][3] >= 10

    cron = _by_key(conn, "CRON", "RESCHEDULE_ERROR")  # Phase 1's escaped regex, repaired
    assert cron["version"] == 2 and cron["success_count"] >= 10  # evidence kept
    logs_of_cron = [r[0] for r in conn.execute(
        "SELECT logs_analyzed FROM healer_executions WHERE pattern_id = %s", (cron["id"],))]
    assert all(matches(cron["error_pattern"], log) for log in logs_of_cron)

    approved = conn.execute("SELECT approved_by, approval_reason, confidence, success_count"
                            " FROM healing_patterns WHERE auto_approved").fetchall()
    for approved_by, reason, confidence, successes in approved:
        assert approved_by == "healer-ops" and "Wilson" in reason
        assert confidence >= 0.75 and successes >= 19
    degrading = _by_key(conn, "PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "the-events-calendar")
    assert not degrading["auto_approved"] and degrading["revoked_at"] == END
    assert "failed" in degrading["revoked_reason"]


def _add_uses(conn, pattern_id, site_id, start, outcomes):
    for i, ok in enumerate(outcomes):
        conn.execute(
            "INSERT INTO healer_executions (site_id, pattern_id, diagnosis_type, status,"
            " was_successful, started_at, logs_analyzed) VALUES (%s, %s, 'X', %s, %s, %s, 'x')",
            (site_id, pattern_id, "SUCCESS" if ok else "FAILED", ok,
             start + timedelta(hours=i + 1)))
    conn.commit()


def test_new_evidence_next_day_revokes_and_versions_start_fresh(db_url, conn):
    generate_fleet(db_url, sites=6, days=1, seed=7, end=END, metrics_to_db=True)
    refresh_patterns(db_url, END)
    site_id = conn.execute("SELECT id FROM wp_sites LIMIT 1").fetchone()[0]
    revslider = _by_key(conn, "PLUGIN_CONFLICT", "UNDEFINED_FUNCTION", "revslider")
    assert revslider["auto_approved"]
    _add_uses(conn, revslider["id"], site_id, END, [False, False])
    raw = _by_key(conn, "MEMORY_EXHAUSTION", "ALLOWED_MEMORY")
    _add_uses(conn, raw["id"], site_id, END, [True] * 20)

    next_day = END + timedelta(days=1)
    summary = refresh_patterns(db_url, next_day)
    revslider = _by_key(conn, "PLUGIN_CONFLICT", "UNDEFINED_FUNCTION", "revslider")
    assert not revslider["auto_approved"] and revslider["revoked_at"] == next_day
    assert "the last 2 uses failed" in revslider["revoked_reason"]
    assert revslider["evidence_since"] == next_day  # approval again needs new uses
    raw = _by_key(conn, "MEMORY_EXHAUSTION", "ALLOWED_MEMORY")
    assert (raw["success_count"], raw["failure_count"]) == (20, 0)  # version 2's own uses
    assert raw["auto_approved"] and raw["approved_at"] == next_day
    assert summary["revoked"] >= 1
    assert score_patterns(db_url, next_day)["false_approvals"] == 0


def test_change_commands_keeps_the_old_version(db_url, conn):
    generate_fleet(db_url, sites=4, days=1, seed=7, end=END, metrics_to_db=True)
    pattern = _by_key(conn, "CACHE", "ADVANCED_CACHE_DROPIN")
    version = patterns.change_commands(conn, pattern["id"], ["wp cache flush"],
                                       "operator: flush instead", END)
    conn.commit()
    assert version == pattern["version"] + 1
    row = conn.execute("SELECT commands, reason FROM healing_pattern_versions WHERE"
                       " pattern_id = %s", (pattern["id"],)).fetchone()
    assert row == (pattern["commands"], "operator: flush instead")
    with pytest.raises(ValueError, match="already runs"):
        patterns.change_commands(conn, pattern["id"], ["wp cache flush"], "again", END)
