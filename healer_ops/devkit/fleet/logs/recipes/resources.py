"""Recipes of a site running out of something: memory, disk space, time."""

from __future__ import annotations

import string

from healer_ops.devkit.fleet.logs.context import PLUGINS, LogContext
from healer_ops.devkit.fleet.logs.writing import (
    php,
    php_timestamp,
    pick,
    plugin_file,
    with_noise,
    word,
)


def make_memory(rng) -> dict:
    in_plugin = rng.random() < 0.4
    slug = pick(rng, PLUGINS) if in_plugin else ""
    file = (f"wp-content/plugins/{slug}/{plugin_file(rng, slug)}" if in_plugin
            else pick(rng, ("wp-includes/class-wpdb.php", "wp-includes/functions.php",
                             "wp-includes/meta.php", "wp-includes/class-wp-query.php",
                             "wp-admin/includes/image.php")))
    return {"file": file, "slug": slug, "line": int(rng.integers(40, 3000)),
            "oom": bool(rng.random() < 0.15)}


def render_memory(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    tried = int(pick(rng, (4096, 8192, 20480, 32768, 65536, 262144, 1052672, 2621440)))
    if p["oom"]:
        allocated = ctx.memory_limit - int(rng.integers(1, 9)) * 2 ** 20
        message = (f"Out of memory (allocated {allocated}) (tried to allocate {tried} bytes) "
                   f"in {ctx.root}/{p['file']} on line {p['line']}")
    else:
        message = (f"Allowed memory size of {ctx.memory_limit} bytes exhausted (tried to allocate"
                   f" {tried} bytes) in {ctx.root}/{p['file']} on line {p['line']}")
    return with_noise(ctx, [php(ctx.later(3), "Fatal error", message)], p["slug"])


def make_disk(rng) -> dict:
    return {"error_type": "NO_SPACE", "kind": pick(rng, ("php_write", "session", "mysql",
                                                          "upgrader"))}


def render_disk(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    kind = p["kind"]
    if kind == "php_write":
        n = int(pick(rng, (4096, 8192, 16384, 262144)))
        line = php(ctx.later(1), "Warning", f"file_put_contents(): Only 0 of {n} bytes written, "
                   f"possibly out of free disk space in {ctx.root}/wp-includes/"
                   f"class-wp-filesystem-direct.php on line {rng.integers(60, 120)}")
        extra = php(ctx, "Warning", f"fwrite(): Write of {n} bytes failed with errno=28 No space "
                    f"left on device in {ctx.root}/wp-includes/class-wp-image-editor-imagick.php "
                    f"on line {rng.integers(700, 900)}")
        return with_noise(ctx, [line, extra])
    if kind == "session":
        return with_noise(ctx, [
            php(ctx.later(1), "Warning", "Unknown: write failed: No space left on device (28) in "
                "Unknown on line 0"),
            php(ctx, "Warning", "Unknown: Failed to write session data (files). Please verify "
                "that the current setting of session.save_path is correct "
                "(/var/lib/php/sessions) in Unknown on line 0")])
    if kind == "mysql":
        return with_noise(ctx, [
            f"{php_timestamp(ctx.later(1).when)} WordPress database error Error writing file "
            f"'/tmp/MY{word(rng, 6, string.ascii_letters)}' (Errcode: 28 - No space left on "
            "device) for query SELECT SQL_CALC_FOUND_ROWS wp_posts.ID FROM wp_posts ORDER BY "
            "wp_posts.post_date DESC LIMIT 0, 10 made by require('wp-blog-header.php'), wp, "
            "WP->main, WP->query_posts, WP_Query->query, WP_Query->get_posts"])
    return "\n".join(["Downloading update from https://downloads.wordpress.org/release/"
                      f"wordpress-{ctx.wp_version}-no-content.zip...", "Unpacking the update...",
                      "Could not copy files. You may have run out of disk space.",
                      "Installation failed."])


def make_timeout(rng) -> dict:
    slug = pick(rng, PLUGINS)
    return {"error_type": pick(rng, ("MAX_EXECUTION_TIME", "UPSTREAM_TIMEOUT", "CURL_TIMEOUT")),
            "slug": slug, "file": plugin_file(rng, slug), "line": int(rng.integers(20, 3000)),
            "seconds": int(pick(rng, (30, 60, 120))),
            "uri": pick(rng, ("/", "/shop/", "/wp-admin/admin-ajax.php", "/wp-json/wp/v2/posts",
                               "/?s=test", "/wp-cron.php?doing_wp_cron"))}


def render_timeout(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "MAX_EXECUTION_TIME":
        return with_noise(ctx, [php(ctx.later(p["seconds"]), "Fatal error",
                                     f"Maximum execution time of {p['seconds']} seconds exceeded "
                                     f"in {ctx.root}/wp-content/plugins/{p['slug']}/{p['file']} "
                                     f"on line {p['line']}")], p["slug"])
    if p["error_type"] == "UPSTREAM_TIMEOUT":
        return (f"{ctx.later(60).when:%Y/%m/%d %H:%M:%S} [error] {rng.integers(900, 9000)}#0: "
                f"*{rng.integers(1000, 900000)} upstream timed out (110: Connection timed out) "
                f"while reading response header from upstream, client: {ctx.ip()}, server: "
                f"{ctx.domain}, request: \"GET {p['uri']} HTTP/1.1\", upstream: \"fastcgi://unix:"
                f"/run/php/php{ctx.php_version}-fpm.sock\", host: \"{ctx.domain}\"\n"
                f"GET https://{ctx.domain}{p['uri']} -> 504 Gateway Time-out")
    token = ctx.secret("token", "eyJ" + word(rng, 20, string.ascii_letters) + ".eyJ"
                       + word(rng, 30, string.ascii_letters) + "." + word(rng, 22,
                                                                           string.ascii_letters))
    return with_noise(ctx, [
        f"{php_timestamp(ctx.later(10).when)} REST API loopback request to "
        f"https://{ctx.domain}/wp-json/wp/v2/types/post?context=edit (Authorization: Bearer "
        f"{token}) failed: cURL error 28: Operation timed out after "
        f"{10000 + int(rng.integers(0, 9))} milliseconds with 0 bytes received"])
