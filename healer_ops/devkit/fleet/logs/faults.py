"""Faults, and the recipe behind each: a fault is a recipe plus the parameters that stay the
same wherever it happens; rendering it for a site adds what differs (see LogContext)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from healer_ops.devkit.fleet.logs.context import LogContext
from healer_ops.devkit.fleet.logs.recipes import database, install, php_code, resources, web
from healer_ops.devkit.fleet.logs.writing import plugin_file


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
        params["file"] = plugin_file(rng, fixed["slug"])
    digest = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:8]
    return Fault(id=f"{recipe}-{digest}", recipe=recipe, true_type=spec.true_type,
                 error_type=params.get("error_type", spec.error_type),
                 culprit=spec.culprit(params), params=params)


# Every recipe by name, with the diagnosis it truly is and its default error type.
RECIPES: dict[str, Recipe] = {
    "plugin_fatal": Recipe("PLUGIN_CONFLICT", "PLUGIN_FATAL", php_code.make_plugin_fatal,
                           php_code.render_plugin_fatal, lambda p: p["slug"]),
    "plugin_redeclare": Recipe("PLUGIN_CONFLICT", "REDECLARE", php_code.make_redeclare,
                               php_code.render_redeclare, lambda p: p["slug"]),
    "theme_fatal": Recipe("THEME_CONFLICT", "THEME_FATAL", php_code.make_theme_fatal,
                          php_code.render_theme_fatal, lambda p: p["theme"]),
    "syntax": Recipe("SYNTAX_ERROR", "PARSE_ERROR", php_code.make_syntax,
                     php_code.render_syntax, php_code.syntax_culprit),
    "wpconfig_raw": Recipe("SYNTAX_ERROR", "WP_CONFIG_PARSE_ERROR", php_code.make_wpconfig_raw,
                           php_code.render_wpconfig_raw),
    "memory": Recipe("MEMORY_EXHAUSTION", "ALLOWED_MEMORY", resources.make_memory,
                     resources.render_memory),
    "db": Recipe("DB_ERROR", "DB_ERROR", database.make_db, database.render_db),
    "maintenance": Recipe("MAINTENANCE", "STUCK_MAINTENANCE", lambda rng: {},
                          install.render_maintenance),
    "integrity": Recipe("INTEGRITY", "CORE_CHECKSUM", install.make_integrity,
                        install.render_integrity),
    "permission": Recipe("PERMISSION", "PERMISSION", install.make_permission,
                         install.render_permission),
    "cache": Recipe("CACHE", "CACHE", install.make_cache, install.render_cache),
    "disk_full": Recipe("DISK_FULL", "NO_SPACE", resources.make_disk, resources.render_disk),
    "htaccess": Recipe("HTACCESS_REDIRECT", "HTACCESS", web.make_htaccess, web.render_htaccess),
    "ssl": Recipe("SSL_TLS", "SSL", web.make_ssl, web.render_ssl),
    "cron": Recipe("CRON", "CRON", install.make_cron, install.render_cron),
    "timeout": Recipe("TIMEOUT", "TIMEOUT", resources.make_timeout, resources.render_timeout,
                      lambda p: p["slug"] if p["error_type"] == "MAX_EXECUTION_TIME" else ""),
    "wsod": Recipe("WSOD", "WSOD", web.make_wsod, web.render_wsod),
    "unknown": Recipe("UNKNOWN", "NO_EVIDENCE", lambda rng: {}, web.render_unknown),
}
