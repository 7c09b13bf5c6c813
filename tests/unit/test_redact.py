"""Redaction: secrets vanish, the diagnostic content stays, and the result is stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healer_ops.analysis.redact import redact, redact_with_report

DEV_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "wp_error_logs_dev.jsonl"

# (log, secrets that must disappear, diagnostic text that must survive)
CASES = [
    ("define( 'DB_PASSWORD', 'Sup3r$ecret!' );\ndefine('DB_NAME', 'wp_prod');",
     ["Sup3r$ecret!"], ["DB_PASSWORD", "wp_prod"]),
    ('define("AUTH_KEY", "h8#K!m2@pq^z<>rT");', ["h8#K!m2@pq^z<>rT"], ["AUTH_KEY"]),
    ("define('DB_USER', 'shop_admin');", ["shop_admin"], ["DB_USER"]),
    ("WORDPRESS_DB_PASSWORD=hunter2 docker-entrypoint.sh: starting",
     ["hunter2"], ["WORDPRESS_DB_PASSWORD", "docker-entrypoint.sh"]),
    ("wp config create --dbuser=wpu --dbpass=TopSecret99 --dbhost=db",
     ["TopSecret99"], ["wp config create", "--dbhost=db"]),
    ('{"user": "x", "password": "p4ss w0rd", "host": "db"}', ["p4ss w0rd"], ['"host": "db"']),
    ('context: {\\"api_key\\":\\"abcdef123456\\",\\"line\\":97}', ["abcdef123456"], ["line"]),
    ("$config = array('db_password' => 'cheese&wine', 'debug' => true);",
     ["cheese&wine"], ["'debug' => true"]),
    ("Array\n(\n    [DB_PASSWORD] => s3cr3t\n    [DB_HOST] => localhost\n)",
     ["s3cr3t"], ["[DB_HOST] => localhost"]),
    ("DSN mysql://wpuser:My-P4ss@db.internal:3306/wordpress failed",
     ["wpuser", "My-P4ss"], ["db.internal:3306/wordpress"]),
    ("GET https://api.example.com/v1/sync?site=12&api_key=AbC123xyz789&token=t0k3n HTTP/1.1",
     ["AbC123xyz789", "t0k3n"], ["site=12", "/v1/sync"]),
    ("https://cdn.example.com/file.zip?key=9f8e7d6c5b4a&expires=1700000000",
     ["9f8e7d6c5b4a"], ["expires=1700000000"]),
    ("Authorization: Bearer abc.def-GHI_123456789", ["abc.def-GHI_123456789"], ["Authorization"]),
    ("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='", ["dXNlcjpwYXNzd29yZA=="], ["curl"]),
    ("OpenAI error with key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123", ["AbCdEfGhIjKlMnOpQrSt"],
     ["OpenAI error"]),
    ("aws s3 cp failed: AKIAIOSFODNN7EXAMPLE not authorized", ["AKIAIOSFODNN7EXAMPLE"],
     ["not authorized"]),
    ("stripe: sk_live_51HqLyjWDarjtT1zdp7dc invalid", ["sk_live_51HqLyjWDarjtT1zdp7dc"],
     ["invalid"]),
    ("jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     ["eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dozjgNryP4J3jVmNHl0w5N"], []),
    ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a in use", ["ghp_16C7e42F292c6912E7710c8"],
     ["in use"]),
    ("Cookie: wordpress_logged_in_0123456789abcdef0123456789abcdef=admin%7C1700%7Cxyz",
     ["admin%7C1700%7Cxyz"], []),
    ("Set-Cookie wordpress_sec_0123456789abcdef0123456789abcdef=jane%7C99%7Chmac; path=/",
     ["jane%7C99%7Chmac"], ["path=/"]),
    ("Contact webmaster@shop-example.co.uk or jane.doe+wp@gmail.com",
     ["webmaster@shop-example.co.uk", "jane.doe+wp@gmail.com"], ["Contact"]),
    ("[client 203.0.113.45:51234] AH01071: Got error 'PHP message: x'",
     ["203.0.113.45"], ["AH01071", ":51234"]),
    ("upstream: fastcgi://[2001:db8::1]:9000, client: fe80::1ff:fe23:4567:890a%eth0",
     ["2001:db8::1", "fe80::1ff:fe23:4567:890a"], ["fastcgi://"]),
    ("Warning: mysqli_real_connect(): (HY000/1045): Access denied for user 'shopdb_u7'@'10.0.0.12'"
     " (using password: YES) in /var/www/wp-includes/class-wpdb.php on line 1987",
     ["shopdb_u7", "10.0.0.12"], ["HY000/1045", "Access denied for user", "using password: YES",
                                  "class-wpdb.php on line 1987"]),
    ("Access denied for user ‘blogger’@‘localhost’ to database ‘blog’", ["blogger"],
     ["localhost", "to database"]),
    ('FATAL:  password authentication failed for user "healer_app"', ["healer_app"],
     ["password authentication failed"]),
    ("#0 /var/www/wp-includes/class-wpdb.php(1987): mysqli_real_connect(Object(mysqli), "
     "'localhost', 'wp_user1', 'Pa55word', 'wp_db', NULL, NULL, 0)",
     ["wp_user1", "Pa55word"], ["mysqli_real_connect(Object(mysqli), 'localhost'", "'wp_db'"]),
    ("#1 /var/www/wp-settings.php(124): wpdb->__construct('blog_user', 'blogpw!', 'blog', 'db')",
     ["blog_user", "blogpw!"], ["'blog', 'db'"]),
    ("mysqldump -u root -pR00tPass wordpress > backup.sql", ["R00tPass"], ["mysqldump -u root"]),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\n-----END RSA PRIVATE KEY-----",
     ["MIIEpAIBAAKCAQEA1"], []),
    ("POST /wp-admin/admin-ajax.php?action=save&_wpnonce=3f2a1b9c8d", ["3f2a1b9c8d"],
     ["action=save"]),
    ("SMTP -> get_lines(): CLIENT -> SERVER: AUTH LOGIN\nCLIENT -> SERVER: am9obkBleGFtcGxl\n"
     "CLIENT -> SERVER: c2VjcmV0cGFzcw==\nSERVER -> CLIENT: 535 5.7.8 Authentication failed",
     ["am9obkBleGFtcGxl", "c2VjcmV0cGFzcw=="], ["AUTH LOGIN", "535 5.7.8 Authentication failed"]),
    ("webhook secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw rejected",
     ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], ["rejected"]),
]

DIAGNOSTIC_ONLY = [
    "PHP Parse error:  syntax error, unexpected token \"}\", expecting \";\" in "
    "/home/u1/public_html/wp-content/plugins/contact-form-7/includes/form.php on line 12",
    "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate "
    "20480 bytes) in /var/www/wp-includes/class-wp-session-tokens.php:123",
    "Stack trace: #0 /srv/wp-content/plugins/secret-sauce/sauce.php(55): do_thing()",
    "WordPress database error Table 'wp_options' is marked as crashed for query SELECT "
    "option_value FROM wp_options WHERE option_name = 'siteurl'",
    "[Mon Oct 31 06:09:02.593829 2022] [core:error] [pid 3534:tid 140464548112128] AH00124",
    "1 passed in /home/wp-includes/class-wp-hook.php on line 324 and exactly 2 expected",
    "Apache/2.4.38 (Debian) Server at www.corunning.fr Port 80, PHP 8.1.11",
]


@pytest.mark.parametrize(("log", "secrets", "kept"), CASES, ids=[c[0][:40] for c in CASES])
def test_secrets_vanish_and_diagnostics_stay(log, secrets, kept):
    clean = redact(log)
    for secret in secrets:
        assert secret not in clean, f"{secret!r} survived: {clean!r}"
    for text in kept:
        assert text in clean, f"{text!r} was lost: {clean!r}"


@pytest.mark.parametrize("log", DIAGNOSTIC_ONLY, ids=lambda s: s[:40])
def test_logs_without_secrets_are_untouched(log):
    assert redact(log) == log


@pytest.mark.parametrize(("log", "secrets", "kept"), CASES, ids=[c[0][:40] for c in CASES])
def test_redaction_is_idempotent(log, secrets, kept):
    once = redact(log)
    assert redact(once) == once


def test_report_counts_rules_without_revealing_values():
    text, counts = redact_with_report("password=abc123 and jane@example.org from 192.0.2.7")
    assert counts == {"key_value": 1, "email": 1, "ipv4": 1}
    assert "abc123" not in text and "jane@example.org" not in text
    assert all("abc" not in name for name in counts)


def test_empty_and_none():
    assert redact(None) == "" and redact("") == ""


@pytest.mark.skipif(not DEV_CORPUS.exists(), reason="dev corpus not present")
def test_dev_corpus_keeps_its_error_lines():
    """On real logs redaction only touches addresses: error text, paths and slugs survive."""
    for line in DEV_CORPUS.read_text().splitlines():
        log = json.loads(line)["log"]
        _, counts = redact_with_report(log)
        assert set(counts) <= {"ipv4", "ipv6", "email"}, (log[:80], counts)


def test_apache_ipv6_client_with_port_is_redacted():
    log = "[client 2a02:810d:4b40:1a00::71:47029] AH01071: Got error 'PHP message: x'"
    redacted = redact(log)
    assert "2a02" not in redacted and "810d" not in redacted
    assert redacted.startswith("[client [IP]:47029]")
