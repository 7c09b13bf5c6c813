"""Recipes of PHP code that fatals: a plugin's or theme's uncaught error, a function declared
twice, a parse error, and the unquoted 256M that `wp config set ... --raw` leaves in
wp-config.php."""

from __future__ import annotations

from healer_ops.devkit.fleet.logs.context import PLUGINS, THEMES, LogContext
from healer_ops.devkit.fleet.logs.writing import php, pick, plugin_file, uncaught, with_noise, word


def _prefix(slug: str) -> str:
    return slug.replace("-", "_").split("_")[0][:6]


def _plugin_params(rng, slugs=PLUGINS) -> dict:
    slug = pick(rng, slugs)
    return {"slug": slug, "file": plugin_file(rng, slug), "line": int(rng.integers(12, 6000))}


def make_plugin_fatal(rng) -> dict:
    params = _plugin_params(rng)
    kind = pick(rng, ("UNDEFINED_FUNCTION", "CLASS_NOT_FOUND", "PHP8_TYPE_ERROR",
                       "MEMBER_ON_NULL", "ARGUMENT_COUNT", "UNDEFINED_METHOD"))
    prefix = _prefix(params["slug"])
    params.update(error_type=kind, func=f"{prefix}_{word(rng, 4)}_{word(rng, 5)}",
                  cls=f"{prefix.title()}\\{word(rng, 6).title()}\\{word(rng, 7).title()}",
                  method=f"get_{word(rng, 5)}", builtin=pick(rng, ("count", "strlen",
                                                                     "in_array", "implode")))
    return params


def render_plugin_fatal(p: dict, ctx: LogContext) -> str:
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
    return with_noise(ctx, [uncaught(ctx.later(30), error, message, file, p["line"], frames)],
                       p["slug"])


def make_redeclare(rng) -> dict:
    params = _plugin_params(rng)
    other = pick(rng, [s for s in PLUGINS if s != params["slug"]])
    params.update(other=other, other_file=plugin_file(rng, other),
                  func=f"{_prefix(other)}_{word(rng, 6)}", other_line=int(rng.integers(10, 900)))
    return params


def render_redeclare(p: dict, ctx: LogContext) -> str:
    keyword = "function " if ctx.php8 else ""
    message = (f"Cannot redeclare {keyword}{p['func']}() (previously declared in {ctx.root}/"
               f"wp-content/plugins/{p['other']}/{p['other_file']}:{p['other_line']}) in "
               f"{ctx.root}/wp-content/plugins/{p['slug']}/{p['file']} on line {p['line']}")
    return with_noise(ctx, [php(ctx.later(20), "Fatal error", message)], p["slug"])


def make_theme_fatal(rng) -> dict:
    theme = pick(rng, THEMES[:-1])
    return {"theme": theme, "file": pick(rng, ("functions.php", "page.php", "header.php",
                                               "inc/template-tags.php", "single.php",
                                               "template-parts/hero.php")),
            "line": int(rng.integers(8, 1500)),
            "func": pick(rng, (f"{theme.lower().replace('-', '_')}_get_content_class",
                                "the_field", "get_field", f"{theme.lower()[:5]}_posted_on",
                                "wc_get_product")),
            "error_type": pick(rng, ("UNDEFINED_FUNCTION", "UNDEFINED_FUNCTION", "TYPE_ERROR"))}


def render_theme_fatal(p: dict, ctx: LogContext) -> str:
    file = f"wp-content/themes/{p['theme']}/{p['file']}"
    if p["error_type"] == "TYPE_ERROR":
        error = "TypeError"
        message = "array_merge(): Argument #2 must be of type array, bool given"
    else:
        error, message = "Error", f"Call to undefined function {p['func']}()"
    frames = [f"{ctx.root}/wp-includes/template-loader.php(106): include()"]
    return with_noise(ctx, [uncaught(ctx.later(15), error, message, file, p["line"], frames)])


def make_syntax(rng) -> dict:
    where = pick(rng, ("plugin", "plugin", "theme", "mu-plugin"))
    slug = pick(rng, PLUGINS) if where == "plugin" else ""
    theme = pick(rng, THEMES) if where == "theme" else ""
    file = {"plugin": plugin_file(rng, slug or "x"), "theme": "functions.php",
            "mu-plugin": f"{word(rng, 7)}-tweaks.php"}[where]
    return {"where": where, "slug": slug, "theme": theme, "file": file,
            "line": int(rng.integers(5, 900)),
            "token": pick(rng, ("}", ")", "end of file", "fn", "?", "=>"))}


def render_syntax(p: dict, ctx: LogContext) -> str:
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
    return with_noise(ctx, [php(ctx.later(5), "Parse error", message)])


def syntax_culprit(p: dict) -> str:
    return p["slug"] or p["theme"]


def make_wpconfig_raw(rng) -> dict:
    return {"line": int(rng.integers(85, 140))}


def render_wpconfig_raw(p: dict, ctx: LogContext) -> str:
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
