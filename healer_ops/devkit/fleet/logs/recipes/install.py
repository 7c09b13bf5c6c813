"""Recipes of a WordPress install in a bad state: stuck in maintenance mode, core files that
fail their checksums, unwritable folders, a broken object or page cache, cron that cannot
save or spawn."""

from __future__ import annotations

import string

from healer_ops.devkit.fleet.logs.context import PLUGINS, LogContext
from healer_ops.devkit.fleet.logs.writing import (
    MONTHS,
    php,
    php_timestamp,
    pick,
    plugin_file,
    probe_time,
    uncaught,
    with_noise,
    word,
)


def render_maintenance(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    started = int(ctx.when.timestamp()) - int(rng.integers(900, 20000))
    lines = [f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 503 Service "
             "Unavailable (Retry-After: 600)",
             "Briefly unavailable for scheduled maintenance. Check back in a minute."]
    if rng.random() < 0.6:
        lines.append(f"{ctx.root}/.maintenance: <?php $upgrading = {started}; ?>")
    if rng.random() < 0.5:
        slug = pick(rng, PLUGINS)
        lines.insert(0, f"{php_timestamp(ctx.when)} Updating plugin {slug} "
                     f"({rng.integers(1, 6)}/{rng.integers(6, 14)}): Downloading update from "
                     f"https://downloads.wordpress.org/plugin/{slug}.{rng.integers(1, 9)}."
                     f"{rng.integers(0, 20)}.zip... Enabling Maintenance mode...")
    return "\n".join(lines)


def make_integrity(rng) -> dict:
    return {"error_type": pick(rng, ("CORE_CHECKSUM", "CORE_FILE_MISSING", "UNEXPECTED_FILE")),
            "file": pick(rng, ("wp-includes/version.php", "wp-includes/class-wp-hook.php",
                                "wp-includes/pluggable.php", "wp-admin/includes/file.php",
                                "wp-includes/blocks/index.php", "wp-includes/formatting.php"))}


def render_integrity(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "CORE_FILE_MISSING":
        path = f"{ctx.root}/{p['file']}"
        opening = "Uncaught Error: Failed opening required" if ctx.php8 else \
            "require(): Failed opening required"
        return "\n".join([
            php(ctx.later(1), "Warning", f"require({path}): Failed to open stream: No such file "
                f"or directory in {ctx.root}/wp-settings.php on line {rng.integers(20, 400)}"),
            php(ctx, "Fatal error", f"{opening} '{path}' (include_path='.:/usr/share/php') in "
                f"{ctx.root}/wp-settings.php on line {rng.integers(20, 400)}")])
    files = [p["file"]] + [pick(rng, ("wp-includes/load.php", "wp-admin/admin.php",
                                       "wp-includes/plugin.php", "wp-includes/user.php"))
                           for _ in range(int(rng.integers(0, 3)))]
    if p["error_type"] == "UNEXPECTED_FILE":
        lines = [f"Warning: File should not exist: wp-includes/{word(rng, 8)}.php"
                 for _ in range(int(rng.integers(1, 4)))]
        if rng.random() < 0.5:
            lines.append(f"{ctx.root}/wp-includes/{word(rng, 6)}.php:1: <?php @eval(base64_decode("
                         f"'{word(rng, 24, string.ascii_letters + string.digits)}'));")
    else:
        lines = [f"Warning: File doesn't verify against checksum: {f}"
                 for f in dict.fromkeys(files)]
    lines.append("Error: WordPress installation doesn't verify against checksums.")
    return (f"{probe_time(ctx)} wp core verify-checksums --path={ctx.root}\n"
            + "\n".join(lines))


def make_permission(rng) -> dict:
    slug = pick(rng, PLUGINS)
    return {"error_type": pick(rng, ("UPLOADS_NOT_WRITABLE", "STREAM_DENIED", "UPGRADER_MKDIR")),
            "slug": slug, "file": plugin_file(rng, slug), "line": int(rng.integers(20, 900)),
            "cache_file": f"{word(rng, 10)}.json"}


def render_permission(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    when = ctx.later(1).when
    if p["error_type"] == "UPLOADS_NOT_WRITABLE":
        return with_noise(ctx, [
            f"{php_timestamp(when)} Unable to create directory wp-content/uploads/{when:%Y/%m}. "
            "Is its parent directory writable by the server?",
            f"drwxr-xr-x 2 root root 4096 {MONTHS[when.month - 1]} {when:%d %H:%M} "
            f"{ctx.root}/wp-content/uploads"])
    if p["error_type"] == "STREAM_DENIED":
        target = f"{ctx.root}/wp-content/cache/{p['slug']}/{p['cache_file']}"
        return with_noise(ctx, [php(ctx, "Warning", f"file_put_contents({target}): Failed to open "
                                     f"stream: Permission denied in {ctx.root}/wp-content/plugins/"
                                     f"{p['slug']}/{p['file']} on line {p['line']}")])
    version = f"{rng.integers(1, 9)}.{rng.integers(0, 20)}.{rng.integers(0, 9)}"
    return "\n".join([f"Updating plugin {p['slug']} to {version}...",
                      f"Downloading update from https://downloads.wordpress.org/plugin/"
                      f"{p['slug']}.{version}.zip...", "Unpacking the update...",
                      f"Could not create directory. {ctx.root}/wp-content/upgrade/{p['slug']}-"
                      f"{word(rng, 6)}/", "Plugin update failed."])


def make_cache(rng) -> dict:
    return {"error_type": pick(rng, ("REDIS_UNAVAILABLE", "REDIS_EXTENSION_MISSING",
                                      "ADVANCED_CACHE_DROPIN")),
            "cache_plugin": pick(rng, ("wp-rocket", "w3-total-cache", "wp-super-cache",
                                        "litespeed-cache")),
            "line": int(rng.integers(20, 3000))}


def render_cache(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    dropin = f"{ctx.root}/wp-content/object-cache.php"
    if p["error_type"] == "REDIS_UNAVAILABLE":
        lines = ["Error establishing a Redis connection"]
        if rng.random() < 0.7:
            lines.append(uncaught(ctx.later(1), "RedisException", "Connection refused",
                                  "wp-content/object-cache.php", p["line"]))
        return with_noise(ctx, lines)
    if p["error_type"] == "REDIS_EXTENSION_MISSING":
        quote = '"' if ctx.php8 else "'"
        return with_noise(ctx, [uncaught(ctx.later(1), "Error", f"Class {quote}Redis{quote} not "
                                          "found", "wp-content/object-cache.php", p["line"],
                                          [f"{dropin}(1402): WP_Object_Cache->__construct()"])])
    missing = f"{ctx.root}/wp-content/plugins/{p['cache_plugin']}/inc/functions.php"
    adv = f"{ctx.root}/wp-content/advanced-cache.php"
    return with_noise(ctx, [
        php(ctx.later(1), "Warning", f"include({missing}): Failed to open stream: No such file "
            f"or directory in {adv} on line {rng.integers(5, 40)}"),
        php(ctx, "Fatal error", f"Uncaught Error: Failed opening required '{missing}' "
            f"(include_path='.:/usr/share/php') in {adv}:{rng.integers(5, 40)}")])


def make_cron(rng) -> dict:
    return {"error_type": pick(rng, ("RESCHEDULE_ERROR", "SPAWN_FAILED", "RESCHEDULE_ERROR")),
            "hook": pick(rng, ("action_scheduler_run_queue", "wp_version_check",
                                "wpforms_process_entry_emails_meta_cleanup", "jetpack_sync_cron",
                                "updraft_backup_database", "wp_scheduled_delete")),
            "code": int(pick(rng, (401, 403, 404, 500))),
            "interval": int(pick(rng, (60, 300, 3600, 86400)))}


def render_cron(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "SPAWN_FAILED":
        reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  500: "Internal Server Error"}[p["code"]]
        return (f"{probe_time(ctx)} wp cron test --path={ctx.root}\n"
                f"Error: WP-Cron spawn returned HTTP status code: {p['code']} {reason}")
    interval = p["interval"]
    schedule = {60: "every_minute", 300: "every_5_minutes", 3600: "hourly", 86400: "daily"}
    lines = []
    for _ in range(int(rng.integers(1, 4))):
        lines.append(php(ctx.later(float(rng.uniform(30, 300))), "Warning",
                         f"Cron reschedule event error for hook: {p['hook']}, Error code: "
                         "could_not_set, Error message: The cron event list could not be saved., "
                         f"Data: {{\"schedule\":\"{schedule[interval]}\",\"args\":[],"
                         f"\"interval\":{interval}}}"))
    return with_noise(ctx, lines)
