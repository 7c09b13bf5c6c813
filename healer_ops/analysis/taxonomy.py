"""The diagnosis taxonomy (package data) and the culprit of a fatal error.

- `load_taxonomy()`: the 17 diagnosis types with their signature regexes and remediation.
- `remediation_commands(type)`: the taxonomy's remediation lines that are real WP-CLI commands
  (the allow-list is built from these; `{slug}` is the culprit placeholder).
- `fatal_culprit(entry)` / `extract_culprit(log)`: the plugin, theme, mu-plugin or drop-in that
  a fatal/parse/uncaught error points at. Warnings and notices never blame anyone.

Reading a log (making it regular, splitting it into entries, telling fatal from minor) is
healer_ops.logtext's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.logtext import LogEntry, fatal_entries, line_at
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
# Culprits: where a fatal error points (the log's entries come from healer_ops.logtext)
# ---------------------------------------------------------------------------------------------

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
        line = line_at(text, match.start())
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


# "in FILE on line N", "in FILE:N", "thrown in FILE", "of the file FILE", '"file": "FILE"'
_LOCATION = re.compile(
    r"""(?:\bin|\bfile["']?\s*:?)\s+["']?((?:[A-Za-z]:)?[^\s'"()]+?\.(?:php|inc))\b""",
    re.IGNORECASE)


def fatal_culprit(entry: LogEntry) -> Culprit | None:
    """Where a fatal entry points: its error location (the last "in FILE on line N" /
    "thrown in FILE" of the message), or, when that is core or unknown, the innermost
    plugin/theme stack frame (a plugin calling core badly), else a core frame."""
    message = entry.message
    located = [c for path in _LOCATION.findall(message) for c in components_in(path)]
    named = located or components_in(message)
    location = named[-1] if named else None
    if location and location.kind != "core":
        return Culprit(location.slug, location.kind, entry.head[:300])
    framed = [component for frame in entry.frames for component in components_in(frame)]
    for component in framed:
        if component.kind in ("plugin", "theme", "mu-plugin"):
            return Culprit(component.slug, component.kind, entry.head[:300])
    if location is None and framed and framed[0].kind == "core":
        # no location (its "thrown in" line cut off with the trace): the innermost frame's
        return Culprit(None, "core", entry.head[:300])
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
