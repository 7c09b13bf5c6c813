"""The severity vocabulary: which log lines are fatal, which are minor, which are chatter.

- `is_fatal(text)`: the first severity word decides (a PHP fatal, parse error, uncaught
  exception, E_ERROR, WordPress's "Critical - "); prose that merely mentions "a fatal error"
  is not one. Messages PHP only ever reports as fatal count without their prefix.
- `is_minor(line)`: a deprecation, notice, strict-standards line or a code-smell warning
  (undefined array keys, properties of null, ...): every busy site logs them; they never
  broke a site.
- `is_code_smell(line)`: PHP's code-smell warnings, notices and deprecations.
- `rank(line)`: how much a line says about the fault (FATAL < ERROR < NOTICE < CHATTER).
- `PHP_LEVELS` and `strip_php_prefix`: PHP's level words, "PHP Fatal error" == "Fatal error".
"""

from __future__ import annotations

import re

# PHP's level words as they start a message (the longest first, for regex alternation).
PHP_LEVELS = ("Recoverable fatal error", "Catchable fatal error", "Fatal error", "Parse error",
              "Warning", "Notice", "Deprecated", "Strict Standards")

_SEVERITY = re.compile(
    r"(?P<fatal>fatal\s+error\s*:|fatal\s+error\s+(?=uncaught|call\s+to|allowed|maximum|cannot|"
    r"class|require|out\s+of)|PHP\s+Fatal\b|erreur\s+fatale\s*:|parse\s+error\s*:|\bParseError\b"
    r"|\buncaught\s+[\w/]{0,200}(?:error|exception)\b|\bE_(?:ERROR|PARSE|COMPILE_ERROR|CORE_ERROR|"
    r"USER_ERROR|RECOVERABLE_ERROR)\b|(?-i:\bCRITICAL\b)|\bcritical\s+-\s)"
    r"|(?P<minor>\bwarning\s*:|PHP\s+warning\b|\bnotice\s*:|PHP\s+notice\b|\bdeprecated\s*:"
    r"|PHP\s+deprecated\b|strict\s+standards\s*:|\bE_(?:WARNING|NOTICE|DEPRECATED|USER_WARNING|"
    r"USER_NOTICE|USER_DEPRECATED|STRICT)\b|WordPress\s+database\s+error)",
    re.IGNORECASE)
# Messages PHP only ever reports as fatal errors, quoted without their "Fatal error:" prefix
# in bug reports and some log viewers.
_FATAL_MESSAGE = re.compile(
    r"call\s+to\s+undefined\s+(?:function|method)\s|call\s+to\s+a\s+member\s+function\s+\S+\s+on\s+"
    r"(?:null|bool|false|string|array|int)|\bclass\s+[\"']?[\w/]+[\"']?\s+not\s+found\b"
    r"|cannot\s+redeclare\s|cannot\s+declare\s+class\s|failed\s+opening\s+required\s",
    re.IGNORECASE)
_THROWN_IN = re.compile(r"^\s*thrown in\b", re.IGNORECASE)  # the end of an uncaught exception

_MINOR_LEVEL = re.compile(r"(?:deprecated|notice|strict\s+standards)\s*:"
                          r"|\bPHP\s+(?:deprecated|notice)\b", re.IGNORECASE)
_CODE_SMELL = re.compile(
    r"\b(?:warning|notice|deprecated)\b[^\n]*?\b(?:undefined\s+(?:array\s+key|index|offset|"
    r"variable|property|constant)|attempt\s+to\s+read\s+property|trying\s+to\s+access\s+array\s+"
    r"offset|a\s+non-numeric\s+value|array\s+to\s+string\s+conversion|invalid\s+argument\s+"
    r"supplied\s+for\s+foreach|foreach\(\)\s+argument\s+must\s+be|creation\s+of\s+dynamic\s+"
    r"property|count\(\):\s+parameter\s+must\s+be)", re.IGNORECASE)
_LEADING_LEVEL = re.compile(r"^\s*(?:php\s+)?(?:(?P<notice>notice|strict standards)|"
                            r"(?P<chatter>deprecated|info|debug))\b", re.IGNORECASE)
_PHP_PREFIX = re.compile(r"\bPHP\s+(?=(?:fatal|parse|warning|notice|deprecated|recoverable|"
                         r"catchable|strict)\b)", re.IGNORECASE)

FATAL, ERROR, NOTICE, CHATTER = range(4)


def is_fatal(text: str) -> bool:
    """Whether the text's first severity word is a fatal one (or its message only ever is)."""
    match = _SEVERITY.search(text)
    if match:
        return bool(match.group("fatal"))
    return bool(_FATAL_MESSAGE.search(text))


def is_code_smell(line: str) -> bool:
    """A warning, notice or deprecation about the code's own sloppiness."""
    return bool(_CODE_SMELL.search(line)) and not is_fatal(line)


def is_minor(line: str) -> bool:
    """A deprecation, notice, strict-standards line or code-smell warning: nothing to heal."""
    return bool(_MINOR_LEVEL.search(line) or _CODE_SMELL.search(line)) and not is_fatal(line)


def rank(line: str) -> int:
    """How much one (unwrapped) line says about the fault: FATAL (a fatal error or the end of
    an uncaught exception), ERROR (anything else), NOTICE, CHATTER (deprecated, info, debug)."""
    if is_fatal(line) or _THROWN_IN.match(line):
        return FATAL
    leading = _LEADING_LEVEL.match(line)
    if leading:
        return NOTICE if leading.group("notice") else CHATTER
    return ERROR


def strip_php_prefix(line: str) -> str:
    """"PHP Fatal error" -> "Fatal error" (PHP's error_log writes the prefix, display_errors
    does not)."""
    return _PHP_PREFIX.sub("", line)


# ---------------------------------------------------------------------------------------------
# Which lines carry a fault: the environment failures a warning or a server record can show
# ---------------------------------------------------------------------------------------------

# What fails around the code (database, disk, permissions, HTTP and the network, memory, the
# PHP processes, core files): a PHP warning or a server's warn/notice record that says one of
# these shows a failure; any other warning is the code's own sloppiness or chatter.
_ENVIRONMENT_FAILURE = re.compile(
    r"database\s+(?:error|connection\s+(?:error|failed))|error\s+establishing|\bmysqli?(?:_|::)"
    r"\w*\(\)|\bHY\d{3}\b|SQLSTATE\[|gone\s+away|lost\s+connection|too\s+many\s+connections"
    r"|access\s+denied\s+for\s+user|deadlock|lock\s+wait\s+timeout|can.?t\s+connect\s+to"
    r"|unknown\s+database|marked\s+as\s+crashed|\bcorrupt"
    r"|no\s+space\s+left|disk\s+(?:quota|full)|quota\s+exceeded|\berr(?:no|code):?\s*28\b"
    r"|read-only\s+file\s+system|out\s+of\s+(?:free\s+)?disk"
    r"|permission\s+denied|not\s+writ(?:e)?able|operation\s+not\s+permitted|\bEACCES\b"
    r"|(?:could\s+not|unable\s+to|failed\s+to)\s+create\s+dir"
    r"|curl\s+error|\bcurl:\s*\(\d+\)|timed\s+out|connection\s+(?:refused|reset)"
    r"|could\s+not\s+resolve|ssl\s+certificate\s+problem|certificate\s+(?:verify\s+failed|has\s+"
    r"expired)|handshake\s+fail|http_request_failed|(?:failed|unable)\s+to\s+connect"
    r"|\bHTTP/\d(?:\.\d)?\"?\s+5\d\d\b|\b50[0-4]\s+(?:internal|bad\s+gateway|service|gateway)"
    r"|allowed\s+memory\s+size|out\s+of\s+memory|cannot\s+allocate\s+memory"
    r"|maximum\s+execution\s+time|segmentation\s+fault|\bSIG(?:SEGV|BUS|ABRT|KILL)\b"
    r"|core\s+dumped|exited\s+on\s+signal|exit\s+signal|max_children"
    r"|failed\s+opening\s+required|checksums?\s+(?:do(?:es)?\s+not|don.?t)\s+match"
    r"|(?:doesn.?t|does\s+not)\s+verify\s+against|should\s+not\s+exist",
    re.IGNORECASE)
# Words that make a line without a level an error line.
_ERROR_WORD = re.compile(r"\berror\b|\bfail(?:ed|ure)?\b|\bexception\b|\bdenied\b|\brefused\b"
                         r"|\bunable\s+to\b|\bcould\s+not\b|\bcannot\b|\bcan't\b", re.IGNORECASE)
_PHP_LEVEL = re.compile(r"^\s*(?:PHP\s+)?(?P<level>Fatal error|Parse error|Catchable fatal error|"
                        r"Recoverable fatal error|Warning|Notice|Deprecated|Strict Standards)"
                        r"\s*:", re.IGNORECASE)
# A server's own level: nginx "[error]", Apache "[core:notice]", php-fpm "] WARNING: ", MySQL
# "[Note]"; a logger's leading "INFO " / "Critical - ".
_SERVER_LEVEL = re.compile(
    r"\[(?:[\w-]+:)?(?P<bracket>emerg|alert|crit|error|warn|notice|info|debug|trace\d)\]"
    r"|\]\s+(?P<fpm>ALERT|ERROR|WARNING|NOTICE|DEBUG):\s"
    r"|\[(?P<mysql>Note|Warning|ERROR|System)\]")
_LOGGER_LEVEL = re.compile(r"^\s*(?:(?P<upper>EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|WARN|NOTICE|"
                           r"INFO|DEBUG)\b|(?P<word>Emergency|Alert|Critical|Error|Warning|Notice|"
                           r"Info|Debug)\s+-\s|(?:\d+\s+)?\[(?P<mysql>Note|Warning|ERROR|System)\]"
                           # Redis: "pid:role dd Mon yyyy hh:mm:ss.mmm LEVEL " (. - * #)
                           r"|\d+:[XCSM]\s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+[\d:.]+\s+"
                           r"(?P<redis>[.*#-])\s)")
_REDIS_LEVELS = {".": "debug", "-": "info", "*": "notice", "#": "warn"}
_SERIOUS = {"emerg", "emergency", "alert", "crit", "critical", "error"}
# nginx logs a request for a missing static file at [error]: a 404, not a broken site.
_NOT_FOUND = re.compile(r"open\(\)\s+\"[^\"]*\"\s+failed\s+\(2:\s+No\s+such\s+file", re.I)
# An access log line: ip - user [time] "METHOD path HTTP/x" status size.
_ACCESS = re.compile(r"^(?:\S+:\d+\s+)?\S+\s+\S+\s+\S+\s+\[[^\]]+\]\s+\"[A-Z]+\s[^\"]*\"\s+"
                     r"(?P<status>\d{3})\s+(?P<size>\d+|-)")

# A response that came back empty: the white screen's own sign, whatever the status says.
_EMPTY_RESPONSE = re.compile(
    r"content-length:\s*0\b|empty\s+(?:response|body|reply)|\bcurl:\s*\(52\)"
    r"|white\s+(?:screen|page)\s+of\s+death", re.IGNORECASE)

# What servers say when they start, reload or stop: never a fault.
_STARTUP_CHATTER = re.compile(
    r"\bAH00(?:094|163|169|171|489|492|493|558)\b|resuming\s+normal\s+operations"
    r"|ready\s+(?:to\s+handle|for)\s+connections|\bfpm\s+is\s+running\b"
    r"|signal\s+process\s+started|graceful\s+restart\s+requested|using\s+the\s+\S+\s+event"
    r"\s+method|start\s+worker\s+processes?", re.IGNORECASE)

# Levels at which a server records what a client did (timed out, closed the connection).
_CLIENT_LEVELS = {"info", "debug"}

FAULT, CONTEXT, NOISE = "fault", "context", "noise"


def shows_environment_failure(text: str) -> bool:
    """A database, disk, permission, HTTP/network, memory, process or core-file failure."""
    return bool(_ENVIRONMENT_FAILURE.search(text))


def php_level(message: str) -> str | None:
    """The PHP level word a message starts with ("warning", "fatal error", ...), lower case."""
    match = _PHP_LEVEL.match(message)
    return match.group("level").lower() if match else None


def server_level(prefix: str, message: str) -> str | None:
    """The level a server or logger wrote (in the prefix it put before the message, or a
    logger's leading word), normalized to lower case ("warning" -> "warn")."""
    match = _SERVER_LEVEL.search(prefix)
    level = next((g for g in match.groups() if g), None) if match else None
    if level is None:
        leading = _LOGGER_LEVEL.match(message)
        level = next((g for g in leading.groups() if g), None) if leading else None
        if leading and leading.group("redis"):
            level = _REDIS_LEVELS[level]
    if level is None:
        return None
    level = level.lower()
    return {"warning": "warn", "note": "notice", "system": "info"}.get(level, level)


def entry_role(text: str, fatal: bool, prefix: str, recorded: bool) -> tuple[str, bool]:
    """(role, minor) of one log entry: FAULT (shows a failure), NOISE (a notice, deprecation,
    warning of sloppy code, server chatter: it never decides a diagnosis) or CONTEXT (other
    text, such as a tool's output). `minor` marks noise that says nothing is wrong at all
    (notices, deprecations, code smells, chatter; not a warning that is neither).

    `text` is the entry's message (server prefixes removed), `prefix` what was removed from its
    first line, `recorded` whether a server or logger wrote it as a record of its own."""
    if fatal:
        return FAULT, False
    level = php_level(text)
    if level in ("deprecated", "notice", "strict standards"):
        return NOISE, True
    if level == "warning":
        if shows_environment_failure(text):
            return FAULT, False
        return NOISE, is_code_smell(text)
    if level is not None:
        return FAULT, False
    if _STARTUP_CHATTER.search(text):
        return NOISE, True
    if _EMPTY_RESPONSE.search(text):
        return FAULT, False
    access = _ACCESS.match(text)
    if access:  # a 5xx is a failure; an empty 200 may be a white screen: not "nothing wrong"
        status, size = access.group("status"), access.group("size")
        if status.startswith("5"):
            return FAULT, False
        return NOISE, status < "400" and size not in ("0", "-")
    served = server_level(prefix, text)
    if served in _SERIOUS:
        return (NOISE, True) if _NOT_FOUND.search(text) else (FAULT, False)
    if served in _CLIENT_LEVELS:  # nginx's "client timed out ... while waiting for request"
        return NOISE, True
    if served is not None:  # a warning is not "nothing wrong"; a notice or info line is
        return (FAULT, False) if shows_environment_failure(text) else (NOISE, served != "warn")
    if _ERROR_WORD.search(text) or shows_environment_failure(text):
        return FAULT, False
    return (NOISE, True) if recorded else (CONTEXT, False)
