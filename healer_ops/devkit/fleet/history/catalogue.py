"""The healing patterns a real fleet accumulates, each with its ground truth: fixes that work
and were used a lot, fixes that work but are new, fixes that mostly fail, fixes that work but
must never run unattended (blacklisted plugin, destructive or non-WP-CLI command, the Phase 1
``--raw`` memory fix), one fix that lucked into five straight successes, and one whose recent
uses started failing."""

from __future__ import annotations

from dataclasses import dataclass

HISTORY_DAYS = 120  # pattern use histories reach this far back


@dataclass(frozen=True)
class PatternSpec:
    diagnosis_type: str
    error_type: str
    culprit: str
    commands: tuple[str, ...]
    recipe: str
    fault: dict
    good: bool
    why: str
    success_rate: float
    uses: tuple[int, int]
    story: str = "established"  # established | new | degrading | lucky
    requires_backup: bool = False
    phase1_regex_defect: bool = False  # stored as Phase 1 learned it: escaped after wildcards
    fixed_commands: tuple[str, ...] = ()  # a known fix of bad commands, itself good


def _deactivate(slug: str) -> tuple[str, ...]:
    return (f"wp plugin deactivate {slug} --skip-plugins --skip-themes",)


PATTERN_CATALOGUE: tuple[PatternSpec, ...] = (
    # good: effective, safe, used a lot
    PatternSpec("MAINTENANCE", "STUCK_MAINTENANCE", "", ("wp maintenance-mode deactivate",),
                "maintenance", {}, True, "clears a stuck .maintenance after an interrupted update",
                0.98, (25, 50)),
    PatternSpec("CACHE", "ADVANCED_CACHE_DROPIN", "", ("wp config set WP_CACHE false --raw",),
                "cache", {"error_type": "ADVANCED_CACHE_DROPIN"}, True,
                "turns off a page-cache drop-in whose plugin is gone (false is a PHP literal, "
                "--raw is right here)", 0.96, (20, 35)),
    PatternSpec("PLUGIN_CONFLICT", "UNDEFINED_FUNCTION", "revslider", _deactivate("revslider"),
                "plugin_fatal", {"slug": "revslider", "error_type": "UNDEFINED_FUNCTION"}, True,
                "deactivating the fatal plugin brings the site back", 0.97, (20, 40)),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "js_composer", _deactivate("js_composer"),
                "plugin_fatal", {"slug": "js_composer", "error_type": "PHP8_TYPE_ERROR"}, True,
                "PHP 8 incompatibility; deactivation restores the site", 0.96, (25, 45)),
    PatternSpec("PLUGIN_CONFLICT", "CLASS_NOT_FOUND", "wpforms-lite", _deactivate("wpforms-lite"),
                "plugin_fatal", {"slug": "wpforms-lite", "error_type": "CLASS_NOT_FOUND"}, True,
                "half-finished plugin update; deactivation restores the site", 0.95, (20, 35)),
    PatternSpec("THEME_CONFLICT", "UNDEFINED_FUNCTION", "astra-child",
                ("wp theme activate twentytwentyfive --skip-plugins --skip-themes",),
                "theme_fatal", {"theme": "astra-child", "error_type": "UNDEFINED_FUNCTION"}, True,
                "falls back to an installed default theme", 0.95, (20, 35)),
    PatternSpec("CRON", "RESCHEDULE_ERROR", "", ("wp cron event run --due-now",), "cron",
                {"error_type": "RESCHEDULE_ERROR"}, True, "runs the piled-up events", 0.97,
                (20, 40), phase1_regex_defect=True),
    PatternSpec("DISK_FULL", "NO_SPACE", "", ("wp transient delete --expired", "wp cache flush"),
                "disk_full", {"kind": "php_write"}, True,
                "expired transients are what filled the disk on these hosts", 0.95, (25, 45)),
    PatternSpec("HTACCESS_REDIRECT", "REDIRECT_LOOP", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "REDIRECT_LOOP"}, True,
                "rewrites a clean WordPress block into .htaccess", 0.95, (20, 35)),
    PatternSpec("DB_ERROR", "DB_CORRUPTION", "", ("wp db repair",), "db",
                {"kind": "DB_CORRUPTION", "error_type": "DB_CORRUPTION"}, True,
                "REPAIR TABLE on a crashed MyISAM table (Healer backs up first)", 0.96, (20, 35),
                requires_backup=True),
    PatternSpec("TIMEOUT", "MAX_EXECUTION_TIME", "broken-link-checker",
                _deactivate("broken-link-checker"), "timeout",
                {"slug": "broken-link-checker", "error_type": "MAX_EXECUTION_TIME"}, True,
                "the link checker's scan is what times out", 0.96, (20, 40)),
    PatternSpec("SYNTAX_ERROR", "PARSE_ERROR", "wp-file-manager", _deactivate("wp-file-manager"),
                "syntax", {"where": "plugin", "slug": "wp-file-manager", "theme": "",
                           "token": "}"}, True,
                "a broken release of the plugin; deactivation restores the site", 0.97, (20, 35)),
    # good but new: too little evidence yet
    PatternSpec("PLUGIN_CONFLICT", "UNDEFINED_METHOD", "wp-mail-smtp", _deactivate("wp-mail-smtp"),
                "plugin_fatal", {"slug": "wp-mail-smtp", "error_type": "UNDEFINED_METHOD"}, True,
                "works, but seen only a few times", 0.95, (2, 4), story="new"),
    PatternSpec("THEME_CONFLICT", "TYPE_ERROR", "flatsome",
                ("wp theme activate twentytwentyfive --skip-plugins --skip-themes",),
                "theme_fatal", {"theme": "flatsome", "error_type": "TYPE_ERROR"}, True,
                "works, but seen only a few times", 0.95, (3, 4), story="new"),
    PatternSpec("HTACCESS_REDIRECT", "TOO_MANY_REDIRECTS", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "TOO_MANY_REDIRECTS"}, True,
                "rewrites the redirect rules; five successes so far", 0.95, (5, 5), story="new"),
    # bad: must never be auto-approved
    PatternSpec("MEMORY_EXHAUSTION", "ALLOWED_MEMORY", "",
                ("wp config set WP_MEMORY_LIMIT 256M --raw",), "memory",
                {"slug": "", "oom": False, "file": "wp-includes/functions.php"},
                False, "Phase 1 defect: --raw writes an unquoted 256M, a PHP parse error on the "
                "next uncached request; Phase 1 verified against a cached page and counted "
                "successes", 0.93, (12, 16),
                fixed_commands=("wp config set WP_MEMORY_LIMIT 256M",)),
    PatternSpec("PLUGIN_CONFLICT", "PLUGIN_FATAL", "woocommerce-subscriptions",
                _deactivate("woocommerce-subscriptions"), "plugin_fatal",
                {"slug": "woocommerce-subscriptions", "error_type": "MEMBER_ON_NULL"}, False,
                "works, but woocommerce-* is blacklisted: deactivating it stops renewals",
                0.95, (20, 30)),
    PatternSpec("WSOD", "", "", ("wp plugin deactivate --all --skip-plugins --skip-themes",),
                "wsod", {"error_type": "CRITICAL_ERROR"}, False,
                "brings the page back by switching every plugin off (shop, forms, SEO gone)",
                0.9, (25, 35)),
    PatternSpec("DB_ERROR", "DB_CONNECTION", "", ("wp db repair",), "db",
                {"kind": "DB_CONNECTION", "error_type": "DB_CONNECTION"}, False,
                "repairing tables does not fix a refused connection", 0.35, (15, 25)),
    PatternSpec("TIMEOUT", "UPSTREAM_TIMEOUT", "", ("wp cache flush",), "timeout",
                {"error_type": "UPSTREAM_TIMEOUT", "slug": "", "uri": "/"}, False,
                "flushing the cache rarely helps a slow upstream", 0.55, (20, 30)),
    PatternSpec("SSL_TLS", "MIXED_CONTENT", "",
                ("wp search-replace 'http://' 'https://' --skip-columns=guid",), "ssl",
                {"error_type": "MIXED_CONTENT"}, False,
                "rewrites every URL in the database, external links included, without a dry run",
                0.92, (15, 20), requires_backup=True),
    PatternSpec("PERMISSION", "UPLOADS_NOT_WRITABLE", "", ("chmod -R 777 wp-content/uploads",),
                "permission", {"error_type": "UPLOADS_NOT_WRITABLE"}, False,
                "not WP-CLI, and 777 makes uploads world-writable", 0.97, (15, 25)),
    PatternSpec("HTACCESS_REDIRECT", "INVALID_COMMAND", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "INVALID_COMMAND", "directive": "php_value"}, False,
                "php_value on PHP-FPM needs the line removed; a flush helps only by chance",
                0.6, (6, 6), story="lucky"),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "the-events-calendar",
                ("wp plugin update the-events-calendar",), "plugin_fatal",
                {"slug": "the-events-calendar", "error_type": "PHP8_TYPE_ERROR"}, False,
                "updating used to fix it; since the vendor's latest release the update itself "
                "fatals", 0.97, (30, 40), story="degrading"),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "wp-optimize",
                ("wp plugin update wp-optimize",), "plugin_fatal",
                {"slug": "wp-optimize", "error_type": "PHP8_TYPE_ERROR"}, False,
                "works four times in five: not good enough to run unattended", 0.8, (25, 35)),
)


def pattern_key(spec: PatternSpec) -> tuple[str, str, str]:
    return (spec.diagnosis_type, spec.error_type, spec.culprit)
