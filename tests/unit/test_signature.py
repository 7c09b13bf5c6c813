"""Error signature and input_hash: same fault on two sites -> same hash; other faults differ."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from healer_ops.analysis.redact import redact
from healer_ops.analysis.signature import error_signature, input_hash
from healer_ops.devkit.bench.fleet_stream import evaluate_hit_rate, make_site, site_variant

pytest_plugins = ("openai_server",)  # the local_analyzer fixture

DEV_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "wp_error_logs_dev.jsonl"

SITE_A = (
    "[12-Nov-2025 19:20:15 UTC] PHP Fatal error:  Uncaught Error: Call to undefined function "
    "acme_boot() in /home/alice/public_html/wp-content/plugins/acme-forms/inc/boot.php:41\n"
    "Stack trace:\n#0 /home/alice/public_html/wp-includes/class-wp-hook.php(324): acme_init('')\n"
    "#1 {main}\n  thrown in /home/alice/public_html/wp-content/plugins/acme-forms/inc/boot.php "
    "on line 41"
)
SITE_B = (
    "2024/03/01 08:01:02 [error] 1234#1234: *99 FastCGI sent in stderr: \"PHP message: "
    "PHP Fatal error:  Uncaught Error: Call to undefined function acme_boot() in "
    "/var/www/shop.example.org/htdocs/wp-content/plugins/acme-forms/inc/boot.php:57\n"
    "Stack trace:\n#0 /var/www/shop.example.org/htdocs/wp-includes/class-wp-hook.php(310): "
    "acme_init('')\n#1 {main}\n  thrown in /var/www/shop.example.org/htdocs/wp-content/plugins/"
    "acme-forms/inc/boot.php on line 57\" while reading response header from upstream, "
    "client: 203.0.113.9, server: shop.example.org"
)


def key(log: str, diagnosis_type: str = "PLUGIN_CONFLICT", culprit: str | None = "acme-forms"):
    return input_hash(error_signature(redact(log)), diagnosis_type, culprit)


def test_same_fault_on_two_sites_has_one_hash():
    assert error_signature(redact(SITE_A)) == error_signature(redact(SITE_B))
    assert key(SITE_A) == key(SITE_B)


def test_another_type_or_culprit_changes_the_hash():
    assert key(SITE_A, "THEME_CONFLICT") != key(SITE_A)
    assert key(SITE_A, culprit="other-plugin") != key(SITE_A)
    other_slug = SITE_A.replace("acme-forms", "acme-forms-pro")
    assert error_signature(redact(other_slug)) != error_signature(redact(SITE_A))


def test_signature_keeps_the_culprit_and_fault_codes():
    signature = error_signature(redact(
        "Warning: mysqli_real_connect(): (HY000/1045): Access denied for user 'shop'@'10.0.0.4'"
        " (using password: YES) in /srv/a/wp-includes/class-wpdb.php on line 1987\n"
        "PHP Warning:  fopen(): failed with errno=28 No space left on device in "
        "/srv/a/wp-content/plugins/contact-form-7/includes/file.php on line 12\n"
        "cURL error 28: Operation timed out after 5001 milliseconds"))
    for kept in ("hy000/1045", "errno=28", "curl error 28", "contact-form-7",
                 "<root>/wp-includes/class-wpdb.php"):
        assert kept in signature, signature
    for masked in ("1987", "5001", "/srv/a", "shop", "10.0.0.4"):
        assert masked not in signature, signature


@pytest.mark.parametrize(("a", "b"), [
    ("Fatal error: Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 "
     "bytes) in /var/www/html/wp-includes/meta.php on line 571",
     "PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 72 "
     "bytes) in C:\\inetpub\\wwwroot\\blog\\wp-includes\\meta.php on line 602"),
    ("WordPress database error Table 'shop_db.wp_options' doesn't exist for query SELECT 1",
     "WordPress database error Table 'blog7.x7f_options' doesn't exist for query SELECT 1"),
    ("Mon Oct 31 06:09:02.593829 2022 AH00124: Request exceeded the limit of 10 internal "
     "redirects, referer: https://a.example.com/wp-admin/",
     "Tue Feb 07 23:59:59.000001 2023 AH00124: Request exceeded the limit of 10 internal "
     "redirects, referer: https://b-shop.de/wp-admin/"),
    ("request 550e8400-e29b-41d4-a716-446655440000 failed at 0x7f3a9c2d pid 4242",
     "request 123e4567-e89b-12d3-a456-426614174000 failed at 0x55d0aa01 pid 17"),
])
def test_site_specific_values_are_masked(a, b):
    assert error_signature(redact(a)) == error_signature(redact(b))


def test_html_display_errors_match_the_error_log():
    html = ("<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function foo() in "
            "<b>/var/www/html/wp-content/plugins/acme/a.php</b> on line <b>12</b><br />")
    text = ("PHP Fatal error:  Uncaught Error: Call to undefined function foo() in "
            "/home/x/public_html/wp-content/plugins/acme/a.php on line 99")
    assert error_signature(redact(html)) == error_signature(redact(text))


def test_notices_and_repeats_do_not_change_the_signature():
    base = ("PHP Parse error:  syntax error, unexpected '}' in /x/wp-content/themes/t1/f.php "
            "on line 3")
    noisy = ("PHP Deprecated:  Creation of dynamic property A::$b is deprecated in "
             "/y/wp-content/plugins/jetpack/x.php on line 9\n" + base + "\n" + base)
    assert error_signature(redact(noisy)) == error_signature(redact(base))


def test_site_variants_of_one_fault_share_a_hash():
    rng = random.Random(7)
    signatures = {error_signature(redact(site_variant(SITE_A, make_site(rng, n), rng)))
                  for n in range(30)}
    assert len(signatures) == 1, signatures


@pytest.mark.skipif(not DEV_CORPUS.exists(), reason="dev corpus not present")
def test_fleet_stream_of_the_dev_corpus(local_analyzer):
    """The hit-rate evaluation on a small stream: no hash is shared by two labelled types.
    (The figure itself comes from `healer-ops bench cache`.)"""
    examples = [json.loads(line) for line in DEV_CORPUS.read_text().splitlines()][:30]
    report = evaluate_hit_rate(examples, sites=4, local=local_analyzer)
    assert report["logs"] == 120
    assert report["hashes_shared_by_types"] == 0
    assert report["hit_rate"] <= report["best_possible_hit_rate"]
    assert report["faults_with_one_hash"] >= 27, report


def test_warnings_next_to_a_fatal_do_not_split_a_fault():
    chatter_a = ("PHP Warning:  Undefined array key \"qx\" in /var/www/a/wp-content/plugins/"
                 "duplicator/includes/ab.php on line 3\n")
    chatter_b = ("PHP Warning:  Cannot modify header information - headers already sent in "
                 "/srv/b/wp-content/plugins/litespeed-cache/src/x.php on line 9\n")
    assert key(chatter_a + SITE_A) == key(SITE_A) == key(chatter_b + SITE_B)


def test_code_smell_warnings_leave_the_signature_but_environment_warnings_stay():
    smell = ('PHP Warning:  Attempt to read property "post_type" on null in /var/www/x/'
             'wp-content/plugins/wp-mail-smtp/public/class-public.php on line 4\n')
    refused = ("PHP Warning:  mysqli_real_connect(): (HY000/2002): Connection refused in "
               "/var/www/x/wp-includes/class-wpdb.php on line 1982")
    denied = refused.replace("(HY000/2002): Connection refused",
                             "(HY000/1045): Access denied for user 'shop'@'localhost'")
    assert error_signature(redact(smell + refused)) == error_signature(redact(refused))
    assert key(smell + refused, "DB_ERROR", None) != key(denied, "DB_ERROR", None)
    assert "undefined array key" in error_signature(redact(smell.replace(
        'Attempt to read property "post_type" on null', 'Undefined array key "a"')))


def test_checksum_reports_and_wp_cli_paths_are_the_sites_own():
    def report(path: str, files: list[str]) -> str:
        listed = "".join(f"Warning: File should not exist: wp-includes/{f}.php\n" for f in files)
        return (f"$ wp core verify-checksums --path={path}\n{listed}"
                "Error: WordPress installation doesn't verify against checksums.")

    one = report("/home/delta264/public_html", ["mpvqymga", "lrtunsyn"])
    other = report("/var/www/html/site-12", ["jgbeqfuq"])
    assert key(one, "INTEGRITY", None) == key(other, "INTEGRITY", None)


def test_upgrader_temporary_folders_are_not_part_of_the_fault():
    def failed(tmp: str) -> str:
        return (f"Could not create directory. /home/u/public_html/wp-content/upgrade/{tmp}/\n"
                "Plugin update failed.")

    assert key(failed("nextgen-gallery-mitqek"), "PERMISSION", None) == key(
        failed("nextgen-gallery-uhsqgd"), "PERMISSION", None)
