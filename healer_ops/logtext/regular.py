"""A log made regular: one form for the many ways the same text reaches us.

Logs arrive with CRLF line ends, typographic quotes, HTML (PHP's display_errors), JSON-escaped
slashes, Windows paths, one-line JSON with literal "\\n", and nginx/php-fpm bundles of several
"PHP message:" entries on one line. `prepare` turns all of them into plain lines, keeping the
line structure; `clip_log` bounds a log's length keeping its beginning and its end.
"""

from __future__ import annotations

import html
import json
import re

MAX_LOG_CHARS = 200_000  # longer logs: the first and last halves (where errors and causes are)
CLIPPED_MARK = "[... clipped ...]"

QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"',
                        "„": '"', "«": '"', "»": '"', "\u00a0": " "})
# A literal "\n" before what starts a log entry: a one-line log (JSON, a copied message).
_BREAK_BEFORE_LITERAL_NEWLINE = re.compile(
    r"\\n(?=\s*(?:Stack trace|#\d+ |thrown|PHP |\[|\d{4}[-/]\d\d[-/]\d\d))")
_HTML = re.compile(r"<(?:b|br|p|div|span|font|table|td|tr|html|body|h\d)\b[^>]{0,500}>", re.I)
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</tr>|</h\d>", re.I)
_HTML_TAG = re.compile(r"<[a-zA-Z/!][^>\n]{0,500}>")


# A log collector's JSON record (docker's json-file driver, journald -o json, fluent-bit,
# cloud logging exports): its message is the log line.
_JSON_MESSAGE_KEYS = ("log", "message", "msg", "MESSAGE", "textPayload")
_JSON_RECORD_KEYS = {"time", "timestamp", "@timestamp", "ts", "stream", "level", "severity",
                     "__REALTIME_TIMESTAMP", "_PID", "SYSLOG_IDENTIFIER", "receiveTimestamp"}
# Apache escapes the line breaks of the PHP messages mod_proxy_fcgi passes on (AH01071: Got
# error 'PHP message: ...\\nStack trace:\\n#0 ...'): every "\\n" there is a line break.
_APACHE_ESCAPED = re.compile(r"\bGot error '.*$", re.MULTILINE)
# rsyslog escapes control characters in a message: "#012" is a line break, "#011" a tab.
_SYSLOG_ESCAPES = {"#012": "\n", "#011": "\t"}


def clip_log(log: str, limit: int = MAX_LOG_CHARS) -> str:
    """The log cut to `limit` characters, keeping its beginning and its end."""
    if len(log) <= limit:
        return log
    half = limit // 2
    return f"{log[:half]}\n{CLIPPED_MARK}\n{log[-half:]}"


def prepare(log: str, *, literal_newlines: bool = False) -> str:
    """The log made regular for matching; line structure is kept.

    A literal "\\n" becomes a line break before the start of an entry (a stack trace, a
    frame, a bracketed timestamp); with `literal_newlines` every literal "\\n" does (the
    signature reads a one-line JSON log as its lines)."""
    # (NUL bytes: what a copytruncate rotation leaves where the old content was)
    text = log.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").replace("\x00", "")
    text = _collector_records(text)
    text = text.replace("\\n", "\n") if literal_newlines else _APACHE_ESCAPED.sub(
        lambda m: m.group(0).replace("\\n", "\n"), text)
    text = text.translate(QUOTES)
    text = _BREAK_BEFORE_LITERAL_NEWLINE.sub("\n", text)
    text = text.replace("\\/", "/")  # JSON-escaped slashes
    if _HTML.search(text):
        text = _HTML_BREAK.sub("\n", text)
        text = _HTML_TAG.sub(" ", text)
        text = html.unescape(text)
    text = text.replace("\\", "/")  # Windows paths (and namespaces; harmless for matching)
    return text.replace("PHP message: ", "\nPHP message: ")  # nginx/FPM bundles


def _collector_records(text: str) -> str:
    """JSON records of a log collector replaced by their message; rsyslog's escapes undone."""
    for escape, character in _SYSLOG_ESCAPES.items():
        if escape in text:
            text = text.replace(escape, character)
    if '{"' not in text:
        return text
    # a record inside a record: an application's JSON line relayed by a JSON collector
    return "\n".join(_record_message(_record_message(line)) for line in text.split("\n"))


def record_message(line: str) -> str:
    """A collector's JSON record replaced by its message (a record inside a record too): for
    records that only start after a collector's prefix is taken off."""
    return _record_message(_record_message(line))


def _record_message(line: str) -> str:
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return line
    try:
        record = json.loads(stripped)
    except ValueError:
        return line
    if not isinstance(record, dict) or not _JSON_RECORD_KEYS & record.keys():
        return line
    key = next((key for key in _JSON_MESSAGE_KEYS if isinstance(record.get(key), str)), None)
    if key is None:
        return line
    message = record[key].rstrip("\n")
    level = _record_level(record) if key == "msg" else None
    return f"[{level}] {message}" if level else message


# A structured logger's own record ("msg": Caddy, zap, pino, logrus) keeps its level, as the
# bracketed word a server writes ("[info] "), which unwrapping reads and takes off; a relayed
# line ("log", "MESSAGE", "textPayload", "message": docker, journald, Cloud Logging, fluentd)
# does not: its level is the relay's (the stream it came from), not the line's.
_LEVEL_WORDS = {"emergency": "emerg", "emerg": "emerg", "alert": "alert", "critical": "crit",
                "crit": "crit", "fatal": "crit", "error": "error", "err": "error",
                "warning": "warn", "warn": "warn", "notice": "notice", "info": "info",
                "debug": "debug"}
_SYSLOG_PRIORITIES = ("emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")


def _record_level(record: dict) -> str | None:
    for key in ("level", "severity", "PRIORITY"):
        value = record.get(key)
        if isinstance(value, str) and value.isdigit() and key == "PRIORITY":
            return _SYSLOG_PRIORITIES[int(value)] if int(value) < 8 else None
        if isinstance(value, str) and value.lower() in _LEVEL_WORDS:
            return _LEVEL_WORDS[value.lower()]
    return None
