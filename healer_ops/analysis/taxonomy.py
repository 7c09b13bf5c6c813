"""The diagnosis taxonomy (package data) and the log reading every analyzer shares.

- `load_taxonomy()`: the 17 diagnosis types with their signature regexes and remediation.
- `remediation_commands(type)`: the taxonomy's remediation lines that are real WP-CLI commands
  (the allow-list is built from these; `{slug}` is the culprit placeholder).
- `prepare(log)`: a log made regular for matching (HTML stripped, JSON-escaped and Windows
  paths turned into forward slashes, nginx's "PHP message:" bundles split into lines).
- `fatal_entries(log)` / `extract_culprit(log)`: the plugin, theme, mu-plugin or drop-in that
  a fatal/parse/uncaught error points at. Warnings and notices never blame anyone.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.settings import DATA_DIR

TAXONOMY_PATH = DATA_DIR / "diagnosis-taxonomy.yaml"


# ---------------------------------------------------------------------------------------------
# The taxonomy file
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemediationCommand:
    """One WP-CLI command from a type's safe remediation."""

    template: str  # may contain {slug}
    purpose: str = ""  # the taxonomy's comment on the line
    approval: str | None = None  # "auto", "approve" or None (read-only / unspecified)
    condition: str | None = None  # text before "->" ("DB_CORRUPTION", "if core path", ...)
    runbook: str | None = None  # another type's runbook the line points to ("-> X runbook")

    @property
    def needs_slug(self) -> bool:
        return "{slug}" in self.template

    @property
    def error_types(self) -> frozenset[str]:
        """The finer labels (DB_CORRUPTION, ...) the command is limited to; empty = all."""
        if not self.condition:
            return frozenset()
        return frozenset(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", self.condition))

    def fill(self, slug: str | None) -> str:
        if self.needs_slug and not slug:
            raise ValueError(f"remediation command {self.template!r} needs a culprit slug")
        return self.template.replace("{slug}", slug or "")


@dataclass(frozen=True)
class DiagnosisTypeSpec:
    name: str
    signatures: tuple[re.Pattern[str], ...]  # the regex signatures (pseudo-signatures skipped)
    remediation: tuple[str, ...]  # the lines, as YAML reads them
    remediation_comments: tuple[str, ...] = ()  # each line's trailing "# ..." comment
    notes: str = ""

    @property
    def commands(self) -> tuple[RemediationCommand, ...]:
        comments = self.remediation_comments or ("",) * len(self.remediation)
        return tuple(cmd for line, comment in zip(self.remediation, comments, strict=True)
                     for cmd in parse_remediation_line(line, comment))


@dataclass(frozen=True)
class Taxonomy:
    types: dict[str, DiagnosisTypeSpec]
    priority: tuple[str, ...]  # the file's suggested evaluation order
    culprit_patterns: dict[str, re.Pattern[str]]  # CULPRIT_PLUGIN / CULPRIT_THEME / CULPRIT_MU


class TaxonomyError(ValueError):
    pass


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Read and check the taxonomy file (cached per path)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from exc
    categories = raw.get("categories") or {}
    unknown = set(categories) - set(DIAGNOSIS_TYPES)
    if unknown:
        raise TaxonomyError(f"{path}: unknown diagnosis types {sorted(unknown)}")
    comments = _item_comments(text)
    types = {}
    for name in DIAGNOSIS_TYPES:
        spec = categories.get(name) or {}
        remediation = tuple(str(line) for line in spec.get("remediation") or [])
        types[name] = DiagnosisTypeSpec(
            name=name,
            signatures=tuple(_compile_signatures(path, name, spec.get("signatures") or [])),
            remediation=remediation,
            remediation_comments=tuple(comments.get(line.strip(), "") for line in remediation),
            notes=str(spec.get("notes") or ""),
        )
    culprit_patterns = {
        key: re.compile(raw[key]) for key in ("CULPRIT_PLUGIN", "CULPRIT_THEME", "CULPRIT_MU")
        if key in raw
    }
    return Taxonomy(types=types, priority=_priority_from_header(text),
                    culprit_patterns=culprit_patterns)


def _item_comments(text: str) -> dict[str, str]:
    """YAML drops comments; the remediation comments say "auto"/"approve", so keep them."""
    comments = {}
    for match in re.finditer(r"^\s+- (.*)$", text, re.MULTILINE):
        body, comment = _split_comment(match.group(1))
        if comment:
            comments[body.strip().strip("'\"").strip()] = comment
    return comments


def _compile_signatures(path: Path, name: str, signatures: list[str]) -> list[re.Pattern[str]]:
    compiled = []
    for signature in signatures:
        if signature.startswith("<"):  # '<empty body ...>': a description, not a regex
            continue
        try:
            compiled.append(re.compile(signature, re.IGNORECASE))
        except re.error as exc:
            raise TaxonomyError(f"{path}: {name} signature {signature!r}: {exc}") from exc
    return compiled


def _priority_from_header(text: str) -> tuple[str, ...]:
    match = re.search(r"Evaluation priority[^:]*:(.*?)(?:\n# This|\n[^#])", text, re.S)
    if not match:
        return DIAGNOSIS_TYPES
    names = re.findall(r"[A-Z][A-Z_]+", match.group(1).replace("#", " "))
    return tuple(dict.fromkeys(n for n in names if n in DIAGNOSIS_TYPES))


# ---------------------------------------------------------------------------------------------
# Remediation lines -> WP-CLI commands
# ---------------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<[^>]*>|example\.com")  # needs a human value: not runnable as is


def parse_remediation_line(line: str, comment: str = "") -> list[RemediationCommand]:
    """The `wp ...` commands in one remediation line (shell-free, placeholders other than
    {slug} excluded), each with the line's comment, approval and condition."""
    body, inline_comment = _split_comment(line.strip().strip("'\""))
    comment = comment or inline_comment
    approval = "approve" if "approve" in comment else "auto" if re.search(r"\bauto\b", comment) \
        else None
    condition = None
    if "->" in body:
        condition, body = (part.strip() for part in body.split("->", 1))
    commands = []
    for segment in _split_outside_quotes(body, ";"):
        segment = _split_outside_quotes(segment, "|")[0]  # `wp ... | grep`: keep the wp part
        segment = re.sub(r"\s+>\s*\S+\s*$", "", segment).strip()  # drop `> file` redirection
        if not segment.startswith("wp ") or _PLACEHOLDER.search(segment):
            continue
        for command in _expand_alternatives(segment):
            commands.append(RemediationCommand(command, comment, approval, condition))
    return commands


def _split_comment(line: str) -> tuple[str, str]:
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip(), line[i + 1:].strip()
    return line.strip(), ""


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quote = [], [], None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == separator:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _expand_alternatives(command: str) -> list[str]:
    """`wp config get DB_NAME / DB_USER / DB_HOST` -> one command per alternative."""
    match = re.match(r"^(wp .*?)\s(\S+(?:\s/\s\S+)+)$", command)
    if not match:
        return [command]
    return [f"{match.group(1)} {alt.strip()}" for alt in match.group(2).split(" / ")]


_RUNBOOK_REFERENCE = re.compile(r"^(?P<condition>.*?)->\s*(?P<types>[A-Z_]+(?:\s*/\s*[A-Z_]+)*)"
                                r"\s+runbook", re.IGNORECASE)


def remediation_commands(diagnosis_type: str) -> list[RemediationCommand]:
    """The WP-CLI commands of one type's safe remediation ({slug} unfilled). A line that
    points to other types' runbooks ("if plugin/theme path -> PLUGIN_CONFLICT / THEME_CONFLICT
    runbook") brings their commands, marked with `runbook` and the line's condition."""
    taxonomy = load_taxonomy()
    if diagnosis_type not in taxonomy.types:
        raise ValueError(f"unknown diagnosis type {diagnosis_type!r}; expected one of "
                         f"{', '.join(DIAGNOSIS_TYPES)}")
    commands = list(taxonomy.types[diagnosis_type].commands)
    for line in taxonomy.types[diagnosis_type].remediation:
        reference = _RUNBOOK_REFERENCE.match(line)
        if not reference:
            continue
        for other in re.split(r"\s*/\s*", reference.group("types")):
            if other in taxonomy.types and other != diagnosis_type:
                commands += [RemediationCommand(c.template, c.purpose, c.approval,
                                                reference.group("condition").strip(), other)
                             for c in taxonomy.types[other].commands if not c.condition]
    return commands


def all_remediation_commands() -> dict[str, list[RemediationCommand]]:
    """Every type's WP-CLI remediation commands: the source of the allow-list."""
    return {name: remediation_commands(name) for name in DIAGNOSIS_TYPES}


# ---------------------------------------------------------------------------------------------
# Reading logs
# ---------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "«": '"', "»": '"', "\u00a0": " "})
_BREAK_BEFORE_LITERAL_NEWLINE = re.compile(
    r"\\n(?=\s*(?:Stack trace|#\d+ |thrown|PHP |\[|\d{4}[-/]\d\d[-/]\d\d))")


MAX_LOG_CHARS = 200_000  # longer logs: the first and last halves (where errors and causes are)
CLIPPED_MARK = "[... clipped ...]"


def clip_log(log: str, limit: int = MAX_LOG_CHARS) -> str:
    """The log cut to `limit` characters, keeping its beginning and its end."""
    if len(log) <= limit:
        return log
    half = limit // 2
    return f"{log[:half]}\n{CLIPPED_MARK}\n{log[-half:]}"


def prepare(log: str) -> str:
    """The log made regular for matching; line structure is kept."""
    text = log.replace("\r\n", "\n").replace("\r", "\n").translate(_QUOTES)
    text = _BREAK_BEFORE_LITERAL_NEWLINE.sub("\n", text)  # one-line logs with literal "\n"
    text = text.replace("\\/", "/")  # JSON-escaped slashes
    if re.search(r"<(?:b|br|p|div|span|font|table|td|tr|html|body|h\d)\b[^>]{0,500}>", text, re.I):
        text = re.sub(r"<br\s*/?>|</p>|</div>|</tr>|</h\d>", "\n", text, flags=re.I)
        text = re.sub(r"<[a-zA-Z/!][^>\n]{0,500}>", " ", text)
        text = html.unescape(text)
    text = text.replace("\\", "/")  # Windows paths (and namespaces; harmless for matching)
    text = text.replace("PHP message: ", "\nPHP message: ")  # nginx/FPM bundles
    return text


# The start of a new log entry; anything else continues the previous one (stack frames,
# wrapped lines, "thrown in", JSON context).
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

# The first severity word of an entry decides whether it is fatal. Prose that merely
# mentions "a fatal error" or "critical issues" is not a PHP fatal.
_SEVERITY = re.compile(
    r"(?P<fatal>fatal\s+error\s*:|fatal\s+error\s+(?=uncaught|call\s+to|allowed|maximum|cannot|"
    r"class|require|out\s+of)|PHP\s+Fatal\b|erreur\s+fatale\s*:|parse\s+error\s*:|\bParseError\b"
    r"|\buncaught\s+[\w/]{0,200}(?:error|exception)\b|\bE_(?:ERROR|PARSE|COMPILE_ERROR|CORE_ERROR|"
    r"USER_ERROR|RECOVERABLE_ERROR)\b|(?-i:\bCRITICAL\b)|\bcritical\s+-\s)"
    r"|(?P<minor>\bwarning\s*:|PHP\s+warning\b|\bnotice\s*:|PHP\s+notice\b|\bdeprecated\s*:"
    r"|PHP\s+deprecated\b|strict\s+standards\s*:|\bE_(?:WARNING|NOTICE|DEPRECATED|USER_WARNING|"
    r"USER_NOTICE|USER_DEPRECATED|STRICT)\b|WordPress\s+database\s+error)",
    re.IGNORECASE)
# nginx/Apache append the request to a PHP message; its URL is not where the error is.
_SERVER_SUFFIX = re.compile(r'(?:"?[ \t]?while (?:reading|sending)\b|,[ \t]?(?:client|referer|'
                            r'request|upstream|server|host):).*$', re.IGNORECASE | re.MULTILINE)


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
        message = before + ("\n" + thrown[-1] if thrown else "")
        return _SERVER_SUFFIX.sub("", message)

    @property
    def frames(self) -> list[str]:
        return re.findall(r"#\d+\s+(.*?)(?=\s#\d+\s|\n|$)", self.text)


def log_entries(log: str) -> list[LogEntry]:
    """The log split into entries (a head line plus its continuation lines)."""
    groups: list[list[str]] = []
    for line in prepare(log).split("\n"):
        if not line.strip():
            continue
        if not groups or _ENTRY_START.match(line):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [LogEntry("\n".join(lines), _is_fatal("\n".join(lines))) for lines in groups]


# Messages PHP only ever reports as fatal errors, quoted without their "Fatal error:" prefix
# in bug reports and some log viewers.
_FATAL_MESSAGE = re.compile(
    r"call\s+to\s+undefined\s+(?:function|method)\s|call\s+to\s+a\s+member\s+function\s+\S+\s+on\s+"
    r"(?:null|bool|false|string|array|int)|\bclass\s+[\"']?[\w/]+[\"']?\s+not\s+found\b"
    r"|cannot\s+redeclare\s|cannot\s+declare\s+class\s|failed\s+opening\s+required\s",
    re.IGNORECASE)


def _is_fatal(text: str) -> bool:
    match = _SEVERITY.search(text)
    if match:
        return bool(match.group("fatal"))
    return bool(_FATAL_MESSAGE.search(text))


def fatal_entries(log: str) -> list[LogEntry]:
    return [entry for entry in log_entries(log) if entry.fatal]


# Components a path can point into. Custom content folders (Bedrock's app/, content/, ...)
# are accepted when the segment is plugins/themes/mu-plugins and the path is not core's.
_COMPONENT = re.compile(
    r"(?<![\w.-])(?P<base>wp-content|[\w.-]+)/(?P<dir>plugins|themes|mu-plugins)/"
    r"(?P<rest>[^\s'\"():,;]+)"
    r"|(?:wp-content|app|content)/(?P<dropin>advanced-cache|object-cache|db|db-error|sunrise|maintenance|"
    r"php-error|fatal-error-handler|install|blog-deleted|blog-inactive|blog-suspended)\.php"
    r"|(?P<core>wp-(?:includes|admin)/|wp-(?:settings|load|blog-header|config|cron|login)\.php)",
    re.IGNORECASE)
_NOT_A_CONTENT_DIR = re.compile(r"wp-includes|wp-admin|vendor|node_modules|tinymce", re.I)
_KIND = {"plugins": "plugin", "themes": "theme", "mu-plugins": "mu-plugin"}


@dataclass(frozen=True)
class Culprit:
    slug: str | None  # None for core
    kind: str  # plugin | theme | mu-plugin | drop-in | core
    evidence: str  # the log line that named it


def components_in(text: str) -> list[Culprit]:
    """Every plugin/theme/mu-plugin/drop-in/core location named in the text, in order."""
    found = []
    for match in _COMPONENT.finditer(text):
        line = _line_around(text, match.start())
        if match.group("core"):
            found.append(Culprit(None, "core", line))
        elif match.group("dropin"):
            found.append(Culprit(match.group("dropin").lower() + ".php", "drop-in", line))
        else:
            prefix = text[max(0, match.start() - 200):match.start()].rsplit(" ", 1)[-1]
            if match.group("base").lower() != "wp-content" and _NOT_A_CONTENT_DIR.search(
                    prefix + match.group("base")):
                continue
            slug = _slug(match.group("rest"), match.group("dir").lower())
            if slug:
                found.append(Culprit(slug, _KIND[match.group("dir").lower()], line))
    return found


def _slug(rest: str, directory: str) -> str | None:
    first = rest.split("/", 1)[0]
    is_file = "/" not in rest
    if not first or set(first) <= {"."} or "*" in first:
        return None
    if is_file:
        first = re.sub(r"(\.php)(?::\d+|\(\d+\))?$", r"\1", first)
        if not first.lower().endswith(".php"):
            return None
        if directory == "themes":
            return None
        if directory == "plugins":  # single-file plugin: hello.php -> hello
            first = first[:-4]
    return first


def _line_around(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start:end if end != -1 else len(text)].strip()[:300]


# "in FILE on line N", "in FILE:N", "thrown in FILE", "of the file FILE", '"file": "FILE"'
_LOCATION = re.compile(
    r"""(?:\bin|\bfile["']?\s*:?)\s+["']?((?:[A-Za-z]:)?[^\s'"()]+?\.(?:php|inc))\b""",
    re.IGNORECASE)


def fatal_culprit(entry: LogEntry) -> Culprit | None:
    """Where a fatal entry points: its error location (the last "in FILE on line N" /
    "thrown in FILE" of the message), or, when that is core, the innermost plugin/theme
    stack frame (a plugin calling core badly)."""
    message = entry.message
    located = [c for path in _LOCATION.findall(message) for c in components_in(path)]
    named = located or components_in(message)
    location = named[-1] if named else None
    if location and location.kind != "core":
        return Culprit(location.slug, location.kind, entry.head[:300])
    for frame in entry.frames:
        for component in components_in(frame):
            if component.kind in ("plugin", "theme", "mu-plugin"):
                return Culprit(component.slug, component.kind, entry.head[:300])
    return location


def find_culprit(log: str) -> Culprit | None:
    """The first fatal/parse/uncaught entry's culprit that is not core (None if none)."""
    for entry in fatal_entries(log):
        culprit = fatal_culprit(entry)
        if culprit and culprit.kind != "core":
            return culprit
    return None


def extract_culprit(log: str) -> tuple[str | None, str | None]:
    """(slug, kind) of the plugin/theme/mu-plugin/drop-in a fatal error is in, else (None,
    None). kind is plugin, theme, mu-plugin or drop-in; warnings never name a culprit."""
    culprit = find_culprit(log)
    return (culprit.slug, culprit.kind) if culprit else (None, None)
