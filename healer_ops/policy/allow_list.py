"""The allow-list of WP-CLI commands an analysis may recommend, whatever the analyzer says.

What is allowed (decided here, documented in the README):

- For a diagnosis type: the `wp ...` commands of that type's safe remediation in the taxonomy
  (`taxonomy.remediation_commands`), with `{slug}` filled in with the analysis' culprit
  only. A taxonomy line that needs a human value (`<ts>`, `example.com`) or a shell
  (`$(...)`, pipes, redirections) is not runnable as is and is not on the list.
- For every type: a fixed set of read-only commands (listing plugins/themes, verifying
  checksums, checking the database, reading non-secret config and options, cron status).
- Execution-context flags are accepted and dropped before matching (`--path=`, `--url=`,
  `--skip-plugins`, `--skip-themes`, `--quiet`, `--no-color`); the executor adds its own.
- Never: shell metacharacters (`; | & $ \\` > <` newlines, backslashes), anything that is not
  `wp`, `wp eval`/`eval-file`/`shell`, `wp db query|drop|reset|import|export|clean|cli`,
  destructive or identity-changing commands (`plugin delete`, `user ...`, `search-replace`,
  `config set DB_*`, ...), and global flags that run code or switch target (`--exec`,
  `--require`, `--ssh`, `--http`, `--user`).

A command is *auto-eligible* when the taxonomy marks it "auto" for the type, or it is
read-only. `Recommendation.auto` is True only for an allowed, auto-eligible command of an
analysis whose confidence is above 0.8 that does not act on a blacklisted plugin or theme
(`woocommerce`, `woocommerce-*` by default; shell-style patterns).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

from healer_ops.analysis.model import DIAGNOSIS_TYPES, Analysis, Recommendation, RejectedCommand

AUTO_CONFIDENCE = 0.8
DEFAULT_BLACKLISTED_PLUGINS = ("woocommerce", "woocommerce-*")

READ_ONLY_COMMANDS = (
    "wp plugin list",
    "wp plugin list --status=active --field=name",
    "wp plugin list --status=must-use",
    "wp plugin list --status=dropin",
    "wp plugin list --update=available",
    "wp plugin get {slug} --field=version",
    "wp plugin status",
    "wp plugin verify-checksums --all",
    "wp plugin verify-checksums {slug}",
    "wp theme list",
    "wp theme list --status=active --field=name",
    "wp theme list --field=name",
    "wp theme get {slug} --field=version",
    "wp core version",
    "wp core is-installed",
    "wp core verify-checksums",
    "wp db check",
    "wp cache type",
    "wp cron test",
    "wp cron event list",
    "wp cron event list --fields=hook,next_run_relative,recurrence",
    "wp maintenance-mode status",
    "wp option get home",
    "wp option get siteurl",
    "wp option get template",
    "wp option get stylesheet",
    "wp config get WP_MEMORY_LIMIT",
    "wp config get WP_MAX_MEMORY_LIMIT",
    "wp config get WP_DEBUG",
    "wp config get DB_NAME",
    "wp config get DB_HOST",
    "wp config get DB_USER",
)
_READ_ONLY_VERBS = {"list", "get", "status", "check", "verify-checksums", "type", "test",
                    "version", "is-installed"}

_METACHARACTERS = (";", "|", "&", "`", "$", ">", "<", "\n", "\r", "\\", "*", "?", "~", "!",
                   "{", "}", "(", ")")
_CONTEXT_FLAGS = re.compile(r"^--(?:path|url)=\S+$|^--(?:skip-plugins|skip-themes|quiet|no-color)$")
_DANGEROUS_GLOBAL_FLAGS = re.compile(r"^--(?:exec|require|ssh|http|user|context|prompt)(?:=|$)")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$", re.I)

# (words after `wp`, why it is never allowed)
_FORBIDDEN = [
    (("eval",), "runs arbitrary PHP"),
    (("eval-file",), "runs an arbitrary PHP file"),
    (("shell",), "opens an interactive PHP shell"),
    (("db", "query"), "runs arbitrary SQL"),
    (("db", "cli"), "opens a SQL shell"),
    (("db", "drop"), "destroys the database"),
    (("db", "reset"), "empties the database"),
    (("db", "clean"), "drops the WordPress tables"),
    (("db", "import"), "overwrites the database"),
    (("db", "export"), "writes a full database dump to disk"),
    (("db", "create"), "creates databases"),
    (("package",), "installs arbitrary WP-CLI packages"),
    (("server",), "starts a web server"),
    (("user",), "changes user accounts or credentials"),
    (("super-admin",), "changes administrator rights"),
    (("search-replace",), "rewrites database content"),
    (("plugin", "delete"), "deletes plugin files"),
    (("plugin", "uninstall"), "deletes plugin files and data"),
    (("theme", "delete"), "deletes theme files"),
    (("site", "delete"), "deletes a site"),
    (("site", "empty"), "deletes site content"),
    (("post", "delete"), "deletes content"),
    (("config", "set", "DB_"), "rewrites database credentials"),
    (("config", "get", "DB_PASSWORD"), "reveals the database password"),
    (("config", "shuffle-salts"), "logs every user out"),
    (("option", "update"), "changes site options (needs a human value)"),
    (("option", "delete"), "deletes site options"),
    (("core", "download"), "replaces WordPress core (needs an approved version)"),
]


@dataclass(frozen=True)
class AllowedCommand:
    template: str  # canonical text, may contain {slug}
    auto_eligible: bool
    purpose: str = ""

    def fill(self, slug: str | None) -> str:
        return self.template.replace("{slug}", slug or "")

    @property
    def acts_on_slug(self) -> bool:
        return "{slug}" in self.template


@dataclass(frozen=True)
class Verdict:
    allowed: AllowedCommand | None
    command: str  # canonical command when allowed, else the proposal as given
    reason: str = ""


@lru_cache(maxsize=1)
def allow_list() -> dict[str, tuple[AllowedCommand, ...]]:
    """Per diagnosis type: its remediation commands plus the read-only commands."""
    from healer_ops.analysis.taxonomy import all_remediation_commands

    read_only = tuple(AllowedCommand(c, True, "read-only") for c in READ_ONLY_COMMANDS)
    table: dict[str, tuple[AllowedCommand, ...]] = {}
    for diagnosis_type, commands in all_remediation_commands().items():
        own = []
        for command in commands:
            if _unsafe_reason(command.template.replace("{slug}", "slug")):
                continue  # e.g. `--version=$(wp core version)` needs a shell
            auto = command.approval == "auto" or (command.approval is None
                                                  and _is_read_only(command.template))
            own.append(AllowedCommand(_canonical_text(command.template), auto, command.purpose))
        known = {c.template for c in own}
        table[diagnosis_type] = tuple(own) + tuple(c for c in read_only
                                                   if c.template not in known)
    for diagnosis_type in DIAGNOSIS_TYPES:
        table.setdefault(diagnosis_type, read_only)
    return table


def check_command(command: str, diagnosis_type: str, culprit: str | None) -> Verdict:
    """Whether a proposed command is on the allow-list for this type and culprit, and why not."""
    reason = _unsafe_reason(command)
    if reason:
        return Verdict(None, command, reason)
    tokens = _context_free(shlex.split(command))
    proposal_key = _key(tokens)
    slug_mismatch = None
    for allowed in allow_list().get(diagnosis_type, ()):
        template_tokens = allowed.template.split()
        if not allowed.acts_on_slug:
            if _key(template_tokens) == proposal_key:
                return Verdict(allowed, allowed.template)
            continue
        slug = _slug_in(template_tokens, tokens)
        if slug is None:
            continue
        if culprit and slug.lower() == culprit.lower() and _SLUG.match(culprit):
            return Verdict(allowed, allowed.fill(culprit))
        slug_mismatch = (f"acts on {slug!r}, which is not the culprit of this analysis"
                         + (f" ({culprit!r})" if culprit else " (it names none)"))
    return Verdict(None, command, slug_mismatch or f"not on the allow-list for {diagnosis_type}")


def enforce(analysis: Analysis, blacklisted_plugins=DEFAULT_BLACKLISTED_PLUGINS,
            blacklisted_themes=()) -> Analysis:
    """The analysis with only allowed recommendations (auto decided here) and every other
    proposal in rejected_commands with its reason. Idempotent: safe on cached analyses."""
    recommendations: list[Recommendation] = []
    rejected = list(analysis.rejected_commands)
    seen: set[str] = set()
    for proposal in analysis.recommendations:
        verdict = check_command(proposal.command, analysis.diagnosis_type, analysis.culprit)
        if verdict.allowed is None:
            if not any(r.command == proposal.command for r in rejected):
                rejected.append(RejectedCommand(command=proposal.command, reason=verdict.reason))
            continue
        if verdict.command in seen:
            continue
        seen.add(verdict.command)
        auto = (verdict.allowed.auto_eligible and analysis.confidence > AUTO_CONFIDENCE
                and not _blacklisted(verdict.allowed, analysis, blacklisted_plugins,
                                     blacklisted_themes))
        recommendations.append(Recommendation(command=verdict.command,
                                              purpose=proposal.purpose or verdict.allowed.purpose,
                                              auto=auto))
    return analysis.model_copy(update={"recommendations": recommendations,
                                       "rejected_commands": rejected})


def default_recommendations(diagnosis_type: str, culprit: str | None) -> list[Recommendation]:
    """The taxonomy's own commands for a type (those that can be filled), as proposals."""
    from healer_ops.analysis.taxonomy import remediation_commands

    proposals = []
    for command in remediation_commands(diagnosis_type):
        if command.needs_slug and not culprit:
            continue
        proposals.append(Recommendation(command=command.fill(culprit), purpose=command.purpose))
    return proposals


def _blacklisted(allowed: AllowedCommand, analysis: Analysis, plugins, themes) -> bool:
    if not allowed.acts_on_slug or not analysis.culprit:
        return False
    patterns = themes if analysis.culprit_kind == "theme" or " theme " in allowed.template \
        else plugins
    return any(fnmatch.fnmatch(analysis.culprit.lower(), p.lower()) for p in patterns or ())


def _unsafe_reason(command: str) -> str | None:
    text = (command or "").strip()
    if not text:
        return "empty command"
    words = text.split()
    if words[0] != "wp":
        return "not a WP-CLI command (must start with `wp`)"
    forbidden = _forbidden_reason([w for w in _context_free(words)[1:] if not w.startswith("-")])
    if forbidden:
        return forbidden
    for char in _METACHARACTERS:
        if char in text:
            return f"contains the shell metacharacter {char!r}"
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        return f"cannot be parsed as one command ({exc})"
    for token in tokens[1:]:
        if _DANGEROUS_GLOBAL_FLAGS.match(token):
            return f"uses the global flag {token.split('=', 1)[0]} (runs code or switches target)"
    return _forbidden_reason([t for t in _context_free(tokens)[1:] if not t.startswith("-")])


def _forbidden_reason(words: list[str]) -> str | None:
    for prefix, why in _FORBIDDEN:
        if len(words) >= len(prefix) and all(
                w.lower().startswith(p.lower()) if p.endswith("_") else w.lower() == p.lower()
                for w, p in zip(words, prefix, strict=False)):
            return f"`wp {' '.join(words[:len(prefix)])}` is never allowed: {why}"
    return None


def _context_free(tokens: list[str]) -> list[str]:
    return [t for t in tokens if not _CONTEXT_FLAGS.match(t)]


def _canonical_text(template: str) -> str:
    return " ".join(template.split())


def _key(tokens: list[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """Positional words in order, flags as a set (flag order does not matter)."""
    tokens = _context_free(tokens)
    return (tuple(t for t in tokens if not t.startswith("-")),
            frozenset(t for t in tokens if t.startswith("-")))


def _slug_in(template_tokens: list[str], tokens: list[str]) -> str | None:
    """The slug a proposal puts where the template says {slug}, if it otherwise matches."""
    template_words, template_flags = _key(template_tokens)
    words, flags = _key(tokens)
    if len(words) != len(template_words) or flags != template_flags:
        return None
    slug = None
    for expected, given in zip(template_words, words, strict=True):
        if "{slug}" in expected:
            prefix, suffix = expected.split("{slug}", 1)
            if not (given.startswith(prefix) and given.endswith(suffix)):
                return None
            slug = given[len(prefix):len(given) - len(suffix) if suffix else None]
        elif expected != given:
            return None
    return slug if slug and _SLUG.match(slug) else None


def _is_read_only(template: str) -> bool:
    words = [t for t in template.split()[1:] if not t.startswith("-")]
    return any(w in _READ_ONLY_VERBS for w in words[1:3]) and "set" not in words


def is_read_only(command: str) -> bool:
    """Whether a `wp` command only reads (list, get, status, check, ...): a diagnostic step,
    never a fix on its own."""
    return _is_read_only(" ".join(_context_free(command.split())))
