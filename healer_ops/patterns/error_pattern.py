"""Learned error patterns: a regex for a fault that matches the same fault on another site.

Phase 1 inserted wildcards and then escaped the whole string, so its learned patterns never
matched again. Here literal text is escaped piece by piece and wildcards go between pieces.
"""

from __future__ import annotations

import re

from healer_ops.logtext import (
    EMAIL,
    HEX,
    IPV4,
    PHP_LEVELS,
    ROOT_MARKERS,
    is_minor,
    is_wrapper_only,
    unwrap,
)

# Where the diagnostic message of a log is, most telling first.
_KEY_LINE_MARKERS = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:Parse|Fatal) error\b",
    r"Allowed memory size|Out of memory",
    r"AH\d{5}|\.htaccess: |redirects followed",
    r"mysqli_real_connect|WordPress database error|Error establishing a (?:database|Redis)",
    r"Briefly unavailable for scheduled maintenance",
    r"No space left|out of free disk space|run out of disk space",
    r"upstream timed out|cURL error \d+|Gateway Time-?out",
    r"Mixed Content|SSL certificate|SSL: |SSL routines",
    r"Cron (?:re|un)schedule event error|WP-Cron spawn",
    r"Permission denied|Unable to create directory|Could not create directory",
    r"verify against checksum|should not exist",
    r"critical error on this website",
)]

_LEVEL = "|".join(re.escape(level) for level in PHP_LEVELS)

# Volatile pieces of a message and the wildcard that replaces each. Everything between
# them is literal text, escaped on its own; wildcards are never escaped.
_VOLATILE: list[tuple[str, str]] = [
    ("level", rf"(?:PHP\s+)?(?:<b>)?(?P<lvl>{_LEVEL})(?:</b>)?:\s+"),
    # PHP 8 reworded some messages; either wording is the same fault
    ("php8_token", r"unexpected (?:token )?(?=[\"'])"),
    ("php8_function", r"Cannot redeclare (?:function )?"),
    ("user_host", r"'[^'\s]*'@'[^'\s]*'"),
    ("email", EMAIL.pattern),
    ("url", r"https?://[^\s'\"]+"),
    # the install folder: a whole path's start (never inside one: a plugin's wp-x.php is not a
    # root file) up to the first of WordPress's root folders and files
    ("root", rf"(?<![\w.~/\\-])(?:[A-Za-z]:)?(?:[/\\][^\s'\"():/\\]+)+?"
             rf"(?=[/\\](?:{ROOT_MARKERS}))"),
    ("db_table", r"(?<=\./)[\w$]+(?=/)"),
    ("tmpfile", r"(?<=/tmp/)\w+"),
    ("db_name", r"(?<=database )'[^'\s]*'"),
    ("jwt", r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"),
    ("ip", IPV4.pattern),
    ("hex", f"(?i:{HEX.pattern})"),
    ("number", r"\d+"),
    ("quote", r"[\"']"),
    ("space", r"\s+"),
]
_WILDCARDS = {
    "php8_token": r"unexpected\s+(?:token\s+)?",
    "php8_function": r"Cannot\s+redeclare\s+(?:function\s+)?",
    "user_host": r"'[^']*'@'[^']*'",
    "email": r"\S+@\S+",
    "url": r"\S+",
    "root": r"[^\s'\"(]*?",
    "db_table": r"[\w$]+",
    "tmpfile": r"\w+",
    "db_name": r"'[^']*'",
    "jwt": r"[\w.-]+",
    "ip": r"[\d.:a-fA-F]+",
    "hex": r"(?:0x)?[0-9a-fA-F]+",
    "number": r"\d+",
    "quote": r"[\"']",
    "space": r"\s+",
}
_VOLATILE_RE = re.compile("|".join(f"(?P<{name}>{regex})" for name, regex in _VOLATILE))


def key_line(log: str) -> str:
    """The line of a log that carries its diagnosis (fatal first; else the last line)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    if not lines:
        raise ValueError("cannot learn an error pattern from an empty log")
    lines = [line for line in lines if _says_something(line)] or lines
    lines = [line for line in lines if not is_minor(line)] or lines
    for marker in _KEY_LINE_MARKERS:
        for line in lines:
            if marker.search(line):
                return line
    return lines[-1]


def _says_something(line: str) -> bool:
    """More than a wrapper: not only a timestamp, a prefix or "FastCGI sent in stderr"."""
    message = unwrap(line).strip()
    return bool(message) and not is_wrapper_only(message)


def error_pattern_from_log(log: str, max_chars: int = 400) -> str:
    """A regex for the fault in `log` that also matches the same fault on another site.

    Phase 1 inserted wildcards and then escaped the whole string, turning ``\\d+`` into
    ``\\\\d\\+``, so learned patterns never matched again. Here literal text is escaped
    piece by piece and wildcards are inserted between the pieces, never escaped.
    """
    key = key_line(log)
    line = (unwrap(key).strip() or key)[:max_chars]
    parts: list[str] = []
    position = 0
    for match in _VOLATILE_RE.finditer(line):
        parts.append(re.escape(line[position:match.start()]))
        kind = match.lastgroup
        if kind == "level":
            parts.append(rf"(?:PHP\s+)?(?:<b>)?{re.escape(match.group('lvl'))}(?:</b>)?:\s+")
        else:
            parts.append(_WILDCARDS[kind])
        position = match.end()
    parts.append(re.escape(line[position:]))
    pattern = "".join(parts)
    re.compile(pattern)  # a learned pattern that does not compile is a bug, say so here
    return pattern


def matches(error_pattern: str, log: str) -> bool:
    return re.search(error_pattern, log) is not None
