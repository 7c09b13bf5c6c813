"""The WP-CLI allow-list: what may be recommended, what is auto, and why the rest is refused."""

from __future__ import annotations

import pytest

from healer_ops.analysis.model import Analysis, Recommendation
from healer_ops.policy.allow_list import allow_list, check_command, enforce


@pytest.mark.parametrize(("command", "diagnosis_type", "culprit", "expected"), [
    ("wp plugin deactivate acme --skip-themes --skip-plugins --path=/var/www/a",
     "PLUGIN_CONFLICT", "acme", "wp plugin deactivate acme --skip-plugins --skip-themes"),
    ("wp plugin deactivate acme", "PLUGIN_CONFLICT", "acme",
     "wp plugin deactivate acme --skip-plugins --skip-themes"),
    ("wp maintenance-mode deactivate", "MAINTENANCE", None, "wp maintenance-mode deactivate"),
    ("wp db repair", "DB_ERROR", None, "wp db repair"),
    ("wp config set WP_MEMORY_LIMIT 256M", "MEMORY_EXHAUSTION", None,
     "wp config set WP_MEMORY_LIMIT 256M"),
    ("wp core verify-checksums", "SSL_TLS", None, "wp core verify-checksums"),  # read-only: any
])
def test_allowed(command, diagnosis_type, culprit, expected):
    verdict = check_command(command, diagnosis_type, culprit)
    assert verdict.allowed is not None, verdict.reason
    assert verdict.command == expected


@pytest.mark.parametrize(("command", "diagnosis_type", "culprit", "reason"), [
    ("rm -rf /", "WSOD", None, "not a WP-CLI command"),
    ("wp plugin list; rm -rf /", "WSOD", None, "metacharacter ';'"),
    ("wp plugin list && reboot", "WSOD", None, "metacharacter '&'"),
    ("wp plugin list | sh", "WSOD", None, "metacharacter '|'"),
    ("wp plugin get $(id) --field=version", "PLUGIN_CONFLICT", "acme", "metacharacter '$'"),
    ("wp plugin list `id`", "WSOD", None, "metacharacter '`'"),
    ("wp plugin list > /etc/passwd", "WSOD", None, "metacharacter '>'"),
    ("wp eval 'phpinfo();'", "WSOD", None, "`wp eval` is never allowed"),
    ("wp eval-file x.php", "WSOD", None, "arbitrary PHP file"),
    ("wp shell", "WSOD", None, "interactive PHP shell"),
    ("wp db query 'SELECT 1'", "DB_ERROR", None, "runs arbitrary SQL"),
    ("wp db drop --yes", "DB_ERROR", None, "destroys the database"),
    ("wp db reset --yes", "DB_ERROR", None, "empties the database"),
    ("wp user update 1 --user_pass=x", "WSOD", None, "user accounts"),
    ("wp config get DB_PASSWORD", "DB_ERROR", None, "reveals the database password"),
    ("wp config set DB_PASSWORD x", "DB_ERROR", None, "database credentials"),
    ("wp --exec=phpinfo plugin list", "WSOD", None, "--exec"),
    ("wp --require=/tmp/x.php plugin list", "WSOD", None, "--require"),
    ("wp plugin deactivate akismet", "PLUGIN_CONFLICT", "acme", "not the culprit"),
    ("wp plugin deactivate acme", "PLUGIN_CONFLICT", None, "names none"),
    ("wp db repair", "PLUGIN_CONFLICT", None, "not on the allow-list for PLUGIN_CONFLICT"),
    ("wp plugin install evil --activate", "PLUGIN_CONFLICT", "evil", "not on the allow-list"),
    ("", "WSOD", None, "empty"),
])
def test_refused_with_reason(command, diagnosis_type, culprit, reason):
    verdict = check_command(command, diagnosis_type, culprit)
    assert verdict.allowed is None
    assert reason in verdict.reason


def test_allow_list_comes_from_the_taxonomy_and_has_no_shell():
    from healer_ops.analysis.taxonomy import remediation_commands

    table = allow_list()
    for command in remediation_commands("PLUGIN_CONFLICT"):
        assert any(c.template == " ".join(command.template.split())
                   for c in table["PLUGIN_CONFLICT"])
    for commands in table.values():
        for command in commands:
            assert command.template.startswith("wp ")
            assert not any(ch in command.template for ch in ";|&`$><")


def test_enforce_is_idempotent_and_auto_needs_confidence():
    proposals = [Recommendation(command="wp plugin deactivate acme"),
                 Recommendation(command="wp plugin update acme"),
                 Recommendation(command="rm -rf /")]
    confident = Analysis(diagnosis_type="PLUGIN_CONFLICT", confidence=0.95, culprit="acme",
                         culprit_kind="plugin", recommendations=proposals)
    once = enforce(confident)
    assert enforce(once) == once
    assert [(r.command, r.auto) for r in once.recommendations] == [
        ("wp plugin deactivate acme --skip-plugins --skip-themes", True),
        ("wp plugin update acme", False)]
    assert [r.command for r in once.rejected_commands] == ["rm -rf /"]
    unsure = enforce(confident.model_copy(update={"confidence": 0.8}))
    assert not any(r.auto for r in unsure.recommendations)
    woo = enforce(confident.model_copy(update={
        "culprit": "woocommerce", "recommendations": [
            Recommendation(command="wp plugin deactivate woocommerce")]}))
    assert [r.auto for r in woo.recommendations] == [False]
