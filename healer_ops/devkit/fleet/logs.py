"""Realistic WordPress failure logs for the demo fleet, one recipe per kind of fault.

A *fault* is a recipe plus the parameters that stay the same wherever that fault happens
(the plugin slug, the function that is missing, the line in the plugin's source). Rendering
a fault for a site adds what differs per site and per occurrence: install path, timestamps,
log format (PHP error_log, display_errors HTML, Apache, nginx + PHP-FPM), byte counts, client
IPs, database names, and now and then a secret, as real logs leak them (a DB password in a
stack trace's arguments, emails in queries, API keys in URLs). The same fault on two sites
therefore reads differently but has the same root cause, which is what the analysis cache
keys on.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

PLUGINS = ("revslider", "js_composer", "elementor-pro", "wpforms-lite", "contact-form-7",
           "wordpress-seo", "jetpack", "wordfence", "updraftplus", "litespeed-cache",
           "w3-total-cache", "wp-rocket", "advanced-custom-fields-pro", "really-simple-ssl",
           "wp-mail-smtp", "mailchimp-for-wp", "redirection", "tablepress", "wp-optimize",
           "autoptimize", "broken-link-checker", "nextgen-gallery", "the-events-calendar",
           "wp-file-manager", "duplicator", "all-in-one-wp-migration", "ninja-forms",
           "woocommerce-subscriptions", "woocommerce-gateway-stripe", "wp-smushit",
           "sg-cachepress", "gravityforms", "memberpress", "bbpress", "wp-super-cache")
THEMES = ("astra", "generatepress", "oceanwp", "Divi", "Avada", "kadence", "hello-elementor",
          "neve", "flatsome", "woodmart", "enfold", "astra-child", "twentytwentyfour")
CLIENT_IPS = ("203.0.113.{}", "198.51.100.{}", "81.2.69.{}", "91.198.174.{}", "66.249.66.{}",
              "2a02:c7f:7e14:b800::{:x}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STYLES = ("error_log", "error_log", "display", "apache", "nginx_fpm")


@dataclass
class LogContext:
    """What differs from site to site and from one occurrence to the next."""

    root: str
    domain: str
    php_version: str
    wp_version: str
    when: datetime
    style: str
    db_name: str
    db_user: str
    db_password: str
    db_host: str
    admin_email: str
    memory_limit: int
    rng: np.random.Generator
    planted: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)

    def ip(self) -> str:
        template = CLIENT_IPS[self.rng.integers(len(CLIENT_IPS))]
        ip = template.format(int(self.rng.integers(2, 250)))
        self.planted.append(("ip", ip))
        return ip

    def secret(self, kind: str, value: str) -> str:
        self.planted.append((kind, value))
        return value

    def later(self, seconds: float) -> LogContext:
        self.when = self.when + timedelta(seconds=seconds)
        return self

    @property
    def php8(self) -> bool:
        return not self.php_version.startswith("7")


@dataclass(frozen=True)
class Fault:
    """One root cause that can recur on many sites."""

    id: str
    recipe: str
    true_type: str
    error_type: str
    culprit: str
    params: dict

    def render(self, ctx: LogContext) -> str:
        return RECIPES[self.recipe].render(self.params, ctx)


@dataclass(frozen=True)
class Recipe:
    true_type: str
    error_type: str
    make: Callable[[np.random.Generator], dict]
    render: Callable[[dict, LogContext], str]
    culprit: Callable[[dict], str] = lambda params: ""


def make_fault(recipe: str, rng: np.random.Generator, **fixed) -> Fault:
    """A fault of `recipe` with its stable parameters drawn from rng (or given)."""
    spec = RECIPES[recipe]
    params = {**spec.make(rng), **fixed}
    if "slug" in fixed and "file" in params and "file" not in fixed and fixed["slug"]:
        params["file"] = _plugin_file(rng, fixed["slug"])
    digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:8]
    return Fault(id=f"{recipe}-{digest}", recipe=recipe, true_type=spec.true_type,
                 error_type=params.get("error_type", spec.error_type),
                 culprit=spec.culprit(params), params=params)


# ------------------------------------------------------------------------ helpers

def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _word(rng: np.random.Generator, n: int = 8, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(alphabet[i] for i in rng.integers(len(alphabet), size=n))


def password(rng: np.random.Generator) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%*-_"
    return "".join(alphabet[i] for i in rng.integers(len(alphabet), size=int(rng.integers(12,
                                                                                          24))))


def php_timestamp(when: datetime) -> str:
    return f"[{when:%d}-{_MONTHS[when.month - 1]}-{when:%Y %H:%M:%S} UTC]"


def probe_time(ctx: LogContext) -> str:
    """Healer's probe log prefix."""
    return f"{ctx.when:%Y-%m-%dT%H:%M:%SZ} probe:"


def apache_timestamp(when: datetime, rng: np.random.Generator) -> str:
    return (f"[{_DAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when:%d %H:%M:%S}."
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
            message = (f'Undefined array key "{_word(rng, 6)}" in {ctx.root}/wp-content/plugins/'
                       f"{other}/includes/{_word(rng, 7)}.php on line {rng.integers(20, 900)}")
            lines.append(php(ctx, "Warning", message))
        elif kind == 1:
            message = (f"Creation of dynamic property {other.title().replace('-', '_')}_Admin::"
                       f"${_word(rng, 5)} is deprecated in {ctx.root}/wp-content/plugins/{other}/"
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


def _prefix(slug: str) -> str:
    return slug.replace("-", "_").split("_")[0][:6]


def _plugin_file(rng: np.random.Generator, slug: str) -> str:
    return pick(rng, (f"includes/class-{slug}.php", f"inc/{_word(rng, 6)}.php",
                       f"{slug}.php", f"src/{_word(rng, 5).title()}/{_word(rng, 7).title()}.php",
                       f"includes/admin/{_word(rng, 6)}-functions.php"))


def _with_noise(ctx: LogContext, lines: list[str], avoid: str = "") -> str:
    return "\n".join(noise(ctx, avoid) + [line for line in lines if line])


# ------------------------------------------------------------------------ recipes

def _plugin_params(rng, slugs=PLUGINS) -> dict:
    slug = pick(rng, slugs)
    return {"slug": slug, "file": _plugin_file(rng, slug), "line": int(rng.integers(12, 6000))}


def _make_plugin_fatal(rng) -> dict:
    params = _plugin_params(rng)
    kind = pick(rng, ("UNDEFINED_FUNCTION", "CLASS_NOT_FOUND", "PHP8_TYPE_ERROR",
                       "MEMBER_ON_NULL", "ARGUMENT_COUNT", "UNDEFINED_METHOD"))
    prefix = _prefix(params["slug"])
    params.update(error_type=kind, func=f"{prefix}_{_word(rng, 4)}_{_word(rng, 5)}",
                  cls=f"{prefix.title()}\\{_word(rng, 6).title()}\\{_word(rng, 7).title()}",
                  method=f"get_{_word(rng, 5)}", builtin=pick(rng, ("count", "strlen",
                                                                     "in_array", "implode")))
    return params


def _render_plugin_fatal(p: dict, ctx: LogContext) -> str:
    file = f"wp-content/plugins/{p['slug']}/{p['file']}"
    kind = p["error_type"]
    if kind == "UNDEFINED_FUNCTION":
        error, message = "Error", f"Call to undefined function {p['func']}()"
    elif kind == "CLASS_NOT_FOUND":
        quote = '"' if ctx.php8 else "'"
        error, message = "Error", f"Class {quote}{p['cls']}{quote} not found"
    elif kind == "PHP8_TYPE_ERROR":
        arg = {"count": "Argument #1 ($value) must be of type Countable|array, null given",
               "strlen": "Argument #1 ($string) must be of type string, array given",
               "in_array": "Argument #2 ($haystack) must be of type array, null given",
               "implode": "Argument #2 ($array) must be of type ?array, string given"}
        error, message = "TypeError", f"{p['builtin']}(): {arg[p['builtin']]}"
    elif kind == "MEMBER_ON_NULL":
        error, message = "Error", f"Call to a member function {p['method']}() on null"
    elif kind == "ARGUMENT_COUNT":
        error = "ArgumentCountError"
        message = (f"Too few arguments to function {p['cls']}::{p['method']}(), 1 passed in "
                   f"{ctx.root}/wp-includes/class-wp-hook.php on line 324 and exactly 2 expected")
    else:
        error, message = "Error", f"Call to undefined method {p['cls']}::{p['method']}()"
    frames = [f"{ctx.root}/wp-includes/class-wp-hook.php(324): {p['func']}('')"]
    return _with_noise(ctx, [uncaught(ctx.later(30), error, message, file, p["line"], frames)],
                       p["slug"])


def _make_redeclare(rng) -> dict:
    params = _plugin_params(rng)
    other = pick(rng, [s for s in PLUGINS if s != params["slug"]])
    params.update(other=other, other_file=_plugin_file(rng, other),
                  func=f"{_prefix(other)}_{_word(rng, 6)}", other_line=int(rng.integers(10, 900)))
    return params


def _render_redeclare(p: dict, ctx: LogContext) -> str:
    keyword = "function " if ctx.php8 else ""
    message = (f"Cannot redeclare {keyword}{p['func']}() (previously declared in {ctx.root}/"
               f"wp-content/plugins/{p['other']}/{p['other_file']}:{p['other_line']}) in "
               f"{ctx.root}/wp-content/plugins/{p['slug']}/{p['file']} on line {p['line']}")
    return _with_noise(ctx, [php(ctx.later(20), "Fatal error", message)], p["slug"])


def _make_theme_fatal(rng) -> dict:
    theme = pick(rng, THEMES[:-1])
    return {"theme": theme, "file": pick(rng, ("functions.php", "page.php", "header.php",
                                               "inc/template-tags.php", "single.php",
                                               "template-parts/hero.php")),
            "line": int(rng.integers(8, 1500)),
            "func": pick(rng, (f"{theme.lower().replace('-', '_')}_get_content_class",
                                "the_field", "get_field", f"{theme.lower()[:5]}_posted_on",
                                "wc_get_product")),
            "error_type": pick(rng, ("UNDEFINED_FUNCTION", "UNDEFINED_FUNCTION", "TYPE_ERROR"))}


def _render_theme_fatal(p: dict, ctx: LogContext) -> str:
    file = f"wp-content/themes/{p['theme']}/{p['file']}"
    if p["error_type"] == "TYPE_ERROR":
        error = "TypeError"
        message = "array_merge(): Argument #2 must be of type array, bool given"
    else:
        error, message = "Error", f"Call to undefined function {p['func']}()"
    frames = [f"{ctx.root}/wp-includes/template-loader.php(106): include()"]
    return _with_noise(ctx, [uncaught(ctx.later(15), error, message, file, p["line"], frames)])


def _make_syntax(rng) -> dict:
    where = pick(rng, ("plugin", "plugin", "theme", "mu-plugin"))
    slug = pick(rng, PLUGINS) if where == "plugin" else ""
    theme = pick(rng, THEMES) if where == "theme" else ""
    file = {"plugin": _plugin_file(rng, slug or "x"), "theme": "functions.php",
            "mu-plugin": f"{_word(rng, 7)}-tweaks.php"}[where]
    return {"where": where, "slug": slug, "theme": theme, "file": file,
            "line": int(rng.integers(5, 900)),
            "token": pick(rng, ("}", ")", "end of file", "fn", "?", "=>"))}


def _render_syntax(p: dict, ctx: LogContext) -> str:
    token = p["token"]
    if token == "end of file":
        detail = "syntax error, unexpected end of file"
    elif token == "fn" and ctx.php8:
        detail = 'syntax error, unexpected token "fn", expecting ")"'
    elif token == "fn":
        detail = "syntax error, unexpected 'fn' (T_STRING), expecting ')'"
    elif ctx.php8:
        detail = f'syntax error, unexpected token "{token}"'
    else:
        detail = f"syntax error, unexpected '{token}'"
    folder = {"plugin": f"wp-content/plugins/{p['slug']}", "theme": f"wp-content/themes/"
              f"{p['theme']}", "mu-plugin": "wp-content/mu-plugins"}[p["where"]]
    message = f"{detail} in {ctx.root}/{folder}/{p['file']} on line {p['line']}"
    return _with_noise(ctx, [php(ctx.later(5), "Parse error", message)])


def _syntax_culprit(p: dict) -> str:
    return p["slug"] or p["theme"]


def _make_wpconfig_raw(rng) -> dict:
    return {"line": int(rng.integers(85, 140))}


def _render_wpconfig_raw(p: dict, ctx: LogContext) -> str:
    """What `wp config set WP_MEMORY_LIMIT 256M --raw` leaves behind: an unquoted 256M."""
    detail = ('syntax error, unexpected identifier "M"' if ctx.php8
              else "syntax error, unexpected 'M' (T_STRING)")
    if ctx.php_version in ("8.0",):
        detail = 'syntax error, unexpected identifier "M", expecting ")"'
    lines = [php(ctx.later(2), "Parse error", f"{detail} in {ctx.root}/wp-config.php on line "
                 f"{p['line']}")]
    if ctx.rng.random() < 0.5:  # Healer attached the lines around the error
        pw = ctx.secret("db_password", ctx.db_password)
        lines.append(f"wp-config.php around line {p['line']}:\n"
                     f"  {p['line'] - 3}: define( 'DB_PASSWORD', '{pw}' );\n"
                     f"  {p['line'] - 2}: define( 'DB_HOST', '{ctx.db_host}' );\n"
                     f"  {p['line'] - 1}: define( 'WP_DEBUG_LOG', true );\n"
                     f"  {p['line']}: define( 'WP_MEMORY_LIMIT', 256M );")
    return "\n".join(lines)


def _make_memory(rng) -> dict:
    in_plugin = rng.random() < 0.4
    slug = pick(rng, PLUGINS) if in_plugin else ""
    file = (f"wp-content/plugins/{slug}/{_plugin_file(rng, slug)}" if in_plugin
            else pick(rng, ("wp-includes/class-wpdb.php", "wp-includes/functions.php",
                             "wp-includes/meta.php", "wp-includes/class-wp-query.php",
                             "wp-admin/includes/image.php")))
    return {"file": file, "slug": slug, "line": int(rng.integers(40, 3000)),
            "oom": bool(rng.random() < 0.15)}


def _render_memory(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    tried = int(pick(rng, (4096, 8192, 20480, 32768, 65536, 262144, 1052672, 2621440)))
    if p["oom"]:
        allocated = ctx.memory_limit - int(rng.integers(1, 9)) * 2 ** 20
        message = (f"Out of memory (allocated {allocated}) (tried to allocate {tried} bytes) "
                   f"in {ctx.root}/{p['file']} on line {p['line']}")
    else:
        message = (f"Allowed memory size of {ctx.memory_limit} bytes exhausted (tried to allocate"
                   f" {tried} bytes) in {ctx.root}/{p['file']} on line {p['line']}")
    return _with_noise(ctx, [php(ctx.later(3), "Fatal error", message)], p["slug"])


_DB_ERRORS = {
    "DB_ACCESS_DENIED": ("1045", "Access denied for user '{user}'@'{host}' (using password: YES)"),
    "DB_CONNECTION": ("2002", "Connection refused"),
    "DB_SOCKET": ("2002", "No such file or directory"),
    "DB_UNKNOWN_DB": ("1049", "Unknown database '{db}'"),
    "DB_TOO_MANY_CONN": ("1040", "Too many connections"),
    "DB_GONE_AWAY": ("2006", "MySQL server has gone away"),
}


def _make_db(rng) -> dict:
    kind = pick(rng, (*_DB_ERRORS, "DB_CORRUPTION", "DB_CORRUPTION"))
    return {"error_type": "DB_CONNECTION" if kind == "DB_SOCKET" else kind, "kind": kind,
            "table": pick(rng, ("wp_options", "wp_posts", "wp_postmeta", "wp_usermeta",
                                 "wp_wc_sessions" if rng.random() < 0.3 else "wp_comments")),
            "line": int(pick(rng, (1982, 2019, 1633, 1653, 2035)))}


def _render_db(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["kind"] == "DB_CORRUPTION":
        message = (f"WordPress database error Table './{ctx.db_name}/{p['table']}' is marked as "
                   f"crashed and should be repaired for query SELECT option_name, option_value "
                   f"FROM {p['table']} WHERE autoload IN ('yes', 'on') made by "
                   "require('wp-blog-header.php'), require_once('wp-load.php'), require_once("
                   "'wp-config.php'), require_once('wp-settings.php'), wp_load_alloptions")
        lines = [f"{php_timestamp(ctx.later(1).when)} {message}"]
        if rng.random() < 0.5:
            email = ctx.secret("email", ctx.admin_email)
            lines.append(f"{php_timestamp(ctx.later(2).when)} WordPress database error Table "
                         f"'./{ctx.db_name}/{p['table']}' is marked as crashed and should be "
                         f"repaired for query SELECT * FROM wp_users WHERE user_email = '{email}'"
                         " made by wp_authenticate, get_user_by")
        return _with_noise(ctx, lines)
    code, template = _DB_ERRORS[p["kind"]]
    user = ctx.secret("db_user", ctx.db_user) if "{user}" in template else ctx.db_user
    detail = template.format(user=user, host=ctx.db_host, db=ctx.db_name)
    state = "08004" if code == "1040" else "HY000"
    lines = [php(ctx.later(1), "Warning", f"mysqli_real_connect(): ({state}/{code}): {detail} in "
                 f"{ctx.root}/wp-includes/class-wpdb.php on line {p['line']}")]
    if rng.random() < 0.45:  # zend.exception_ignore_args=Off: the arguments are in the trace
        pw = ctx.secret("db_password", ctx.db_password)
        user = ctx.secret("db_user", ctx.db_user)
        lines.append(f"#0 {ctx.root}/wp-includes/class-wpdb.php({p['line']}): mysqli_real_connect("
                     f"Object(mysqli), '{ctx.db_host}', '{user}', '{pw}', '{ctx.db_name}', 3306, "
                     "NULL, 0)")
    if p["kind"] == "DB_GONE_AWAY" and rng.random() < 0.6:
        email = ctx.secret("email", ctx.admin_email)
        lines.append(f"{php_timestamp(ctx.later(1).when)} WordPress database error MySQL server "
                     f"has gone away for query SELECT * FROM wp_users WHERE user_email = "
                     f"'{email}' LIMIT 1 made by wp_authenticate, get_user_by")
    if rng.random() < 0.5:
        lines.append("Error establishing a database connection")
    return _with_noise(ctx, lines)


def _render_maintenance(p: dict, ctx: LogContext) -> str:
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


def _make_integrity(rng) -> dict:
    return {"error_type": pick(rng, ("CORE_CHECKSUM", "CORE_FILE_MISSING", "UNEXPECTED_FILE")),
            "file": pick(rng, ("wp-includes/version.php", "wp-includes/class-wp-hook.php",
                                "wp-includes/pluggable.php", "wp-admin/includes/file.php",
                                "wp-includes/blocks/index.php", "wp-includes/formatting.php"))}


def _render_integrity(p: dict, ctx: LogContext) -> str:
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
        lines = [f"Warning: File should not exist: wp-includes/{_word(rng, 8)}.php"
                 for _ in range(int(rng.integers(1, 4)))]
        if rng.random() < 0.5:
            lines.append(f"{ctx.root}/wp-includes/{_word(rng, 6)}.php:1: <?php @eval(base64_decode("
                         f"'{_word(rng, 24, string.ascii_letters + string.digits)}'));")
    else:
        lines = [f"Warning: File doesn't verify against checksum: {f}"
                 for f in dict.fromkeys(files)]
    lines.append("Error: WordPress installation doesn't verify against checksums.")
    return (f"{probe_time(ctx)} wp core verify-checksums --path={ctx.root}\n"
            + "\n".join(lines))


def _make_permission(rng) -> dict:
    slug = pick(rng, PLUGINS)
    return {"error_type": pick(rng, ("UPLOADS_NOT_WRITABLE", "STREAM_DENIED", "UPGRADER_MKDIR")),
            "slug": slug, "file": _plugin_file(rng, slug), "line": int(rng.integers(20, 900)),
            "cache_file": f"{_word(rng, 10)}.json"}


def _render_permission(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    when = ctx.later(1).when
    if p["error_type"] == "UPLOADS_NOT_WRITABLE":
        return _with_noise(ctx, [
            f"{php_timestamp(when)} Unable to create directory wp-content/uploads/{when:%Y/%m}. "
            "Is its parent directory writable by the server?",
            f"drwxr-xr-x 2 root root 4096 {_MONTHS[when.month - 1]} {when:%d %H:%M} "
            f"{ctx.root}/wp-content/uploads"])
    if p["error_type"] == "STREAM_DENIED":
        target = f"{ctx.root}/wp-content/cache/{p['slug']}/{p['cache_file']}"
        return _with_noise(ctx, [php(ctx, "Warning", f"file_put_contents({target}): Failed to open "
                                     f"stream: Permission denied in {ctx.root}/wp-content/plugins/"
                                     f"{p['slug']}/{p['file']} on line {p['line']}")])
    version = f"{rng.integers(1, 9)}.{rng.integers(0, 20)}.{rng.integers(0, 9)}"
    return "\n".join([f"Updating plugin {p['slug']} to {version}...",
                      f"Downloading update from https://downloads.wordpress.org/plugin/"
                      f"{p['slug']}.{version}.zip...", "Unpacking the update...",
                      f"Could not create directory. {ctx.root}/wp-content/upgrade/{p['slug']}-"
                      f"{_word(rng, 6)}/", "Plugin update failed."])


def _make_cache(rng) -> dict:
    return {"error_type": pick(rng, ("REDIS_UNAVAILABLE", "REDIS_EXTENSION_MISSING",
                                      "ADVANCED_CACHE_DROPIN")),
            "cache_plugin": pick(rng, ("wp-rocket", "w3-total-cache", "wp-super-cache",
                                        "litespeed-cache")),
            "line": int(rng.integers(20, 3000))}


def _render_cache(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    dropin = f"{ctx.root}/wp-content/object-cache.php"
    if p["error_type"] == "REDIS_UNAVAILABLE":
        lines = ["Error establishing a Redis connection"]
        if rng.random() < 0.7:
            lines.append(uncaught(ctx.later(1), "RedisException", "Connection refused",
                                  "wp-content/object-cache.php", p["line"]))
        return _with_noise(ctx, lines)
    if p["error_type"] == "REDIS_EXTENSION_MISSING":
        quote = '"' if ctx.php8 else "'"
        return _with_noise(ctx, [uncaught(ctx.later(1), "Error", f"Class {quote}Redis{quote} not "
                                          "found", "wp-content/object-cache.php", p["line"],
                                          [f"{dropin}(1402): WP_Object_Cache->__construct()"])])
    missing = f"{ctx.root}/wp-content/plugins/{p['cache_plugin']}/inc/functions.php"
    adv = f"{ctx.root}/wp-content/advanced-cache.php"
    return _with_noise(ctx, [
        php(ctx.later(1), "Warning", f"include({missing}): Failed to open stream: No such file "
            f"or directory in {adv} on line {rng.integers(5, 40)}"),
        php(ctx, "Fatal error", f"Uncaught Error: Failed opening required '{missing}' "
            f"(include_path='.:/usr/share/php') in {adv}:{rng.integers(5, 40)}")])


def _make_disk(rng) -> dict:
    return {"error_type": "NO_SPACE", "kind": pick(rng, ("php_write", "session", "mysql",
                                                          "upgrader"))}


def _render_disk(p: dict, ctx: LogContext) -> str:
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
        return _with_noise(ctx, [line, extra])
    if kind == "session":
        return _with_noise(ctx, [
            php(ctx.later(1), "Warning", "Unknown: write failed: No space left on device (28) in "
                "Unknown on line 0"),
            php(ctx, "Warning", "Unknown: Failed to write session data (files). Please verify "
                "that the current setting of session.save_path is correct "
                "(/var/lib/php/sessions) in Unknown on line 0")])
    if kind == "mysql":
        return _with_noise(ctx, [
            f"{php_timestamp(ctx.later(1).when)} WordPress database error Error writing file "
            f"'/tmp/MY{_word(rng, 6, string.ascii_letters)}' (Errcode: 28 - No space left on "
            "device) for query SELECT SQL_CALC_FOUND_ROWS wp_posts.ID FROM wp_posts ORDER BY "
            "wp_posts.post_date DESC LIMIT 0, 10 made by require('wp-blog-header.php'), wp, "
            "WP->main, WP->query_posts, WP_Query->query, WP_Query->get_posts"])
    return "\n".join(["Downloading update from https://downloads.wordpress.org/release/"
                      f"wordpress-{ctx.wp_version}-no-content.zip...", "Unpacking the update...",
                      "Could not copy files. You may have run out of disk space.",
                      "Installation failed."])


def _make_htaccess(rng) -> dict:
    return {"error_type": pick(rng, ("REDIRECT_LOOP", "INVALID_COMMAND", "TOO_MANY_REDIRECTS")),
            "directive": pick(rng, ("php_value", "php_flag", "Header", "ExpiresActive"))}


def _render_htaccess(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    stamp = apache_timestamp(ctx.later(1).when, rng)
    if p["error_type"] == "REDIRECT_LOOP":
        return (f"{stamp} [core:error] [pid {rng.integers(900, 9000)}:tid "
                f"{rng.integers(10 ** 14, 10 ** 15)}] [client {ctx.ip()}:"
                f"{rng.integers(30000, 65000)}]"
                " AH00124: Request exceeded the limit of 10 internal redirects due to probable "
                "configuration error. Use 'LimitInternalRecursion' to increase the limit if "
                "necessary. Use 'LogLevel debug' to get a backtrace., referer: "
                f"https://{ctx.domain}/wp-admin/")
    if p["error_type"] == "INVALID_COMMAND":
        return (f"{stamp} [core:alert] [pid {rng.integers(900, 9000)}] [client {ctx.ip()}:"
                f"{rng.integers(30000, 65000)}] {ctx.root}/.htaccess: Invalid command "
                f"'{p['directive']}', perhaps misspelled or defined by a module not included in "
                "the server configuration")
    hops = "\n".join(f"< HTTP/2 301\n< location: https://{'www.' if i % 2 else ''}{ctx.domain}/"
                     for i in range(int(rng.integers(2, 5))))
    return (f"{probe_time(ctx)} curl -sIL https://{ctx.domain}/\n{hops}\n"
            f"curl: (47) Maximum ({int(pick(rng, (20, 50)))}) redirects followed")


def _make_ssl(rng) -> dict:
    return {"error_type": pick(rng, ("CERT_EXPIRED", "LOCAL_ISSUER", "NAME_MISMATCH",
                                      "MIXED_CONTENT")),
            "vendor": pick(rng, ("api.wpmudev.com", "license.elementor.com",
                                  "api.wordfence.com", "connect.advancedcustomfields.com",
                                  "api.mailchimp.com"))}


def _render_ssl(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    when = php_timestamp(ctx.later(1).when)
    kind = p["error_type"]
    if kind == "MIXED_CONTENT":
        image = f"http://{ctx.domain}/wp-content/uploads/{ctx.when:%Y/%m}/{_word(rng, 7)}.jpg"
        return (f"Mixed Content: The page at 'https://{ctx.domain}/' was loaded over HTTPS, but "
                f"requested an insecure image '{image}'. This content should also be served over"
                " HTTPS.")
    key = ctx.secret("api_key", _word(rng, 32, string.hexdigits.lower()))
    url = f"https://{p['vendor']}/v1/license/check?domain={ctx.domain}&key={key}"
    detail = {"CERT_EXPIRED": "cURL error 60: SSL certificate problem: certificate has expired",
              "LOCAL_ISSUER": "cURL error 60: SSL certificate problem: unable to get local "
                              "issuer certificate",
              "NAME_MISMATCH": "cURL error 51: SSL: no alternative certificate subject name "
                               f"matches target host name '{p['vendor']}'"}[kind]
    return _with_noise(ctx, [f"{when} wp_remote_get({url}) failed: {detail}"])


def _make_cron(rng) -> dict:
    return {"error_type": pick(rng, ("RESCHEDULE_ERROR", "SPAWN_FAILED", "RESCHEDULE_ERROR")),
            "hook": pick(rng, ("action_scheduler_run_queue", "wp_version_check",
                                "wpforms_process_entry_emails_meta_cleanup", "jetpack_sync_cron",
                                "updraft_backup_database", "wp_scheduled_delete")),
            "code": int(pick(rng, (401, 403, 404, 500))),
            "interval": int(pick(rng, (60, 300, 3600, 86400)))}


def _render_cron(p: dict, ctx: LogContext) -> str:
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
    return _with_noise(ctx, lines)


def _make_timeout(rng) -> dict:
    slug = pick(rng, PLUGINS)
    return {"error_type": pick(rng, ("MAX_EXECUTION_TIME", "UPSTREAM_TIMEOUT", "CURL_TIMEOUT")),
            "slug": slug, "file": _plugin_file(rng, slug), "line": int(rng.integers(20, 3000)),
            "seconds": int(pick(rng, (30, 60, 120))),
            "uri": pick(rng, ("/", "/shop/", "/wp-admin/admin-ajax.php", "/wp-json/wp/v2/posts",
                               "/?s=test", "/wp-cron.php?doing_wp_cron"))}


def _render_timeout(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "MAX_EXECUTION_TIME":
        return _with_noise(ctx, [php(ctx.later(p["seconds"]), "Fatal error",
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
    token = ctx.secret("token", "eyJ" + _word(rng, 20, string.ascii_letters) + ".eyJ"
                       + _word(rng, 30, string.ascii_letters) + "." + _word(rng, 22,
                                                                           string.ascii_letters))
    return _with_noise(ctx, [
        f"{php_timestamp(ctx.later(10).when)} REST API loopback request to "
        f"https://{ctx.domain}/wp-json/wp/v2/types/post?context=edit (Authorization: Bearer "
        f"{token}) failed: cURL error 28: Operation timed out after "
        f"{10000 + int(rng.integers(0, 9))} milliseconds with 0 bytes received"])


def _make_wsod(rng) -> dict:
    return {"error_type": pick(rng, ("EMPTY_BODY", "CRITICAL_ERROR", "MU_PLUGIN_FATAL")),
            "mu_file": f"{_word(rng, 6)}-{pick(rng, ('loader', 'tweaks', 'security'))}.php",
            "func": f"{_word(rng, 4)}_{_word(rng, 6)}", "line": int(rng.integers(5, 300))}


def _render_wsod(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if p["error_type"] == "EMPTY_BODY":
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 200 OK, "
                "Content-Length: 0, "
                f"{rng.integers(80, 400)} ms\nno PHP errors logged (log_errors=Off)")
    if p["error_type"] == "CRITICAL_ERROR":
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 500 Internal Server "
                "Error\n"
                "There has been a critical error on this website. Please check your site admin "
                "email inbox for instructions.\nLearn more about troubleshooting WordPress.")
    return _with_noise(ctx, [uncaught(ctx.later(1), "Error", f"Call to undefined function "
                                      f"{p['func']}()", f"wp-content/mu-plugins/{p['mu_file']}",
                                      p["line"])])


def _render_unknown(p: dict, ctx: LogContext) -> str:
    rng = ctx.rng
    if rng.random() < 0.5:
        return (f"{probe_time(ctx)} GET https://{ctx.domain}/ -> HTTP/1.1 502 Bad Gateway\n"
                "server: cloudflare\n"
                f"cf-ray: {_word(rng, 16, '0123456789abcdef')}-FRA\nerror code: 502")
    return f"{probe_time(ctx)} curl -s https://{ctx.domain}/\ncurl: (52) Empty reply from server"


RECIPES: dict[str, Recipe] = {
    "plugin_fatal": Recipe("PLUGIN_CONFLICT", "PLUGIN_FATAL", _make_plugin_fatal,
                           _render_plugin_fatal, lambda p: p["slug"]),
    "plugin_redeclare": Recipe("PLUGIN_CONFLICT", "REDECLARE", _make_redeclare,
                               _render_redeclare, lambda p: p["slug"]),
    "theme_fatal": Recipe("THEME_CONFLICT", "THEME_FATAL", _make_theme_fatal,
                          _render_theme_fatal, lambda p: p["theme"]),
    "syntax": Recipe("SYNTAX_ERROR", "PARSE_ERROR", _make_syntax, _render_syntax,
                     _syntax_culprit),
    "wpconfig_raw": Recipe("SYNTAX_ERROR", "WP_CONFIG_PARSE_ERROR", _make_wpconfig_raw,
                           _render_wpconfig_raw),
    "memory": Recipe("MEMORY_EXHAUSTION", "ALLOWED_MEMORY", _make_memory, _render_memory),
    "db": Recipe("DB_ERROR", "DB_ERROR", _make_db, _render_db),
    "maintenance": Recipe("MAINTENANCE", "STUCK_MAINTENANCE", lambda rng: {},
                          _render_maintenance),
    "integrity": Recipe("INTEGRITY", "CORE_CHECKSUM", _make_integrity, _render_integrity),
    "permission": Recipe("PERMISSION", "PERMISSION", _make_permission, _render_permission),
    "cache": Recipe("CACHE", "CACHE", _make_cache, _render_cache),
    "disk_full": Recipe("DISK_FULL", "NO_SPACE", _make_disk, _render_disk),
    "htaccess": Recipe("HTACCESS_REDIRECT", "HTACCESS", _make_htaccess, _render_htaccess),
    "ssl": Recipe("SSL_TLS", "SSL", _make_ssl, _render_ssl),
    "cron": Recipe("CRON", "CRON", _make_cron, _render_cron),
    "timeout": Recipe("TIMEOUT", "TIMEOUT", _make_timeout, _render_timeout,
                      lambda p: p["slug"] if p["error_type"] == "MAX_EXECUTION_TIME" else ""),
    "wsod": Recipe("WSOD", "WSOD", _make_wsod, _render_wsod),
    "unknown": Recipe("UNKNOWN", "NO_EVIDENCE", lambda rng: {}, _render_unknown),
}

# Phase 1 diagnosed these itself; its known defects decide where it went wrong.
_PHASE1_UNKNOWN_TYPES = {"DISK_FULL", "HTACCESS_REDIRECT", "SSL_TLS", "CRON", "TIMEOUT"}


def phase1_diagnosis(fault: Fault, log: str) -> str:
    """What the Phase 1 Healer wrote into diagnosis_type for this log (often wrong)."""
    if fault.true_type in ("PLUGIN_CONFLICT", "THEME_CONFLICT"):
        return "WSOD"  # it stripped "PHP Fatal error:" before matching: never blames a culprit
    if fault.true_type == "SYNTAX_ERROR":
        # its regex wants one space after "PHP Parse error:"; PHP writes two
        return "UNKNOWN" if "PHP Parse error:  " in log else "SYNTAX_ERROR"
    if fault.true_type in _PHASE1_UNKNOWN_TYPES:
        return "UNKNOWN"
    return fault.true_type
