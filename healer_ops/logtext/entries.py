"""A log read as entries (a head line and its continuation: stack frames, wrapped lines,
"thrown in", JSON context), each with the role it plays.

Reading, in order: the log made regular (`prepare`), every line's collector prefix taken off
(docker compose, kubectl, syslog, journald: they prefix every line, so they say nothing about
where an entry starts), lines grouped into entries (a record prefix or a level word starts
one; a stack frame never does), each line unwrapped to its message (`strip_wrappers`), and
each entry given a role (severity.entry_role): FAULT (a fatal, an error, a warning or server
record showing a database, disk, permission, HTTP, memory or process failure), NOISE
(deprecations, notices, warnings of sloppy code, server chatter, access lines: they never
decide a diagnosis) or CONTEXT (other text: a tool's output, a web page).

`read_log(log).focus` is what the analysis reads: the log without its noise (the noise alone
when there is nothing else). `signature_entries` is what keys it: the fatal entries, else the
fault entries, else the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from healer_ops.logtext.regular import CLIPPED_MARK, prepare, record_message
from healer_ops.logtext.severity import CONTEXT, FAULT, NOISE, entry_role, is_fatal, php_level
from healer_ops.logtext.wrappers import (
    RELAY,
    is_wrapper_only,
    strip_collectors,
    strip_request_suffix,
    strip_wrappers,
)

# The start of a new log entry (on a line without its collector prefix); anything else
# continues the previous one.
_ENTRY_START = re.compile(
    r"^\s*(?:"
    r"\[[^\]]{4,}\]"  # [12-Nov-2025 19:20:15 UTC] / [Mon Oct 31 06:09:02 2022]
    r"|\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d"  # 2016/08/28 15:45:35, 2024-05-20T08:33:18
    r"|\d\d-[A-Za-z]{3}-\d{4}"  # 12-Nov-2025
    r"|[A-Z][a-z]{2} [A-Z][a-z]{2} +\d"  # Mon Oct 31
    r"|PHP message:|PHP\s|\(\s*!\s*\)"
    r"|(?:Fatal|Parse|Catchable fatal|Recoverable fatal) error\b|Fatal\b"
    r"|Warning\b|Notice\b|Deprecated\b|Strict Standards\b|Error:|Success:|WordPress database error"
    r"|An error of type|AH\d{5}:"
    r"|(?-i:(?:EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG)\b)"  # a logger's level
    r"|(?:Emergency|Alert|Critical|Error|Info|Debug)\s+-\s"
    r"|(?:\S+:\d+\s+)?\S+\s+\S+\s+\S+\s+\[\d\d/[A-Z][a-z]{2}/\d{4}:"  # an access log line
    r"|\d+:[XCSM]\s+\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s"  # Redis: "1:M 05 Mar 2024 ..."
    r"|\[(?:emerg|alert|crit|error|warn|notice|info|debug)\]\s"  # a JSON record's level
    r")", re.IGNORECASE)
# What continues an entry whatever prefix its line had: stack frames and their frame.
_CONTINUES = re.compile(r"^\s*(?:#\d+\s|Stack trace:?\s*$|thrown in\b|\{main\}|Next\s+\w*"
                        r"(?:Error|Exception)\b"
                        # php-fpm's slow log: the script, then "[0x00007f...] function() file:line"
                        r"|script_filename\s*=|\[0x[0-9a-f]{8,16}\]\s)", re.IGNORECASE)

# What a line continuing a PHP message (or a noise record) looks like: indented, an argument
# list or a closing brace, "in FILE on line N" wrapped onto its own line, or a bare location
# (a path with its line number, maybe a trace after it) after a line ending with "in".
_LOOKS_CONTINUED = re.compile(r"^(?:\s|in\s|on\s+line\b|[(){}\]])")
_LOCATION_LINE = re.compile(r"^(?:/|[A-Za-z]:/|\.\.\.)\S*(?::\d+|\(\d+\))?(?:\s+on\s+line\s+\d+"
                            r"|\s+Stack trace:|\s*$)")
_ENDS_WITH_IN = re.compile(r"\bin\s*[\"']?\s*$")  # (a wrapper's closing quote after it)


@dataclass(frozen=True)
class LogEntry:
    text: str  # the entry's lines, unwrapped to their messages, joined with "\n"
    fatal: bool
    role: str = CONTEXT  # FAULT, NOISE or CONTEXT
    minor: bool = False  # noise that says nothing is wrong (severity.entry_role)

    @property
    def head(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def message(self) -> str:
        """The error message and its location, without stack frames or server suffixes."""
        before = re.split(r"Stack trace:|\n\s*#0\s|\s#0\s", self.text, maxsplit=1)[0]
        thrown = re.findall(r"thrown in \S+(?: on line \d+)?", self.text)
        return strip_request_suffix(before + ("\n" + thrown[-1] if thrown else ""))

    @property
    def frames(self) -> list[str]:
        return re.findall(r"#\d+\s+(.*?)(?=\s#\d+\s|\n|$)", self.text)


@dataclass(frozen=True)
class _Line:
    rest: str  # without its collector prefix
    message: str  # without any prefix


@dataclass(frozen=True)
class LogReading:
    entries: tuple[LogEntry, ...]

    @cached_property
    def focus_entries(self) -> tuple[LogEntry, ...]:
        """The entries the analysis reads: all but the noise (only noise: all of it)."""
        kept = tuple(e for e in self.entries if e.role != NOISE)
        return kept or self.entries

    @property
    def focus(self) -> str:
        return "\n".join(entry.text for entry in self.focus_entries)

    @cached_property
    def signature_entries(self) -> tuple[LogEntry, ...]:
        """What keys the fault: its fatal entries, else its fault entries, else the rest."""
        for wanted in (lambda e: e.fatal, lambda e: e.role == FAULT):
            chosen = tuple(e for e in self.entries if wanted(e))
            if chosen:
                return chosen
        return self.focus_entries

    @property
    def shows_failure(self) -> bool:
        """Some line shows a failure: the log is not HEALTHY, whatever else it says."""
        return any(entry.role == FAULT for entry in self.entries)

    @property
    def minor_only(self) -> bool:
        """Only notices, deprecations, code smells and chatter (a clipped log's mark aside)."""
        entries = [e for e in self.entries if not e.text.startswith(CLIPPED_MARK)]
        return bool(entries) and all(e.minor for e in entries)


def read_log(log: str) -> LogReading:
    """The log read as entries with their roles (see the module docstring)."""
    return _read(log)


@lru_cache(maxsize=256)  # the analysis reads a log several times in a row
def _read(log: str) -> LogReading:
    groups: list[list[_Line]] = []
    closed = False  # the current entry takes only continuation-looking lines
    lines = strip_collectors(prepare(log).split("\n"))
    # a JSON record behind a collector's prefix (kubectl --timestamps before docker's record)
    lines = [part for line in lines for part in record_message(line).split("\n")]
    for rest in lines:
        if not rest.strip():
            continue
        line = _Line(rest, strip_wrappers(rest))
        waiting = bool(groups) and not _said_anything(groups[-1])
        if waiting and len(groups) > 1 and _blank(groups[-1]) and (
                _CONTINUES.match(line.message) or _record_continues(groups[-2], line)):
            groups[-2].extend(groups.pop())  # a blank line inside a message written by records
            groups[-1].append(line)
            continue
        if groups and (waiting or _CONTINUES.match(line.message) or _CONTINUES.match(line.rest)
                       or _record_continues(groups[-1], line) or not _starts_entry(line) and (
                not closed or _continues_message(groups[-1][-1].rest, line.rest))):
            groups[-1].append(line)
        else:
            groups.append([line])
        if len(groups[-1]) == 1 or waiting:  # the entry's head is this line
            closed = _is_closed(groups[-1])
    entries = [_entry(group) for group in groups]
    return LogReading(tuple(entry for entry in entries if entry is not None))


def _prefix_shape(line: _Line) -> str:
    """What a line's record prefix looks like whatever its numbers and month: the relay."""
    at = line.rest.find(line.message) if line.message else -1
    prefix = line.rest[:at] if at > 0 else line.rest
    return re.sub(r"\d+", "0", re.sub(r"\b[A-Z][a-z]{2}\b", "M", prefix))[:20]


def _record_continues(lines: list[_Line], line: _Line) -> bool:
    """A server that writes what a worker prints line by line (php-fpm's "said into stderr",
    LiteSpeed's [STDERR], a syslog or journald relay) puts its record prefix on every line of
    a multi-line PHP message: such a line continues the PHP message before it when its own
    message starts nothing and looks like a continuation (a location, "(previously declared
    ...)", an indented or "in FILE" line)."""
    if line.message.strip() == line.rest.strip() or _ENTRY_START.match(line.message):
        return False
    said = [previous.message for previous in lines
            if previous.message.strip() and not is_wrapper_only(previous.message)]
    if not said or php_level(said[0]) is None and not is_fatal(said[0]):
        return False
    if _prefix_shape(line) != _prefix_shape(lines[0]):  # another program's record
        return False
    return _continues_message(said[-1], line.message)


def _blank(lines: list[_Line]) -> bool:
    """Records with nothing in them (a blank line of output a server wrote as a record)."""
    return not any(line.message.strip() for line in lines)


def _said_anything(lines: list[_Line]) -> bool:
    """Whether the lines hold a message: a line with only a prefix (a server's record split
    over two lines, nginx's "FastCGI sent in stderr:") waits for the next line's."""
    return any(line.message.strip() and not is_wrapper_only(line.message) for line in lines)


def _continues_message(previous: str, line: str) -> bool:
    return bool(_LOOKS_CONTINUED.match(line) or _LOCATION_LINE.match(line)
                or (_ENDS_WITH_IN.search(previous) and re.match(r"^(?:/|[A-Za-z]:/|\.\.\.)", line)))


def _starts_entry(line: _Line) -> bool:
    """A record prefix or a level word starts an entry."""
    return bool(_ENTRY_START.match(line.rest)) or line.message.strip() != line.rest.strip()


def _is_closed(lines: list[_Line]) -> bool:
    """A PHP message, or noise: what follows it is its own unless it looks like a
    continuation (a deprecation has no context lines; a PHP message continues with its stack
    trace and wrapped lines)."""
    entry = _entry(lines)
    if entry is None:
        return False
    return php_level(entry.head) is not None or entry.role == NOISE


def _role(rest: str, message: str, text: str) -> tuple[str, bool]:
    at = rest.find(message) if message else -1
    prefix = rest[:at] if at >= 0 else rest
    recorded = message.strip() != rest.strip()
    if RELAY.search(prefix):  # a relay's level and record say nothing about the message
        prefix, recorded = "", False
    return entry_role(strip_request_suffix(text), is_fatal(text), prefix, recorded)


def _entry(lines: list[_Line]) -> LogEntry | None:
    said = [i for i, line in enumerate(lines)
            if line.message.strip() and not is_wrapper_only(line.message)]
    if not said:
        return None
    text = "\n".join(lines[i].message for i in said)
    head = lines[said[0]]
    # the prefix of the entry: every line before its first message, and that line's own
    before = " ".join(line.rest for line in lines[:said[0]])
    role, minor = _role(f"{before} {head.rest}".strip(), head.message, text)
    return LogEntry(text, is_fatal(text), role, minor)


def log_entries(log: str) -> list[LogEntry]:
    """The log (made regular) split into entries."""
    return list(read_log(log).entries)


def fatal_entries(log: str) -> list[LogEntry]:
    return [entry for entry in log_entries(log) if entry.fatal]


def line_at(text: str, index: int, limit: int = 300) -> str:
    """The (stripped) line of `text` that holds position `index`, at most `limit` chars."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:end if end != -1 else len(text)].strip()[:limit]
