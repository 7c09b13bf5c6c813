"""Log-text normalization: real server wrappers, Windows paths, CRLF, masks and severities."""

from __future__ import annotations

import json

import pytest

from healer_ops.analysis.signature import error_signature
from healer_ops.logtext import (
    CLIPPED_MARK,
    CONTEXT,
    EMAIL,
    FAULT,
    IPV4,
    NOISE,
    clip_log,
    fatal_entries,
    is_code_smell,
    is_fatal,
    is_minor,
    is_wrapper_only,
    log_entries,
    mask_ids,
    mask_install_paths,
    mask_numbers,
    mask_slugs,
    mask_timestamps,
    prepare,
    rank,
    read_log,
    strip_php_prefix,
    strip_request_suffix,
    strip_wrappers,
    unwrap,
)
from healer_ops.logtext.severity import CHATTER, ERROR, FATAL, NOTICE
from healer_ops.patterns import error_pattern_from_log, matches

MESSAGE = ("PHP Fatal error:  Uncaught Error: Call to undefined function acme_boot() in "
           "/var/www/html/wp-content/plugins/acme-forms/inc/boot.php:57")

# One PHP fatal as each server writes it (formats copied from real logs).
WRAPPED = {
    "php error_log": f"[12-Nov-2025 19:20:15 UTC] {MESSAGE}",
    "nginx": (f'2024/03/01 08:01:02 [error] 1234#1234: *99 FastCGI sent in stderr: "PHP '
              f'message: {MESSAGE}" while reading response header from upstream, client: '
              '203.0.113.9, server: shop.example.org, request: "GET /checkout/ HTTP/1.1", '
              'upstream: "fastcgi://unix:/run/php/php8.1-fpm.sock:", host: "shop.example.org"'),
    "apache proxy_fcgi": ("[Tue Mar 05 10:12:01.123456 2024] [proxy_fcgi:error] [pid 1234:tid "
                          "140234] [client 203.0.113.9:51234] AH01071: Got error 'PHP message: "
                          f"{MESSAGE}', referer: https://shop.example.org/wp-admin/"),
    "php-fpm": ('[05-Mar-2024 10:12:01] WARNING: [pool www] child 4711 said into stderr: '
                f'"{MESSAGE}"'),
    "docker compose": f"wordpress-1  | [05-Mar-2024 10:12:01 UTC] {MESSAGE}",
    "docker swarm": f"srv-captain--blog.1.px8gzrp9lyoi@toan-server    | {MESSAGE}",
    "kubernetes": ("2024-10-05T12:00:00.000Z wordpress-7c9f8d-x2z1q wordpress [05-Oct-2024 "
                   f"12:00:00 UTC] {MESSAGE}"),
    "syslog": (f'May 14 09:32:11 web01 php-fpm[2211]: [WARNING] [pool www] child 4711 said into '
               f'stderr: "{MESSAGE}"'),
    "syslog iso": f"2024-05-14T09:32:11.512+02:00 web01 php-fpm[2211]: {MESSAGE}",
    "xdebug": f"( ! ) {MESSAGE}",
    "display_errors": f"{MESSAGE}<br />",
}


@pytest.mark.parametrize("server", sorted(WRAPPED))
def test_each_servers_wrapper_leaves_the_php_message(server):
    assert unwrap(WRAPPED[server]) == MESSAGE


def test_a_message_without_wrapper_is_left_alone():
    for line in (MESSAGE, "Error establishing a database connection",
                 "WordPress database error Table 'wp_options' doesn't exist for query SELECT 1",
                 "cURL error 28: Operation timed out after 10001 milliseconds"):
        assert unwrap(line) == line


def test_nested_wrappers_come_off_together():
    nested = f"wordpress-1  | stderr: [05-Mar-2024 10:12:01 UTC] ( ! ) {MESSAGE}"
    assert strip_wrappers(nested) == MESSAGE


def test_the_request_suffix_is_one_regex_for_every_reader():
    timeout = ("upstream timed out (110: Connection timed out) while reading response header "
               "from upstream, client: 203.0.113.9, server: example.org")
    assert strip_request_suffix(timeout) == "upstream timed out (110: Connection timed out)"
    refused = ("connect() to unix:/run/php/php8.1-fpm.sock failed (11: Resource temporarily "
               "unavailable) while connecting to upstream, client: 203.0.113.9, server: x.org")
    # nginx's own phase stays (a refused pool is not a slow script); the request goes.
    assert strip_request_suffix(refused).endswith("while connecting to upstream")
    apache = "AH00124: Request exceeded the limit of 10 internal redirects, referer: https://a.b/"
    assert strip_request_suffix(apache) == ("AH00124: Request exceeded the limit of 10 internal "
                                            "redirects")
    # per line: a multi-line message keeps its next line
    assert strip_request_suffix('boom" while sending to client, client: x\nnext') == "boom\nnext"
    assert strip_request_suffix("meanwhile reading the docs") == "meanwhile reading the docs"


def test_prepare_splits_nginx_bundles_and_marks_wrapper_only_leftovers():
    bundle = ('2024/03/01 08:01:02 [error] 1#1: *9 FastCGI sent in stderr: "PHP message: PHP '
              'Warning:  foo() in /a/b.php on line 2PHP message: PHP Fatal error:  bar()"')
    lines = prepare(bundle).split("\n")
    assert len(lines) == 3 and lines[1].startswith("PHP message: PHP Warning")
    assert is_wrapper_only(unwrap(lines[0]))
    assert not is_wrapper_only(unwrap(lines[2]))
    fpm = ('[05-Mar-2024 10:12:01] WARNING: [pool www] child 42 said into stderr: "NOTICE: PHP '
           'message: PHP Fatal error:  x()"')
    head = prepare(fpm).split("\n")[0]
    assert is_wrapper_only(unwrap(head)), unwrap(head)
    assert not is_wrapper_only("Error: This does not seem to be a WordPress installation.")


def test_prepare_makes_crlf_windows_html_json_and_quotes_regular():
    crlf = "[12-Nov-2025 19:20:15 UTC] PHP Warning:  a\r\n[12-Nov-2025 19:20:16 UTC] PHP b\r\n"
    assert prepare(crlf) == "[12-Nov-2025 19:20:15 UTC] PHP Warning:  a\n" \
                            "[12-Nov-2025 19:20:16 UTC] PHP b\n"
    assert prepare("old\rmac") == "old\nmac"
    windows = r"in C:\inetpub\wwwroot\blog\wp-includes\meta.php on line 602"
    assert prepare(windows) == "in C:/inetpub/wwwroot/blog/wp-includes/meta.php on line 602"
    json_log = '{"file": "\\/var\\/www\\/wp-content\\/plugins\\/x\\/a.php"}'
    assert prepare(json_log) == '{"file": "/var/www/wp-content/plugins/x/a.php"}'
    html = ("<br />\n<b>Fatal error</b>:  Uncaught Error: f() in <b>/h/a.php</b> on line "
            "<b>3</b><br />&quot;x&quot;")
    assert "<b>" not in prepare(html) and '"x"' in prepare(html)
    assert prepare("Can’t select database “wp”\u00a0now") == "Can't select database \"wp\" now"


def test_literal_newlines_break_before_entries_or_everywhere_on_request():
    one_line = r"PHP Fatal error:  x() in /a.php:3\nStack trace:\n#0 {main}\n  thrown in /a.php"
    assert prepare(one_line).split("\n")[:3] == ["PHP Fatal error:  x() in /a.php:3",
                                                 "Stack trace:", "#0 {main}"]
    assert prepare(r"first\nsecond") == "first/nsecond"  # a Windows path's "\n" is not a break
    assert prepare(r"first\nsecond", literal_newlines=True) == "first\nsecond"


def test_clip_log_keeps_the_beginning_and_the_end():
    log = "first cause\n" + "noise\n" * 100 + "last error"
    assert clip_log(log) == log
    clipped = clip_log(log, limit=40)
    assert clipped.startswith("first cause") and clipped.endswith("last error")
    assert CLIPPED_MARK in clipped and len(clipped) < len(log)


@pytest.mark.parametrize(("path", "masked"), [
    ("/var/www/html/wp-content/plugins/acme/a.php", "<root>/wp-content/plugins/acme/a.php"),
    ("C:/inetpub/wwwroot/blog/wp-includes/meta.php", "<root>/wp-includes/meta.php"),
    ("/srv/www/site/web/app/plugins/acme/a.php", "<root>/wp-content/plugins/acme/a.php"),
    ("/home/alice/public_html/wp-config.php", "<root>/wp-config.php"),
    ("/home/alice/logs/php.log", "/home/<user>/logs/php.log"),
    ("wp-content/themes/astra/functions.php", "<root>/wp-content/themes/astra/functions.php"),
    ("/usr/share/php/PEAR.php", "/usr/share/php/PEAR.php"),
    ("../../../../wp-load.php", "../../../../wp-load.php"),  # a theme's relative include
])
def test_install_paths_are_the_sites_own(path, masked):
    assert mask_install_paths(f"in {path} on line 3") == f"in {masked} on line 3"


def test_classifier_and_signature_share_the_masks_with_their_own_placeholders():
    text = "in /var/www/html/wp-content/plugins/acme-forms/inc/boot.php:57"
    assert mask_install_paths(text, root="") == "in /wp-content/plugins/acme-forms/inc/boot.php:57"
    assert mask_slugs(mask_install_paths(text)) == (
        "in <root>/wp-content/plugins/slug/inc/boot.php:57")
    assert mask_numbers("line 57 of 1,024 in php8 (8.1.2)") == "line <n> of <n> in php8 (<n>)"
    assert mask_numbers("line 57", "0") == "line 0"


def test_hex_ids_and_uuids_but_not_plain_numbers_or_words():
    text = ("request 550e8400-e29b-41d4-a716-446655440000 at 0x7f3a9c2d, object 3f2a9b10c4d5, "
            "memory 134217728, word deadbeef")
    assert mask_ids(text) == "request <uuid> at <hex>, object <hex>, memory 134217728, word " \
                             "deadbeef"


@pytest.mark.parametrize("stamp", [
    "12-Nov-2025 19:20:15 UTC",  # PHP error_log
    "Tue Mar 05 10:12:01.123456 2024",  # Apache
    "2024/03/01 08:01:02",  # nginx
    "2024-05-20T08:33:18+00:00",  # ISO 8601
    "May 14 09:32:11",  # syslog
    "2024-02-10 10:00:00",  # MySQL
])
def test_timestamps_in_every_servers_format(stamp):
    assert "<" in mask_timestamps(stamp) and not any(c.isdigit() for c in mask_timestamps(stamp))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires",
                                  "Etc/GMT-3", "UTC+2", "GMT+02:00", "+05:30", "-0700", "CEST"])
def test_a_timestamp_in_any_zone_is_masked_whole(zone):
    assert mask_timestamps(f"at 05-Mar-2024 10:11:12 {zone} x") == "at <date> <ts> x"


def test_a_timestamp_does_not_eat_the_word_after_it():
    assert mask_timestamps("19:20:15 PHP Fatal error") == "<ts> PHP Fatal error"
    assert mask_timestamps("at 10:00 the cron ran") == "at <ts> the cron ran"
    assert mask_timestamps("19:20:15 CEST x") == "<ts> x"


def test_ipv4_and_email():
    assert IPV4.findall("client: 203.0.113.9, port 1.2.3.4.5, time 10.0.0.256") == [
        "203.0.113.9"]
    assert EMAIL.findall("to admin@shop.example.org and root@localhost") == [
        "admin@shop.example.org", "root@localhost"]


def test_fatal_is_decided_by_the_first_severity_word():
    assert is_fatal("PHP Fatal \tUncaught Error: Call to undefined function f()")
    assert is_fatal("Fatal error: Uncaught Error: x in /a/b.php:1")
    assert is_fatal("PHP Parse error:  syntax error, unexpected '}'")
    assert is_fatal("2024-05-20T08:33:18+00:00 CRITICAL Uncaught Exception")
    assert is_fatal("Call to a member function get() on null")  # only ever fatal
    assert not is_fatal("WordPress detects when a plugin causes a fatal error on your site")
    assert not is_fatal("Site Health: Your site has no critical issues.")
    assert not is_fatal("PHP Warning:  Uncaught exceptions are logged elsewhere")


def test_fatal_entries_need_a_php_fatal_not_prose():
    assert fatal_entries("PHP Fatal \tUncaught Error: Call to undefined function f()")
    assert not fatal_entries("WordPress detects when a plugin causes a fatal error on your site")


def test_minor_lines_are_notices_deprecations_and_code_smells():
    assert is_minor("[12-Nov-2025 19:20:15 UTC] PHP Deprecated:  Creation of dynamic property")
    assert is_minor("PHP Notice:  Undefined index: foo in /a.php on line 3")
    assert is_minor('PHP Warning:  Undefined array key "qx" in /a.php on line 3')
    assert is_minor("Warning: Invalid argument supplied for foreach() in /a.php on line 3")
    assert is_minor("Strict Standards: Non-static method")
    assert not is_minor("PHP Warning:  mysqli_real_connect(): (HY000/2002): Connection refused")
    assert not is_minor("PHP Fatal error:  Uncaught Error: Undefined constant \"X\"")
    assert is_code_smell('warning: attempt to read property "post_type" on null')
    assert not is_code_smell("warning: fopen(): failed with errno=28 no space left on device")


def test_rank_orders_lines_by_how_much_they_tell():
    assert rank("fatal error: uncaught error: x()") == FATAL
    assert rank("thrown in <root>/wp-content/plugins/a/b.php on line <n>") == FATAL
    assert rank("warning: mysqli_real_connect(): (hy000/2002): connection refused") == ERROR
    assert rank("notice: undefined index") == NOTICE
    assert rank("PHP Deprecated:  x") == CHATTER
    assert strip_php_prefix("PHP Fatal error:  x") == "Fatal error:  x"
    assert strip_php_prefix("PHP message") == "PHP message"


def test_log_entries_keep_stack_frames_with_their_head():
    log = ("[12-Nov-2025 19:20:14 UTC] PHP Warning:  Undefined array key \"a\" in /x/a.php on "
           "line 2\r\n[12-Nov-2025 19:20:15 UTC] PHP Fatal error:  Uncaught Error: boom in "
           "/x/wp-content/plugins/p/p.php:9\r\nStack trace:\r\n#0 /x/wp-includes/plugin.php(1): "
           "p()\r\n#1 {main}\r\n  thrown in /x/wp-content/plugins/p/p.php on line 9\r\n")
    entries = log_entries(log)
    assert [entry.fatal for entry in entries] == [False, True]
    assert entries[1].frames == ["/x/wp-includes/plugin.php(1): p()", "{main}"]
    assert entries[1].message.endswith("thrown in /x/wp-content/plugins/p/p.php on line 9")
    assert "Stack trace" not in entries[1].message


def test_one_fault_through_every_wrapper_has_one_signature_and_one_pattern():
    signatures = {server: error_signature(log) for server, log in WRAPPED.items()}
    assert len(set(signatures.values())) == 1, signatures
    for server, log in WRAPPED.items():
        pattern = error_pattern_from_log(log)
        missed = [other for other, text in WRAPPED.items() if not matches(pattern, text)]
        assert not missed, (server, pattern, missed)


def test_only_the_wrappers_own_quote_is_closed():
    key = 'PHP Warning:  Undefined array key "x"'
    nginx = (f'2024/03/01 08:01:02 [error] 1#1: *9 FastCGI sent in stderr: "PHP message: {key}" '
             'while reading response header from upstream, client: 203.0.113.9')
    assert unwrap(nginx) == key
    assert unwrap(f'[05-Mar-2024 10:12:01] WARNING: [pool www] child 7 said into stderr: "{key}"'
                  ) == key
    assert unwrap(key) == key


def test_masks_take_linear_time_on_a_huge_token():
    import time

    token = "a" * 200_000  # a clipped log of one long word: quadratic masking took minutes
    started = time.perf_counter()
    assert mask_install_paths(token) == token and mask_ids(token) == token
    assert mask_timestamps(token) == token and unwrap(token) == token
    assert time.perf_counter() - started < 2.0


def test_the_local_models_version_covers_every_logtext_module():
    from pathlib import Path

    import healer_ops.logtext
    from healer_ops.analysis.artifact import _source_files

    package = Path(healer_ops.logtext.__file__).parent
    covered = set(_source_files())
    assert set(package.glob("*.py")) <= covered
    assert all(path.is_file() for path in covered)


# --- reading a log: entries, roles, collectors ---------------------------------------------

def _roles(log: str) -> list[tuple[str, str]]:
    return [(entry.role, entry.head[:40]) for entry in read_log(log).entries]


@pytest.mark.parametrize(("line", "role"), [
    ("PHP Deprecated:  Creation of dynamic property A::$b is deprecated in /a.php on line 3",
     NOISE),
    ("PHP Notice:  Undefined index: page in /a.php on line 3", NOISE),
    ('PHP Warning:  Undefined array key "x" in /a.php on line 3', NOISE),
    ("PHP Warning:  Cannot modify header information - headers already sent", NOISE),
    ("PHP Warning:  mysqli_real_connect(): (HY000/2002): Connection refused in /a.php", FAULT),
    ("PHP Warning:  copy(/a): failed to open stream: No space left on device in /b.php", FAULT),
    ("PHP Warning:  file_put_contents(/a): failed to open stream: Permission denied", FAULT),
    ("PHP Fatal error:  Uncaught Error: x() in /a.php:3", FAULT),
    ("2024/03/01 08:01:02 [warn] 7#7: *1 an upstream response is buffered to a temporary file",
     NOISE),
    ('2024/03/01 08:01:02 [error] 7#7: *1 open() "/var/www/favicon.ico" failed (2: No such '
     'file or directory), client: 1.2.3.4', NOISE),
    ("2024/03/01 08:01:02 [error] 7#7: *1 upstream timed out (110: Connection timed out)", FAULT),
    ("[05-Mar-2024 10:11:12] WARNING: [pool www] child 22 exited on signal 11 (SIGSEGV)", FAULT),
    ("[05-Mar-2024 10:11:12] NOTICE: [pool www] child 4711 started", NOISE),
    ("AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
     NOISE),
    ('1.2.3.4 - - [05/Mar/2024:10:11:12 +0000] "GET / HTTP/1.1" 200 512 "-" "curl"', NOISE),
    ('1.2.3.4 - - [05/Mar/2024:10:11:12 +0000] "GET / HTTP/1.1" 502 0 "-" "curl"', FAULT),
    ("[05-Mar-2024 10:11:12 UTC] Jetpack: sync queue size 214", NOISE),
    ("[05-Mar-2024 10:11:12 UTC] Cron reschedule event error for hook: x", FAULT),
    ("Error: Error establishing a database connection", FAULT),
    ("Briefly unavailable for scheduled maintenance. Check back in a minute.", CONTEXT),
])
def test_each_entry_plays_a_role(line, role):
    assert [r for r, _ in _roles(line)] == [role]


def test_the_focus_is_the_log_without_its_noise():
    notice = "PHP Notice:  Undefined index: page in /a.php on line 3"
    fatal = "PHP Fatal error:  Uncaught Error: x() in /wp-content/plugins/p/a.php:3"
    reading = read_log(f"{notice}\n{fatal}\n{notice}")
    assert reading.focus == fatal and reading.shows_failure and not reading.minor_only
    only_noise = read_log(f"{notice}\n{notice}")
    assert only_noise.focus == f"{notice}\n{notice}" and only_noise.minor_only
    assert not only_noise.shows_failure
    assert [e.head for e in reading.signature_entries] == [fatal]


def test_a_collector_prefix_on_every_line_keeps_a_trace_in_its_entry():
    trace = ["PHP Fatal error:  Uncaught Error: x() in /wp-content/plugins/p/a.php:3",
             "Stack trace:", "#0 /wp-includes/plugin.php(1): x()", "#1 {main}",
             "  thrown in /wp-content/plugins/p/a.php on line 3"]
    collectors = {
        "docker compose": lambda n, line: f"wordpress-1  | {line}",
        "kubectl --timestamps": lambda n, line: f"2024-10-05T12:00:0{n}.123456789Z {line}",
        "syslog": lambda n, line: f"May 14 09:32:1{n} web01 php-fpm[2211]: {line}",
        "docker json-file": lambda n, line: json.dumps({"log": line + "\n", "stream": "stderr",
                                                        "time": "2024-10-05T12:00:00Z"}),
    }
    for name, prefix in collectors.items():
        log = "\n".join(prefix(n, line) for n, line in enumerate(trace))
        entries = read_log(log).entries
        assert len(entries) == 1 and entries[0].fatal, (name, entries)
        assert entries[0].frames == ["/wp-includes/plugin.php(1): x()", "{main}"], name
    rsyslog = ("May 14 09:32:11 web01 php: PHP Fatal error:  x() in /a.php:3#012Stack trace:"
               "#012#0 {main}")
    assert read_log(rsyslog).entries[0].frames == ["{main}"]


def test_apache_escaped_line_breaks_and_records_split_over_two_lines():
    apache = ("[Tue Mar 05 10:12:01.1 2024] [proxy_fcgi:error] [pid 1:tid 2] [client 1.2.3.4:5] "
              "AH01071: Got error 'PHP message: PHP Fatal error:  Cannot redeclare f() \\n("
              "previously declared in /wp-content/plugins/a/a.php:2)\\nin /wp-content/plugins/b/"
              "b.php on line 3', referer: https://x.org/")
    entries = read_log(apache).entries
    assert len(entries) == 1 and entries[0].fatal
    assert entries[0].message.rstrip("'").endswith("b.php on line 3")
    split = ("[Mon Oct 31 06:09:02.593829 2022] [core:error] [pid 3534:tid 1] \n"
             "[client 10.0.0.1:61236] AH00124: Request exceeded the limit of 10 internal\n"
             "redirects due to probable configuration error.")
    entries = read_log(split).entries
    assert len(entries) == 1 and entries[0].role == FAULT  # the level on the first line counts
    assert entries[0].head.startswith("AH00124")


def test_a_php_message_takes_only_lines_that_continue_it():
    log = ("PHP Warning:  Undefined array key \"a\" in /a.php on line 2\n"
           "MariaDB [wp]> check table wp_options;\n"
           "| wp.wp_options | check | error | Corrupt |")
    assert [r for r, _ in _roles(log)] == [NOISE, FAULT]
    wrapped = ("Warning: mysqli_real_connect(): MySQL server has gone away in\n"
               "/var/www/wp-db.php on line 1")
    assert len(read_log(wrapped).entries) == 1


def test_a_logger_writing_iso_stamps_keeps_one_entry_per_record():
    log = ("2024-05-20T08:33:18+00:00 INFO Payment gateway loaded\n"
           "2024-05-20T08:33:19+00:00 CRITICAL Uncaught Error: Call to undefined function x() "
           "in /var/www/wp-content/plugins/woo-x/a.php:3\n"
           "2024-05-20T08:33:20+00:00 DEBUG cache warmed")
    assert [(e.role, e.fatal) for e in read_log(log).entries] == [
        (NOISE, False), (FAULT, True), (NOISE, False)]


def test_a_relay_writing_each_line_as_a_record_keeps_the_message_whole():
    """php-fpm's "said into stderr" and LiteSpeed's [STDERR] put their prefix on every line
    of a multi-line PHP message (a blank line too): the lines still make one entry."""
    message = ["PHP Fatal error:  Cannot redeclare plugin_init() ",
               "(previously declared in /wp-content/plugins/a/a.php:27) ",
               "in /wp-content/plugins/b/b.php on line 26", "",
               "/wp-content/plugins/b/b.php:26 Stack trace:", "#0 {main}",
               "  thrown in /wp-content/plugins/b/b.php on line 26"]
    relays = {
        "php-fpm": lambda n, line: (f"[05-Mar-2024 10:12:0{n}] WARNING: [pool www] child 42 said "
                                    f"into stderr: \"NOTICE: {'PHP message: ' * (n == 0)}{line}\""),
        "litespeed": lambda n, line: (f"2024-03-05 10:12:0{n}.123456 [NOTICE] [42] [T0] "
                                      f"[1.2.3.4:5#APVH_x.org:443] [STDERR] {line}"),
    }
    for name, prefix in relays.items():
        log = "\n".join(prefix(n, line) for n, line in enumerate(message))
        entries = read_log(log).entries
        assert len(entries) == 1 and entries[0].fatal, (name, entries)
        assert "b/b.php on line 26" in entries[0].message and entries[0].frames == ["{main}"]
        assert not entries[0].text.endswith('"'), name
    # the relay's level is not the message's: a relayed line without a level is the
    # worker's own text (context), not server chatter
    relayed = ('[05-Mar-2024 10:12:01] WARNING: [pool www] child 42 said into stderr: "NOTICE: '
               '/app/.htaccess: Invalid command \'php_value\', perhaps misspelled"')
    assert [r for r, _ in _roles(relayed)] == [CONTEXT]
    # a record that starts an entry of its own still does
    two = "\n".join(relays["litespeed"](n, line) for n, line in enumerate(
        ["PHP Warning:  Undefined variable $a in /a.php on line 2",
         "PHP Fatal error:  Uncaught Error: x() in /wp-content/plugins/p/a.php:3"]))
    assert [(e.role, e.fatal) for e in read_log(two).entries] == [(NOISE, False), (FAULT, True)]


def test_more_collectors_on_every_line_keep_a_trace_in_its_entry():
    trace = ["PHP Fatal error:  Uncaught Error: x() in /wp-content/plugins/p/a.php:3",
             "Stack trace:", "#0 /wp-includes/plugin.php(1): x()", "#1 {main}",
             "  thrown in /wp-content/plugins/p/a.php on line 3"]
    collectors = {
        "RFC 5424 syslog": lambda n, line: f"<11>1 2024-10-05T12:00:0{n}.123+05:45 web01 php-fpm "
                                           f"2211 - - {line}",
        "RFC 3164 with priority": lambda n, line: f"<11>May 14 09:32:1{n} web01 php[22]: {line}",
        "containerd": lambda n, line: f"2024-10-05T12:00:0{n}.123456789-03:30 stderr F {line}",
        "heroku": lambda n, line: f"2024-10-05T12:00:0{n}.123456+00:00 app[web.1]: {line}",
        "kubectl --prefix": lambda n, line: f"[pod/wordpress-7c9f-x2z1q/wordpress] {line}",
    }
    for name, prefix in collectors.items():
        log = "\x00" * 50 + "\r\r\n".join(prefix(n, line) for n, line in enumerate(trace))
        entries = read_log(log).entries
        assert len(entries) == 1 and entries[0].fatal, (name, entries)
        assert entries[0].frames == ["/wp-includes/plugin.php(1): x()", "{main}"], name
    # a one-line record whose literal "\n" became line breaks: its trace lines lack the prefix
    one_line = ("<11>1 2024-10-05T12:00:00Z web01 php-fpm 1 - - PHP Notice:  a in /a.php:1\n"
                "<11>1 2024-10-05T12:00:01Z web01 php-fpm 1 - - PHP Fatal error:  Uncaught Error: "
                "x() in /wp-content/plugins/p/a.php:3\\nStack trace:\\n#0 {main}\\n  thrown in "
                "/wp-content/plugins/p/a.php on line 3")
    assert [(e.role, e.fatal) for e in read_log(one_line).entries] == [(NOISE, False),
                                                                       (FAULT, True)]


def test_server_chatter_of_other_kinds_is_noise():
    fatal = "PHP Fatal error:  Uncaught Error: x() in /wp-content/plugins/p/a.php:3"
    chatter = [
        '{"level":"info","ts":1709633472.1,"logger":"http.log.access","msg":"handled request",'
        '"status":404}',  # a structured logger's own record keeps its level
        '{"log":"{\\"level\\":\\"info\\",\\"msg\\":\\"handled request\\"}","stream":"stdout"}',
        "2024/03/05 10:11:12 [info] 12#12: *5 client timed out (110: Connection timed out) "
        "while waiting for request, client: 1.2.3.4, server: 0.0.0.0:443",
        "1:M 05 Mar 2024 10:11:12.123 * DB saved on disk",
        'shop.example.org:443 1.2.3.4 - - [05/Mar/2024:10:11:12 +0000] "GET / HTTP/1.1" 301 562',
        "[05-Mar-2024 10:11:12]  [pool www] pid 2211\nscript_filename = /var/www/index.php\n"
        "[0x00007f3b2c813f60] curl_exec() /var/www/wp-includes/Requests/Curl.php:205",
    ]
    for line in chatter:
        reading = read_log(f"{fatal}\n{line}")
        assert [e.role for e in reading.entries] == [FAULT, NOISE], (line, reading.entries)
    # a structured logger's record behind a collector's prefix is read as that record
    behind = "\n".join(f"2024-10-05T12:00:0{n}.123456789Z {line}" for n, line in enumerate(
        [fatal, '{"level":"info","ts":1709633472.1,"msg":"handled request","status":404}']))
    assert [e.role for e in read_log(behind).entries] == [FAULT, NOISE]
    # a request refused by a firewall or an access rule may be the fault (the login page
    # denied by the server's configuration): not noise
    denied = ("[Tue Feb 20 05:06:07.080 2024] [authz_core:error] [pid 2021] [client 1.2.3.4:6] "
              "AH01630: client denied by server configuration: /var/www/html/wp-login.php")
    assert [e.role for e in read_log(denied).entries] == [FAULT]
    # another program's syslog record after a PHP message does not continue it
    cron = ("PHP Warning:  mysqli_real_connect(): MySQL server has gone away in\n"
            "/var/www/wp-db.php on line 1\n"
            "May 14 09:32:11 web01 CRON[123]: (www-data) CMD (php /var/www/wp-cron.php)")
    assert len(read_log(cron).entries) == 2


@pytest.mark.parametrize("line", [
    "2026-11-21T08:39:58Z probe: GET https://site.example.test/ -> HTTP/1.1 200 OK, "
    "Content-Length: 0, 248 ms",
    "[05-Dec-2026 07:00:01 UTC] monitor: https://shop.example.test/ answered 200 with an "
    "empty body",
    "Dec  5 07:00:01 web1 check_http: curl: (52) Empty reply from server",
])
def test_an_empty_response_is_a_fault_even_stamped_and_with_status_200(line):
    """A record of an empty answer is the white screen's sign, never chatter to skip: a
    timestamped probe line saying 200 with Content-Length 0 once made a log HEALTHY."""
    reading = read_log(line + "\nno PHP errors logged (log_errors=Off)\n")
    assert reading.shows_failure
    assert any(entry.role == "fault" for entry in reading.entries)
