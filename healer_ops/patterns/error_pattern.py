"""Learned error patterns: a regex for a fault that matches the same fault on another site.

Phase 1 inserted wildcards and then escaped the whole string, so its learned patterns never
matched again. Here literal text is escaped piece by piece and wildcards go between pieces.
"""

from __future__ import annotations

import re

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

# Notices and deprecations are never what broke a site.
_MINOR = re.compile(r"\b(?:PHP )?(?:Deprecated|Notice):\s")

# A log line's own prefix: PHP's [timestamp], Apache's [date] [module] [pid] [client],
# nginx's date + "FastCGI sent in stderr: "PHP message:".
_LINE_PREFIX = re.compile(
    r"^(?:\S+\s+\|\s+)?"  # docker compose "service-1  | "
    r"(?:\[[^\]]*\]\s*)*"  # [10-Mar-2025 14:03:22 UTC] or Apache's bracket groups
    r"(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\w+\] [^:]*: \*\d+ "
    r"(?:FastCGI sent in stderr: \"PHP message: )?)?")

# ... and its suffix: display_errors' <br />, nginx's "while reading ... upstream, client: ...".
_LINE_SUFFIX = re.compile(r"(?:<br\s*/?>)+$|\"?,?\s+while (?:reading|sending|connecting)\b.*$")

_LEVEL = r"Fatal error|Parse error|Warning|Notice|Deprecated|Recoverable fatal error"
_ROOTS = (r"wp-content|wp-includes|wp-admin|wp-config\.php|wp-settings\.php|wp-load\.php"
          r"|\.htaccess|\.maintenance|index\.php|wp-blog-header\.php")

# Volatile pieces of a message and the wildcard that replaces each. Everything between
# them is literal text, escaped on its own; wildcards are never escaped.
_VOLATILE: list[tuple[str, str]] = [
    ("level", rf"(?:PHP\s+)?(?:<b>)?(?P<lvl>{_LEVEL})(?:</b>)?:\s+"),
    # PHP 8 reworded some messages; either wording is the same fault
    ("php8_token", r"unexpected (?:token )?(?=[\"'])"),
    ("php8_function", r"Cannot redeclare (?:function )?"),
    ("user_host", r"'[^'\s]*'@'[^'\s]*'"),
    ("email", r"[\w.+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"),
    ("url", r"https?://[^\s'\"]+"),
    ("root", rf"(?:[A-Za-z]:)?(?:[/\\][^\s'\"():/\\]+)+?(?=[/\\](?:{_ROOTS}))"),
    ("db_table", r"(?<=\./)[\w$]+(?=/)"),
    ("tmpfile", r"(?<=/tmp/)\w+"),
    ("db_name", r"(?<=database )'[^'\s]*'"),
    ("jwt", r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"),
    ("ip", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"),
    ("hex", r"\b[0-9a-f]{12,}\b"),
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
    "hex": r"[0-9a-f]+",
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
    lines = [line for line in lines if not _MINOR.search(line)] or lines
    for marker in _KEY_LINE_MARKERS:
        for line in lines:
            if marker.search(line):
                return line
    return lines[-1]


def error_pattern_from_log(log: str, max_chars: int = 400) -> str:
    """A regex for the fault in `log` that also matches the same fault on another site.

    Phase 1 inserted wildcards and then escaped the whole string, turning ``\\d+`` into
    ``\\\\d\\+``, so learned patterns never matched again. Here literal text is escaped
    piece by piece and wildcards are inserted between the pieces, never escaped.
    """
    line = _LINE_PREFIX.sub("", key_line(log), count=1)
    line = _LINE_SUFFIX.sub("", line).strip()[:max_chars]
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
