"""A log split into entries: a head line and its continuation lines (stack frames, wrapped
lines, "thrown in", JSON context)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from healer_ops.logtext.regular import prepare
from healer_ops.logtext.severity import is_fatal
from healer_ops.logtext.wrappers import strip_request_suffix

# The start of a new log entry; anything else continues the previous one.
_ENTRY_START = re.compile(
    r"^\s*(?:"
    r"\[[^\]]{4,}\]"  # [12-Nov-2025 19:20:15 UTC] / [Mon Oct 31 06:09:02 2022]
    r"|\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d"  # 2016/08/28 15:45:35, 2024-05-20T08:33:18
    r"|\d\d-[A-Za-z]{3}-\d{4}"  # 12-Nov-2025
    r"|[A-Z][a-z]{2} [A-Z][a-z]{2} +\d"  # Mon Oct 31
    r"|PHP message:|PHP\s|\(\s*!\s*\)"
    r"|(?:Fatal|Parse|Catchable fatal|Recoverable fatal) error\b|Fatal\b"
    r"|Warning\b|Notice\b|Deprecated\b|Strict Standards\b|Error:|Success:|WordPress database error"
    r"|An error of type"
    r")", re.IGNORECASE)


@dataclass(frozen=True)
class LogEntry:
    text: str  # the entry's lines joined with "\n"
    fatal: bool

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


def log_entries(log: str) -> list[LogEntry]:
    """The log (made regular) split into entries."""
    groups: list[list[str]] = []
    for line in prepare(log).split("\n"):
        if not line.strip():
            continue
        if not groups or _ENTRY_START.match(line):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [LogEntry("\n".join(lines), is_fatal("\n".join(lines))) for lines in groups]


def fatal_entries(log: str) -> list[LogEntry]:
    return [entry for entry in log_entries(log) if entry.fatal]


def line_at(text: str, index: int, limit: int = 300) -> str:
    """The (stripped) line of `text` that holds position `index`, at most `limit` chars."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:end if end != -1 else len(text)].strip()[:limit]
