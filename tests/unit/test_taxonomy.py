"""The taxonomy file, its WP-CLI remediation commands, and culprit extraction from logs."""

from __future__ import annotations

import pytest

from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.analysis.taxonomy import (
    all_remediation_commands,
    extract_culprit,
    load_taxonomy,
    parse_remediation_line,
    remediation_commands,
)
from healer_ops.logtext import prepare


def test_taxonomy_has_every_type_with_compiled_signatures():
    taxonomy = load_taxonomy()
    assert set(taxonomy.types) == set(DIAGNOSIS_TYPES)
    assert taxonomy.priority[:3] == ("MAINTENANCE", "DB_ERROR", "DISK_FULL")
    memory = taxonomy.types["MEMORY_EXHAUSTION"].signatures
    assert any(s.search("Allowed memory size of 1 bytes exhausted (tried to allocate 2 bytes)")
               for s in memory)
    # '<empty body ...>' is a description, not a regex
    assert all(not s.pattern.startswith("<") for t in taxonomy.types.values()
               for s in t.signatures)


def test_remediation_commands_are_plain_wp_cli_commands():
    table = all_remediation_commands()
    assert set(table) == set(DIAGNOSIS_TYPES)
    commands = [c for cs in table.values() for c in cs]
    assert commands
    for command in commands:
        assert command.template.startswith("wp "), command
        assert "<" not in command.template and ">" not in command.template, command
        assert "|" not in command.template and ";" not in command.template, command
        assert "example.com" not in command.template
    plugin = [c.template for c in table["PLUGIN_CONFLICT"]]
    assert "wp plugin deactivate {slug} --skip-plugins --skip-themes" in plugin
    # the memory fix is the quoted form, never --raw (256M raw is itself a parse error)
    assert "wp config set WP_MEMORY_LIMIT 256M" in [c.template for c in
                                                    table["MEMORY_EXHAUSTION"]]
    assert not any("--raw" in c.template for c in table["MEMORY_EXHAUSTION"])


def test_remediation_comments_give_approval_and_conditions():
    deactivate = next(c for c in remediation_commands("PLUGIN_CONFLICT")
                      if c.template.startswith("wp plugin deactivate"))
    assert deactivate.approval == "auto" and deactivate.needs_slug
    repair = next(c for c in remediation_commands("DB_ERROR") if c.template == "wp db repair")
    assert repair.approval == "approve" and repair.error_types == {"DB_CORRUPTION"}
    config = [c.template for c in remediation_commands("DB_ERROR")
              if c.error_types == {"DB_ACCESS_DENIED", "DB_UNKNOWN_DB"}]
    assert config == ["wp config get DB_NAME", "wp config get DB_USER", "wp config get DB_HOST"]


def test_syntax_error_brings_the_plugin_and_theme_runbooks():
    commands = remediation_commands("SYNTAX_ERROR")
    by_runbook = {c.runbook for c in commands}
    assert {"PLUGIN_CONFLICT", "THEME_CONFLICT"} <= by_runbook
    assert all(c.condition for c in commands)


def test_parse_remediation_line_keeps_quoted_hashes_and_splits_commands():
    commands = parse_remediation_line('restore default "# BEGIN WordPress" block ; '
                                      'wp rewrite flush --hard')
    assert [c.template for c in commands] == ["wp rewrite flush --hard"]
    commands = parse_remediation_line("wp cache type ; wp cache flush   # auto")
    assert [(c.template, c.approval) for c in commands] == [("wp cache type", "auto"),
                                                            ("wp cache flush", "auto")]
    assert parse_remediation_line("wp cron event delete <hook>") == []


def test_unknown_type_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown diagnosis type 'NOPE'"):
        remediation_commands("NOPE")


# --- culprit extraction ------------------------------------------------------------------

@pytest.mark.parametrize(("log", "expected"), [
    ("PHP Fatal error:  Uncaught Error: Call to undefined function foo() in "
     "/var/www/html/wp-content/plugins/acme-forms/inc/a.php:12", ("acme-forms", "plugin")),
    ("Fatal error: Uncaught Error: Call to undefined function bar() in "
     "/home/u/public_html/wp-content/themes/acme-child/functions.php:3", ("acme-child", "theme")),
    ("PHP Fatal error:  Uncaught Error: Class \"X\" not found in "
     "/srv/wp/wp-content/mu-plugins/platform-loader.php:9", ("platform-loader.php", "mu-plugin")),
    ("PHP Fatal error:  Uncaught RedisException: Connection refused in "
     "/srv/wp/wp-content/object-cache.php:749", ("object-cache.php", "drop-in")),
    (r"PHP Fatal error:  Uncaught Error: Call to undefined function x() in "
     r"C:\inetpub\wwwroot\shop\wp-content\plugins\stripe-payments\lib\Api.php:198",
     ("stripe-payments", "plugin")),
    ("PHP Fatal error:  Uncaught Error: Class 'A' not found in "
     "/var/www/html/web/app/plugins/bedrock-plugin/main.php:4", ("bedrock-plugin", "plugin")),
    ("PHP Fatal error:  Uncaught Error: Call to undefined function hello() in "
     "/var/www/wp-content/plugins/hello.php:58", ("hello", "plugin")),
])
def test_extract_culprit(log, expected):
    assert extract_culprit(log) == expected


def test_warnings_inside_a_plugin_folder_do_not_blame_the_plugin():
    log = ("[01-Jan-2024 10:00:00 UTC] PHP Warning:  Undefined array key \"x\" in "
           "/var/www/wp-content/plugins/noisy-plugin/noisy.php on line 5\n"
           "[01-Jan-2024 10:00:00 UTC] PHP Deprecated:  strlen(): Passing null in "
           "/var/www/wp-content/plugins/noisy-plugin/noisy.php on line 9\n")
    assert extract_culprit(log) == (None, None)
    log += ("[01-Jan-2024 10:00:01 UTC] PHP Fatal error:  Uncaught Error: Call to undefined "
            "function y() in /var/www/wp-content/themes/real-culprit/header.php:7\n")
    assert extract_culprit(log) == ("real-culprit", "theme")


def test_the_error_location_wins_over_other_paths_in_the_message():
    redeclare = ("Fatal error: Cannot redeclare plugin_init() \n(previously declared in "
                 "/x/wp-content/plugins/first-plugin/a.php:27) \nin "
                 "/x/wp-content/plugins/second-plugin/b.php on line 26")
    assert extract_culprit(redeclare) == ("second-plugin", "plugin")
    arguments = ("PHP Fatal error:  Uncaught ArgumentCountError: Too few arguments, 1 passed in "
                 "/h/wp-includes/class-wp-hook.php on line 324 and exactly 2 expected in "
                 "/h/wp-content/plugins/shop-addon/src/Orders.php:201")
    assert extract_culprit(arguments) == ("shop-addon", "plugin")


def test_core_error_called_from_a_plugin_blames_the_plugin_frame():
    log = ("PHP Fatal error:  Uncaught Error: Call to undefined function wp_get_current_user() "
           "in /h/wp-includes/capabilities.php:911\nStack trace:\n"
           "#0 /h/wp-includes/capabilities.php(959): current_user_can('x')\n"
           "#1 /h/wp-content/plugins/early-caller/early.php(27): current_user_can('x')\n"
           "#2 {main}\n  thrown in /h/wp-includes/capabilities.php on line 911")
    assert extract_culprit(log) == ("early-caller", "plugin")
    only_core = log.replace("wp-content/plugins/early-caller/early.php", "wp-settings.php")
    assert extract_culprit(only_core) == (None, None)


def test_nginx_request_suffix_is_not_the_error_location():
    log = ('2024/01/01 00:00:00 [error] 1#1: *2 FastCGI sent in stderr: "PHP message: PHP Fatal '
           "error:  Cannot redeclare f() in /var/www/wp-content/plugins/dup-fn/f.php on line 3\" "
           'while reading response header from upstream, client: 1.2.3.4, server: x, request: '
           '"GET /wp-admin/index.php HTTP/1.1"')
    assert extract_culprit(log) == ("dup-fn", "plugin")


def test_json_escaped_and_html_logs_are_read():
    json_log = ('2024-05-20T08:33:18+00:00 Critical - Array and string offset access syntax with '
                'curly braces is no longer supported\n{"error": {"type": 64, "file": '
                '"\\/var\\/www\\/wp-content\\/plugins\\/old-toolbar\\/x.php", "line": 97}}')
    assert extract_culprit(json_log) == ("old-toolbar", "plugin")
    html_log = ("<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function f() in "
                "<b>/h/wp-content/plugins/html-out/x.php</b> on line <b>3</b><br />")
    assert extract_culprit(html_log) == ("html-out", "plugin")
    assert "<b>" not in prepare(html_log)


