"""From an analysis to a plan or advice, the fix commands a candidate learns, the signature
key of a fault, and the rolling figures (pure functions, no database)."""

from __future__ import annotations

import math

import pytest

from healer_ops.patterns.decide import Policy, wilson_lower_bound
from healer_ops.patterns.learn import signature_key
from healer_ops.patterns.suggest import INSIGHT_MARKER, fix_commands, plan_for

DEACTIVATE = "wp plugin deactivate acme --skip-plugins --skip-themes"


def _analysis(confidence=0.93, recommendations=None, **extra):
    recs = recommendations if recommendations is not None else [
        {"command": "wp plugin get acme --field=version", "auto": True},
        {"command": DEACTIVATE, "auto": True},
        {"command": "wp plugin update acme", "auto": False}]
    return {"diagnosis_type": "PLUGIN_CONFLICT", "culprit": "acme", "confidence": confidence,
            "root_cause": "The plugin 'acme' raises a fatal error.", "analyzer": "local",
            "recommendations": recs, **extra}


def test_fix_commands_are_the_automatic_fixes_or_the_first_allowed_one():
    assert fix_commands(_analysis()["recommendations"]) == [DEACTIVATE]
    approval_only = [{"command": "wp config get WP_MEMORY_LIMIT", "auto": True},
                     {"command": "wp config set WP_MEMORY_LIMIT 256M", "auto": False},
                     {"command": "wp config set WP_MAX_MEMORY_LIMIT 512M", "auto": False}]
    assert fix_commands(approval_only) == ["wp config set WP_MEMORY_LIMIT 256M"]
    assert fix_commands([{"command": "wp db check", "auto": True}]) == []  # checks only


def test_a_confident_analysis_is_a_plan_with_an_insight():
    plan = plan_for(_analysis(), {"id": "0123456789ab", "version": 2, "commands": [],
                                  "human_decision": None})
    assert plan.used and plan.commands == [DEACTIVATE]
    assert plan.action.startswith("AI plan, confidence 0.93: PLUGIN_CONFLICT in acme.")
    assert plan.insight.startswith(INSIGHT_MARKER) and "(pattern 01234567 v2)" in plan.insight
    assert plan.record({"suggested_commands": []})["replaced"] == {"suggested_commands": []}


@pytest.mark.parametrize("analysis,pattern,why", [
    (_analysis(confidence=0.8), None, "confidence 0.80 is not above 0.8"),
    (_analysis(recommendations=[{"command": DEACTIVATE, "auto": False}]), None,
     "no allowed automatic fix"),
    (_analysis(recommendations=[{"command": "wp plugin list", "auto": True}]), None,
     "no allowed automatic fix"),
    (_analysis(), {"id": "abcdef012345", "version": 1, "commands": [DEACTIVATE],
                   "human_decision": "rejected", "decided_by": "bob"},
     "rejected by bob: kept as advice"),
])
def test_otherwise_it_is_advice(analysis, pattern, why):
    plan = plan_for(analysis, pattern)
    assert not plan.used and plan.commands == [] and why in plan.why


def test_one_fault_one_key_whatever_the_analyzer_version():
    key = signature_key("PLUGIN_CONFLICT", "Acme", "fatal in <root>/plugins/acme")
    assert key == signature_key("PLUGIN_CONFLICT", "acme", "fatal in <root>/plugins/acme")
    assert key != signature_key("THEME_CONFLICT", "acme", "fatal in <root>/plugins/acme")
    assert key != signature_key("PLUGIN_CONFLICT", "acme", "parse error in <root>/plugins/x")


def test_the_sequential_test_weighs_good_against_bad():
    policy = Policy()
    assert policy.log_likelihood_ratio(0, 0) == 0
    assert math.exp(policy.log_likelihood_ratio(19, 1)) > 5.5  # approves ...
    assert math.exp(policy.log_likelihood_ratio(18, 2)) < 5.5  # ... this does not
    with pytest.raises(ValueError, match="bad .* < good"):
        Policy(bad_rate=0.9, good_rate=0.8)
    with pytest.raises(ValueError, match="HEALER_PATTERN_APPROVAL_RULE"):
        Policy(rule="vibes")
    assert wilson_lower_bound(5, 5) == pytest.approx(0.5655, abs=1e-4)
