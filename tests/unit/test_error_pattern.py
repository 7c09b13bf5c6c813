"""Learned error patterns on top of logtext: wrappers off, install folders wild, the rest
literal (no database needed)."""

from __future__ import annotations

from healer_ops.patterns import error_pattern_from_log, key_line, matches


def test_the_install_folder_is_wild_but_the_plugin_and_its_file_are_not():
    log = ("PHP Warning:  file_put_contents(): Only 0 of 512 bytes written, possibly out of free "
           "disk space in /var/www/html/wp-content/plugins/wp-super-cache/wp-cache-phase2.php "
           "on line 2130")
    pattern = error_pattern_from_log(log)
    assert "wp\\-super\\-cache" in pattern and "wp\\-content" in pattern
    assert matches(pattern, log.replace("/var/www/html", "/home/bob/public_html"))
    assert not matches(pattern, log.replace("wp-super-cache", "other-cache"))


def test_a_core_file_keeps_its_folder():
    log = ("PHP Warning:  mysqli_real_connect(): (HY000/2002): Connection refused in "
           "/srv/site/wp-includes/wp-db.php on line 1538")
    pattern = error_pattern_from_log(log)
    assert "wp\\-includes/wp\\-db\\.php" in pattern
    assert matches(pattern, log.replace("/srv/site", "C:\\inetpub\\wwwroot"))


def test_a_line_that_is_only_a_timestamp_is_never_the_key_line():
    log = ("Web server is down Error code 521\nVisit cloudflare.com for more information.\n"
           "2024-03-11 08:00:01 UTC")
    assert key_line(log) == "Visit cloudflare.com for more information."
    assert error_pattern_from_log(log)  # never the empty pattern that matches every log


def test_the_key_line_skips_php_fpm_notices():
    log = ("[03-Mar-2024 11:00:01] WARNING: [pool www] child 22101 exited on signal 11 "
           "(SIGSEGV - core dumped) after 0.512001 seconds from start\n"
           "[03-Mar-2024 11:00:01] NOTICE: [pool www] child 22130 started")
    assert "SIGSEGV" in key_line(log)
