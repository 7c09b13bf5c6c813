"""What the Phase 1 Healer did with a failure: its diagnosis (often wrong, by its known
defects), the commands it suggested, and the messages and logs its runs left."""

from __future__ import annotations

from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.history.rows import PatternRow

PHASE1_SUGGESTIONS = {
    "WSOD": ["wp plugin deactivate --all --skip-plugins --skip-themes"],
    "DB_ERROR": ["wp db check"],
    "MEMORY_EXHAUSTION": ["wp config set WP_MEMORY_LIMIT 256M --raw"],
    "MAINTENANCE": ["wp maintenance-mode deactivate"],
    "CACHE": ["wp cache flush"],
    "INTEGRITY": ["wp core verify-checksums"],
    "PERMISSION": ["wp media regenerate --only-missing"],
    "SYNTAX_ERROR": ["wp plugin deactivate --all --skip-plugins --skip-themes"],
}
# Phase 1 diagnosed these itself; its known defects decide where it went wrong.
_PHASE1_UNKNOWN_TYPES = {"DISK_FULL", "HTACCESS_REDIRECT", "SSL_TLS", "CRON", "TIMEOUT"}


def phase1_diagnosis(fault: logs.Fault, log: str) -> str:
    """What the Phase 1 Healer wrote into diagnosis_type for this log (often wrong)."""
    if fault.true_type in ("PLUGIN_CONFLICT", "THEME_CONFLICT"):
        return "WSOD"  # it stripped "PHP Fatal error:" before matching: never blames a culprit
    if fault.true_type == "SYNTAX_ERROR":
        # its regex wants one space after "PHP Parse error:"; PHP writes two
        return "UNKNOWN" if "PHP Parse error:  " in log else "SYNTAX_ERROR"
    if fault.true_type in _PHASE1_UNKNOWN_TYPES:
        return "UNKNOWN"
    return fault.true_type


def suggested_action(diagnosis: str, pattern: PatternRow | None) -> str:
    if pattern:
        return f"Apply learned pattern {pattern.spec.diagnosis_type}/{pattern.spec.error_type}"
    return {"UNKNOWN": "Escalate: no classifiable evidence",
            "WSOD": "Safe mode: deactivate all plugins"}.get(diagnosis, f"Run the {diagnosis} "
                                                                       "runbook")


def error_message(rng, success, pattern, site) -> str | None:
    if success is not False:
        return None
    if pattern and "--raw" in " ".join(pattern.spec.commands) and "MEMORY" in \
            pattern.spec.commands[0]:
        return "Verification failed: HTTP 500 (PHP Parse error in wp-config.php)"
    return logs.pick(rng, (f"Verification failed: https://{site.domain}/ still returns HTTP 500",
                            "Verification failed: page body below 500 bytes",
                            "Command exited with status 1",
                            "Verification timed out after 60 s",
                            "Site still unhealthy after healing (health score 12)"))


def execution_logs(rng, site, commands, success, pattern, ctx) -> str:
    if success is None:
        return f"MANUAL mode: diagnosis only, no commands run on {site.domain}"
    lines = []
    for command in commands:
        lines.append(f"$ {command} --path={site.path}")
        lines.append("Success: done." if success or rng.random() < 0.6
                     else "Error: command failed.")
    if success:
        lines.append(f"verify: GET {site.url} -> 200 ({int(rng.integers(20, 400))} KB)")
    elif pattern and pattern.spec.recipe == "memory" and "--raw" in commands[0]:
        line = int(rng.integers(85, 140))
        lines.append(f"verify: GET {site.url} -> 500")
        lines.append(logs.php(ctx, "Parse error",
                              'syntax error, unexpected identifier "M" in '
                              f"{site.path}/wp-config.php on line {line}"))
    else:
        lines.append(f"verify: GET {site.url} -> {logs.pick(rng, (500, 500, 503, 200))}")
    return "\n".join(lines)
