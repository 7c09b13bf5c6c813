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
