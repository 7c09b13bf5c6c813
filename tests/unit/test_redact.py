"""Redaction: secrets vanish, the diagnostic content stays, and the result is stable."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from healer_ops.analysis.redact import MAX_REDACT_CHARS, bound, redact, redact_with_report
from healer_ops.devkit.secrets_corpus import SEED, generate, leaked

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
    # URL user-info of any scheme, with or without a user, passwords typed unencoded
    ("Predis: Connection refused [tcp://:R3disPassw0rd@cache.internal:6379]", ["R3disPassw0rd"],
     ["cache.internal:6379", "Connection refused"]),
    ("amqp://mq_user:Qu3ue!Pass@rabbit.internal:5672/%2f unreachable", ["mq_user", "Qu3ue!Pass"],
     ["rabbit.internal:5672"]),
    ("mongodb+srv://app:Atl4s%40pw@cluster0.ab1cd.mongodb.net/wp?retryWrites=true",
     ["Atl4s%40pw"], ["cluster0.ab1cd.mongodb.net/wp"]),
    ("fatal: Authentication failed for 'https://deploy:Pa?ss#1@bitbucket.org/agency/shop.git/'",
     ["Pa?ss#1"], ["bitbucket.org/agency/shop.git"]),
    ("git clone https://ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5@github.com/acme/site.git",
     ["ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"], ["github.com/acme/site.git"]),
    ("sftp://files:S3cure-Upl0ad@files.example.net:22/backups failed",
     ["S3cure-Upl0ad"], ["files.example.net:22/backups"]),
    # connection strings and DSNs
    ("Driver={ODBC Driver 18};Server=tcp:sql.example.net,1433;Uid=sa;Pwd={p;a55w0rd};Encrypt=yes",
     ["p;a55w0rd"], ["Encrypt=yes", "sql.example.net"]),
    ("Data Source=db1;Initial Catalog=wp;User ID=wp_svc;Password=C0nn$tr1ng!;Pooling=true",
     ["wp_svc", "C0nn$tr1ng!"], ["Pooling=true", "Initial Catalog=wp"]),
    ("PDO->__construct('pgsql:host=pg;dbname=wp;user=wpapp;password=Pdo-Secr3t', NULL)",
     ["Pdo-Secr3t", "wpapp"], ["pgsql:host=pg;dbname=wp"]),
    ("DefaultEndpointsProtocol=https;AccountName=media;AccountKey=" + "Ab1+" * 22 + ";x=1",
     ["Ab1+Ab1+Ab1+"], ["AccountName=media"]),
    # key names in their many spellings and syntaxes
    ("> X-Api-Key: 6f1e2d3c4b5a69788796a5b4c3d2e1f0\n< HTTP/1.1 401 Unauthorized",
     ["6f1e2d3c4b5a69788796a5b4c3d2e1f0"], ["401 Unauthorized"]),
    ('{"access_key_id":"AKIAZZZZZZZZZZZZZZZZ","client_secret":"cs-9Xk2pLq"}',
     ["AKIAZZZZZZZZZZZZZZZZ", "cs-9Xk2pLq"], ["access_key_id", "client_secret"]),
    ("define( 'SECURE_AUTH_SALT', 'a{b} c<d>e|f`g~h 1=2' );", ["a{b} c<d>e|f`g~h 1=2"],
     ["SECURE_AUTH_SALT"]),
    ("    [smtp_pass] => correct horse battery staple\n    [smtp_port] => 587",
     ["correct horse battery staple"], ["[smtp_port] => 587"]),
    ('s:9:"smtp_pass";s:12:"ab\"cd;ef;gh";s:4:"port";i:587;', ['ab\"cd;ef;gh'], ["port"]),
    ("<add key=\"StripeSecret\" value=\"sk_test_not_a_real_key_123\" />",
     ["sk_test_not_a_real_key_123"], ["StripeSecret"]),
    ("user_tokens[1]=xYz12.AbCdEf.1 blog_id=5", ["xYz12.AbCdEf.1"], ["blog_id=5"]),
    ("fastcgi_param DB_PASSWORD \"nginx-Pa55\";", ["nginx-Pa55"], ["fastcgi_param DB_PASSWORD"]),
    ("DB_PASSWORD      Whoops3nv!\nAPP_ENV          production", ["Whoops3nv!"],
     ["APP_ENV          production"]),
    # free text and command lines
    ("Login failed for user admin with password 'letmein2024'", ["letmein2024"],
     ["Login failed for user admin"]),
    ("backup.sh: passwd: Tr0ub4dor&3 rejected", ["Tr0ub4dor&3"], ["rejected"]),
    ("the password for editor is Xk9#mQ2 (expired)", ["Xk9#mQ2"], ["(expired)"]),
    ("connecting using pwd=jlUb&VL7-=].WEUQ:-7 ... Permission denied", ["jlUb&VL7-=].WEUQ:-7"],
     ["Permission denied"]),
    ("$ curl --user 'admin:abcd EFGH 1234 ijkl MNOP 5678' https://shop.example/wp-json/",
     ["abcd EFGH 1234 ijkl MNOP 5678"], ["https://shop.example/wp-json/"]),
    ("$ sshpass -p '[Q^GuV58I' ssh deploy@files.example.net", ["[Q^GuV58I"], ["ssh"]),
    # provider formats (detect-secrets plugins and the formats added to them)
    ("Slack: invalid_auth for xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
     ["AbCdEfGhIjKlMnOpQrStUvWx"], ["invalid_auth"]),
    ("Twilio key SK0123456789abcdef0123456789abcdef rejected", ["0123456789abcdef0123456789"],
     ["rejected"]),
    ("Google Maps: The provided API key is invalid. AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
     ["AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"], ["The provided API key is invalid."]),
    ("Stripe: Invalid API Key provided: rk_live_" + "a1B2c3D4" * 12, ["a1B2c3D4a1B2c3D4"],
     ["Invalid API Key provided"]),
    ("S3 upload with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY failed: SignatureDoesNotMatch",
     ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"], ["SignatureDoesNotMatch"]),
    ("https://hooks.zapier.com/hooks/catch/1234567/a3f0bx9c2d1/ returned 410",
     ["a3f0bx9c2d1"], ["returned 410"]),
    ("INSERT INTO wp_users (user_pass) VALUES ('$P$BxQ0z1lC3b4U9tQ1y2W3e4R5t6Y7u8.')",
     ["$P$BxQ0z1lC3b4U9tQ1y2W3e4R5t6Y7u8."], ["INSERT INTO wp_users"]),
    ("PayTrace: declined cc_number=4111111111111111&cvv=123&exp=0827", ["4111111111111111", "123"],
     ["exp=0827"]),
    ("license activation failed for key 4F7A-22BC-9D1E-7730", ["4F7A-22BC-9D1E-7730"],
     ["license activation failed"]),
    # personal data
    ("Twilio SMS to +44 20 7946 0958 failed (also tried (415) 555-0132)",
     ["7946 0958", "555-0132"], ["Twilio SMS to", "failed"]),
    ("GET /?ne=sofia%2Bwp5%40example.fr&nr=widget", ["sofia%2Bwp5%40example.fr"], ["nr=widget"]),
    ("# User@Host: shop_rw[shop_rw] @ localhost [10.1.2.3]  Id: 77", ["shop_rw", "10.1.2.3"],
     ["Id: 77"]),
    ("LOG: connection authorized: user=wp_app database=wordpress", ["wp_app"],
     ["database=wordpress"]),
    ("The user specified as a definer ('legacy'@'%') does not exist", ["legacy"],
     ["does not exist"]),
    ("Access denied for user &#039;shop_db&#039;@&#039;localhost&#039;", ["shop_db"],
     ["Access denied for user"]),
    ("    [billing_first_name] => Jane\n    [billing_address_1] => 221B Baker Street\n"
     "    [billing_postcode] => NW1 6XE\n    [payment_method] => stripe",
     ["Jane", "221B Baker Street", "NW1 6XE"], ["[payment_method] => stripe"]),
    ("GET /shop;jsessionid=A1B2C3D4E5F6 HTTP/1.1", ["A1B2C3D4E5F6"], ["GET /shop;jsessionid="]),
    ("Welcome mail failed; your password is letmein", ["letmein"], ["Welcome mail failed"]),
    ("creds: admin:letmein (rejected)", ["letmein"], ["(rejected)"]),
    ("Customer Tel: 5550132 could not be reached", ["5550132"], ["could not be reached"]),
    # a token in a query string is one whatever its parameter is called
    ("GET /sync?sso=AbC123dEf456GhI789&ver=6.4.3&redirect_to=https%3A%2F%2Fx.com HTTP/1.1",
     ["AbC123dEf456GhI789"], ["ver=6.4.3", "redirect_to=https%3A%2F%2Fx.com"]),
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
    # hashes and ids that name a fault stay (only key names or formats make a hex a secret)
    "Checksum mismatch for wp-includes/version.php: 5f4dcc3b5aa765d61d8327deb882cf99 "
    "(expected 9e107d9d372bb6826bd81d3542a419d6c0b8a3b1)",
    "request 7d1e6b2a-91cf-4c43-9a55-3a8e4f20b1c2 failed after 30000 ms",
    "WordPress database error Duplicate entry '5' for key 'PRIMARY' for query INSERT INTO wp_posts",
    'PHP Parse error:  syntax error, unexpected token "endif", expecting end of file in /a/b.php',
    "PHP Warning:  session_start(): session.save_path = /var/lib/php/sessions is not writable",
    'FATAL:  password authentication failed (using password: YES); Password Mismatch',
    "mysql: [Warning] Using a password on the command line interface can be insecure.",
    "SSL routines:tls_parse_ctos_key_share:bad key share while SSL handshaking",
    "MySQL 10.5.15-MariaDB-0+deb11u1, WordPress 6.4.3, 134217728 bytes, 2024-03-12 10:22:31",
    "PHP Fatal error:  Uncaught Error: Class \"NextendSocialOauth2\" not found in "
    "/srv/wp-content/plugins/nextend-facebook-connect/nextend-social-login.php:544",
    "Error: Your password must be at least 12 characters long.",
    "PHP Warning:  ZipArchive::close(): Failure to create temporary file in /a/b.php on line 3",
    "Notice: the password is incorrect; the password is too short; Password is being reset",
    "PHP Fatal error:  Uncaught Error: Class \"Auth::check\" in /srv/wp-content/x/y.php:12",
    "GET /wp-admin/load-styles.php?c=1&dir=ltr&load%5Bchunk_0%5D=dashicons,admin-bar&ver=6.4.3",
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


def test_the_secret_laden_corpus_does_not_leak_and_keeps_its_diagnostics():
    """The acceptance figure: leak rate 0 on the generated corpus (main and held-out kinds),
    every planted diagnostic text kept; redaction stable on every corpus log."""
    for held_out in (False, True):
        for seed in (SEED, 1, 2):
            for log in generate(seed, held_out=held_out):
                clean = redact(log.log)
                assert not leaked(clean, log.secrets), (log.id, clean)
                assert all(text in clean for text in log.keep), (log.id, clean)
                assert redact(clean) == clean, log.id


def test_huge_input_is_bounded_fast_and_still_redacted():
    unit = "PHP Warning: x in /var/www/html/a.php on line 3 password=Hunt3r2! 203.0.113.9 "
    line = unit * (18_000_000 // len(unit))
    started = time.perf_counter()
    clean, counts = redact_with_report(line + "token=Zz9-LastSecretInTheLog")
    assert time.perf_counter() - started < 30  # a loaded 2-core CI box; about 1 s when quiet
    assert len(clean) <= MAX_REDACT_CHARS + 100 and counts["input_cut"] == 1
    assert "characters cut before redaction" in clean
    assert "Hunt3r2" not in clean and "LastSecret" not in clean and "203.0.113.9" not in clean


def test_cut_drops_the_token_cut_in_two():
    text = "head " * 30 + "Secr3tTokenValue" * 50_000 + " tail" * 30
    clean, cut = bound(text, limit=200)
    assert cut > 0 and "Secr3t" not in clean and "cut before redaction" in clean
    assert clean.startswith("head head") and clean.endswith("tail tail")


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
