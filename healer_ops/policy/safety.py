"""Which commands may run unattended: known-bad commands (with their fix), destructive
commands, shell syntax, blacklisted plugins, and the allow-list (allow_list.py).

Pattern learning asks this before auto-approving a learned fix; the analysis pipeline's
allow-list decides what an analysis may recommend at all.
"""

from __future__ import annotations

import re

# Commands known to do harm, each with the fix a new version of the pattern gets.
_KNOWN_BAD: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^(wp\s+config\s+set\s+(?:WP_MEMORY_LIMIT|WP_MAX_MEMORY_LIMIT)\s+)(['\"]?)"
                r"(\d+[KMG]?)\2(\s.*)?\s--raw\b(.*)$", re.IGNORECASE),
     r"\1\3\4\5",
     "--raw writes the memory limit unquoted (256M), itself a PHP parse error in "
     "wp-config.php; the quoted form is what WordPress reads"),
]

_DESTRUCTIVE_RULES = (
    (r"^wp\s+db\s+(?:reset|drop|clean|import|query)\b", "changes or drops database contents"),
    (r"^wp\s+site\s+(?:empty|delete)\b", "deletes site content"),
    (r"^wp\s+search-replace\b(?!.*--dry-run)", "rewrites the database without a dry run"),
    (r"^wp\s+(?:plugin|theme)\s+(?:delete|uninstall)\b", "deletes code"),
    (r"^wp\s+(?:post|user|comment|term|option|menu|widget)\s+delete\b", "deletes content"),
    (r"^wp\s+plugin\s+deactivate\b.*\s--all\b", "switches every plugin off"),
    (r"^wp\s+(?:eval|eval-file|shell)\b", "runs arbitrary PHP"),
    (r"^wp\s+config\s+set\s+DB_", "rewrites database credentials"),
)
_DESTRUCTIVE = [(re.compile(p, re.IGNORECASE), why) for p, why in _DESTRUCTIVE_RULES]
_SHELL_SYNTAX = re.compile(r"[;|&<>`]|\$\((?!wp core version\))")
_PLUGIN_TARGETS = re.compile(r"^wp\s+plugin\s+(?:activate|deactivate|update|install|toggle|"
                             r"delete|uninstall)\s+(?P<args>.+)$", re.IGNORECASE)


def known_fix(command: str) -> tuple[str, str] | None:
    """(fixed command, why) when `command` is a known-bad command with a known fix."""
    for pattern, replacement, why in _KNOWN_BAD:
        if pattern.match(command.strip()):
            fixed = re.sub(r"\s+", " ", pattern.sub(replacement, command.strip())).strip()
            return fixed, why
    return None


def command_problems(command: str, diagnosis_type: str, culprit: str | None,
                     blacklist: list[str] | tuple[str, ...]) -> list[str]:
    """Why `command` may not run unattended for a pattern of this type and culprit."""
    from fnmatch import fnmatch

    command = command.strip()
    if not re.match(r"^wp\s", command):
        return [f"not a WP-CLI command: {command!r}"]
    problems = []
    if _SHELL_SYNTAX.search(command):
        problems.append(f"shell syntax in {command!r}")
    fix = known_fix(command)
    if fix:
        problems.append(f"known-bad command {command!r}: {fix[1]}")
    problems += [f"destructive: {command!r} {why}" for pattern, why in _DESTRUCTIVE
                 if pattern.search(command)]
    target = _PLUGIN_TARGETS.match(command)
    if target:
        slugs = [a for a in target.group("args").split() if not a.startswith("-")]
        problems += [f"plugin {slug!r} is blacklisted" for slug in slugs
                     if any(fnmatch(slug.lower(), entry.lower()) for entry in blacklist)]
    if not problems:
        refusal = allow_list_refusal(command, diagnosis_type, culprit)
        if refusal:
            problems.append(f"not on the allow-list: {command!r} ({refusal})")
    return problems


# The taxonomy sends a syntax error, timeout or memory exhaustion inside a plugin or theme
# to that plugin's or theme's runbook, so a pattern with such a culprit may use it.
_CULPRIT_RUNBOOKS = {"SYNTAX_ERROR", "TIMEOUT", "MEMORY_EXHAUSTION"}


def allow_list_refusal(command: str, diagnosis_type: str, culprit: str | None) -> str | None:
    """None when the project's allow-list (healer_ops.policy.allow_list) admits `command`
    for this diagnosis type and culprit; else its reason."""
    from healer_ops.policy.allow_list import check_command

    verdict = check_command(command, diagnosis_type, culprit or None)
    if verdict.allowed is not None:
        return None
    if culprit and diagnosis_type in _CULPRIT_RUNBOOKS:
        for runbook in ("PLUGIN_CONFLICT", "THEME_CONFLICT"):
            if check_command(command, runbook, culprit).allowed is not None:
                return None
    return verdict.reason
