"""Writing log lines the way PHP, Apache, nginx + PHP-FPM and Healer's probe write them, with
the noise every busy log has and the random text (words, passwords) that goes into them."""

from __future__ import annotations

import string
from datetime import datetime

import numpy as np

from healer_ops.devkit.fleet.logs.context import PLUGINS, LogContext

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def word(rng: np.random.Generator, n: int = 8, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(alphabet[i] for i in rng.integers(len(alphabet), size=n))


def password(rng: np.random.Generator) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%*-_"
    return "".join(alphabet[i] for i in rng.integers(len(alphabet), size=int(rng.integers(12,
                                                                                          24))))


def php_timestamp(when: datetime) -> str:
    return f"[{when:%d}-{MONTHS[when.month - 1]}-{when:%Y %H:%M:%S} UTC]"


def probe_time(ctx: LogContext) -> str:
    """Healer's probe log prefix."""
    return f"{ctx.when:%Y-%m-%dT%H:%M:%SZ} probe:"


def apache_timestamp(when: datetime, rng: np.random.Generator) -> str:
    return (f"[{_DAYS[when.weekday()]} {MONTHS[when.month - 1]} {when:%d %H:%M:%S}."
            f"{int(rng.integers(0, 999999)):06d} {when:%Y}]")


def php(ctx: LogContext, level: str, message: str) -> str:
    """A PHP error as the site's log format writes it (PHP puts two spaces after the colon)."""
    rng = ctx.rng
    if ctx.style == "display":  # display_errors: text mode has one space, HTML mode two
        if rng.random() < 0.5:
            return f"<br />\n<b>{level}</b>:  {message}<br />"
        return f"{level}: {message}"
    line = f"PHP {level}:  {message}"
    if ctx.style == "apache":
        ip = ctx.ip()
        return (f"{apache_timestamp(ctx.when, rng)} [php:error] [pid {rng.integers(900, 60000)}]"
                f" [client {ip}:{rng.integers(30000, 65000)}] {line}")
    if ctx.style == "nginx_fpm":
        ip = ctx.ip()
        return (f"{ctx.when:%Y/%m/%d %H:%M:%S} [error] {rng.integers(900, 9000)}#"
                f"{rng.integers(0, 9)}: *{rng.integers(1000, 900000)} FastCGI sent in stderr: "
                f"\"PHP message: {line}\" while reading response header from upstream, "
                f"client: {ip}, server: {ctx.domain}, request: \"GET / HTTP/2.0\", upstream: "
                f"\"fastcgi://unix:/run/php/php{ctx.php_version}-fpm.sock:\", host: "
                f"\"{ctx.domain}\"")
    return f"{php_timestamp(ctx.when)} {line}"


def stack_trace(ctx: LogContext, frames: list[str]) -> str:
    root = ctx.root
    tail = [f"{root}/wp-includes/class-wp-hook.php({pick(ctx.rng, (324, 308, 310))}): "
            "WP_Hook->apply_filters(NULL, Array)",
            f"{root}/wp-includes/plugin.php(517): WP_Hook->do_action(Array)",
            f"{root}/wp-settings.php({pick(ctx.rng, (700, 727, 643))}): do_action('init')",
            f"{root}/wp-config.php({ctx.rng.integers(90, 130)}): require_once('{root[:20]}...')",
            f"{root}/wp-load.php(50): require_once('{root[:20]}...')",
            f"{root}/wp-blog-header.php(13): require_once('{root[:20]}...')",
            f"{root}/index.php(17): require('{root[:20]}...')"]
    lines = [f"#{i} {frame}" for i, frame in enumerate(frames + tail)]
    return "Stack trace:\n" + "\n".join(lines) + f"\n#{len(lines)} {{main}}"


def uncaught(ctx: LogContext, error: str, message: str, file: str, line: int,
             frames: list[str] | None = None) -> str:
    """An uncaught Throwable the way PHP logs it: message, file:line, trace, 'thrown in'."""
    path = f"{ctx.root}/{file}"
    if frames is None or ctx.rng.random() < 0.35:
        return php(ctx, "Fatal error", f"Uncaught {error}: {message} in {path}:{line}\n"
                   f"{stack_trace(ctx, frames or [])}\n  thrown in {path} on line {line}")
    return php(ctx, "Fatal error", f"Uncaught {error}: {message} in {path}:{line}")


def noise(ctx: LogContext, avoid: str = "") -> list[str]:
    """Warnings and notices every busy log has; they are never the root cause."""
    rng = ctx.rng
    lines = []
    for _ in range(int(rng.choice([0, 0, 1, 1, 2, 3]))):
        other = pick(rng, [p for p in PLUGINS if p != avoid])
        kind = int(rng.integers(4))
        ctx.later(float(rng.uniform(1, 400)))
        if kind == 0:
            message = (f'Undefined array key "{word(rng, 6)}" in {ctx.root}/wp-content/plugins/'
                       f"{other}/includes/{word(rng, 7)}.php on line {rng.integers(20, 900)}")
            lines.append(php(ctx, "Warning", message))
        elif kind == 1:
            message = (f"Creation of dynamic property {other.title().replace('-', '_')}_Admin::"
                       f"${word(rng, 5)} is deprecated in {ctx.root}/wp-content/plugins/{other}/"
                       f"admin/class-admin.php on line {rng.integers(20, 400)}")
            lines.append(php(ctx, "Deprecated", message))
        elif kind == 2:
            message = ("Function _load_textdomain_just_in_time was called <strong>incorrectly"
                       f"</strong>. Translation loading for the <code>{other}</code> domain was "
                       "triggered too early. This is usually an indicator for some code in the "
                       "plugin or theme running too early. Translations should be loaded at the "
                       "<code>init</code> action or later. (This message was added in version "
                       f"6.7.0.) in {ctx.root}/wp-includes/functions.php on line 6114")
            lines.append(php(ctx, "Notice", message))
        else:
            message = (f"Attempt to read property \"post_type\" on null in {ctx.root}/wp-content/"
                       f"plugins/{other}/public/class-public.php on line {rng.integers(20, 700)}")
            lines.append(php(ctx, "Warning", message))
    return lines


def plugin_file(rng: np.random.Generator, slug: str) -> str:
    return pick(rng, (f"includes/class-{slug}.php", f"inc/{word(rng, 6)}.php",
                       f"{slug}.php", f"src/{word(rng, 5).title()}/{word(rng, 7).title()}.php",
                       f"includes/admin/{word(rng, 6)}-functions.php"))


def with_noise(ctx: LogContext, lines: list[str], avoid: str = "") -> str:
    return "\n".join(noise(ctx, avoid) + [line for line in lines if line])
