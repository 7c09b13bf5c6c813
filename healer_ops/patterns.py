"""Pattern learning: which learned fixes work, which may run without a human, and versions.

Stats (per pattern, current version only) come from ``healer_executions`` in SQL. Decisions
are made here, in Python, from those numbers:

* confidence is the Wilson score lower bound (95%) of the success rate, not the raw ratio:
  5 successes out of 5 give a raw 1.0 but a lower bound of 0.57, because five trials cannot
  tell a 95% fix from a 60% one. Phase 1 approved at raw > 0.9 with 5 successes, so a bad
  fix had an 8% chance to be approved after five lucky runs, and it never revoked anything.
* auto-approval needs strong evidence (lower bound, successes), no recent failure streak,
  and safe commands only: WP-CLI commands the project's allow-list admits for the pattern's
  diagnosis type and culprit (healer_ops.analysis.commands), nothing destructive (this
  module adds `plugin deactivate --all` and the like), never a blacklisted plugin (settings
  plus every site's own list), never a known-bad command. A taxonomy command marked
  "approve" may become auto-approved by evidence (the taxonomy: "auto if pattern learned").
* approval is revoked when recent evidence turns bad (trailing failures, a bad recent
  window, or the lower bound falling under a lower revoke threshold: hysteresis, so a
  pattern near the threshold does not flap).
* a pattern whose commands contain a known-bad command is fixed by a new version; the
  earlier version is kept in healing_pattern_versions with its stats, and the new version's
  stats start fresh (executions before ``version_started_at`` belong to earlier versions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# ------------------------------------------------------------------ error_pattern regexes

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


# ------------------------------------------------------------------------- command safety

# Commands known to do harm, each with the fix a new version of the pattern gets.
_KNOWN_BAD: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^(wp\s+config\s+set\s+(?:WP_MEMORY_LIMIT|WP_MAX_MEMORY_LIMIT)\s+)(['\"]?)"
                r"(\d+[KMG]?)\2(\s.*)?\s--raw\b(.*)$", re.IGNORECASE),
     r"\1\3\4\5",
     "--raw writes the memory limit unquoted (256M), itself a PHP parse error in "
     "wp-config.php; the quoted form is what WordPress reads"),
]

_DESTRUCTIVE_RULES = (
    (r"^wp\s+db\s+(?:reset|drop|clean|import|query)\b", "changes or drops database contents"),
    (r"^wp\s+site\s+(?:empty|delete)\b", "deletes site content"),
    (r"^wp\s+search-replace\b(?!.*--dry-run)", "rewrites the database without a dry run"),
    (r"^wp\s+(?:plugin|theme)\s+(?:delete|uninstall)\b", "deletes code"),
    (r"^wp\s+(?:post|user|comment|term|option|menu|widget)\s+delete\b", "deletes content"),
    (r"^wp\s+plugin\s+deactivate\b.*\s--all\b", "switches every plugin off"),
    (r"^wp\s+(?:eval|eval-file|shell)\b", "runs arbitrary PHP"),
    (r"^wp\s+config\s+set\s+DB_", "rewrites database credentials"),
)
_DESTRUCTIVE = [(re.compile(p, re.IGNORECASE), why) for p, why in _DESTRUCTIVE_RULES]
_SHELL_SYNTAX = re.compile(r"[;|&<>`]|\$\((?!wp core version\))")
_PLUGIN_TARGETS = re.compile(r"^wp\s+plugin\s+(?:activate|deactivate|update|install|toggle|"
                             r"delete|uninstall)\s+(?P<args>.+)$", re.IGNORECASE)


def known_fix(command: str) -> tuple[str, str] | None:
    """(fixed command, why) when `command` is a known-bad command with a known fix."""
    for pattern, replacement, why in _KNOWN_BAD:
        if pattern.match(command.strip()):
            fixed = re.sub(r"\s+", " ", pattern.sub(replacement, command.strip())).strip()
            return fixed, why
    return None


def command_problems(command: str, diagnosis_type: str, culprit: str | None,
                     blacklist: list[str] | tuple[str, ...]) -> list[str]:
    """Why `command` may not run unattended for a pattern of this type and culprit."""
    from fnmatch import fnmatch

    command = command.strip()
    if not re.match(r"^wp\s", command):
        return [f"not a WP-CLI command: {command!r}"]
    problems = []
    if _SHELL_SYNTAX.search(command):
        problems.append(f"shell syntax in {command!r}")
    fix = known_fix(command)
    if fix:
        problems.append(f"known-bad command {command!r}: {fix[1]}")
    problems += [f"destructive: {command!r} {why}" for pattern, why in _DESTRUCTIVE
                 if pattern.search(command)]
    target = _PLUGIN_TARGETS.match(command)
    if target:
        slugs = [a for a in target.group("args").split() if not a.startswith("-")]
        problems += [f"plugin {slug!r} is blacklisted" for slug in slugs
                     if any(fnmatch(slug.lower(), entry.lower()) for entry in blacklist)]
    if not problems:
        refusal = allow_list_refusal(command, diagnosis_type, culprit)
        if refusal:
            problems.append(f"not on the allow-list: {command!r} ({refusal})")
    return problems


# The taxonomy sends a syntax error, timeout or memory exhaustion inside a plugin or theme
# to that plugin's or theme's runbook, so a pattern with such a culprit may use it.
_CULPRIT_RUNBOOKS = {"SYNTAX_ERROR", "TIMEOUT", "MEMORY_EXHAUSTION"}


def allow_list_refusal(command: str, diagnosis_type: str, culprit: str | None) -> str | None:
    """None when the project's allow-list (healer_ops.analysis.commands) admits `command`
    for this diagnosis type and culprit; else its reason."""
    from healer_ops.analysis.commands import check_command

    verdict = check_command(command, diagnosis_type, culprit or None)
    if verdict.allowed is not None:
        return None
    if culprit and diagnosis_type in _CULPRIT_RUNBOOKS:
        for runbook in ("PLUGIN_CONFLICT", "THEME_CONFLICT"):
            if check_command(command, runbook, culprit).allowed is not None:
                return None
    return verdict.reason


# ---------------------------------------------------------------------------- decisions

APPROVER = "healer-ops"


@dataclass(frozen=True)
class Policy:
    min_lower_bound: float = 0.75
    revoke_lower_bound: float = 0.65
    min_successes: int = 10
    recent_uses: int = 10
    max_recent_failures: int = 2
    max_failure_streak: int = 1
    recent_days: int = 30
    blacklisted_plugins: tuple[str, ...] = ("woocommerce", "woocommerce-*")

    @classmethod
    def from_settings(cls) -> Policy:
        from healer_ops.settings import get_settings

        s = get_settings()
        return cls(s.pattern_min_lower_bound, s.pattern_revoke_lower_bound,
                   s.pattern_min_successes, s.pattern_recent_uses,
                   s.pattern_max_recent_failures, s.pattern_max_failure_streak,
                   s.pattern_recent_days, tuple(s.pattern_blacklisted_plugins))


def wilson_lower_bound(successes: int, trials: int, confidence: float = 0.95) -> float:
    """The lower end of the Wilson score interval of the success rate (0 without trials)."""
    if trials <= 0:
        return 0.0
    from scipy.stats import binomtest

    interval = binomtest(successes, trials).proportion_ci(confidence_level=confidence,
                                                          method="wilson")
    return float(interval.low)


@dataclass(frozen=True)
class Decision:
    auto_approved: bool
    approved_by: str | None
    approved_at: datetime | None
    approval_reason: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    decision_reason: str
    event: str  # approved | kept | revoked | held


def evidence_text(stats: dict, lower_bound: float) -> str:
    n = stats["successes"] + stats["failures"]
    raw = f"{stats['successes'] / n:.0%}" if n else "n/a"
    return (f"{stats['successes']}/{n} successes (raw {raw}), 95% Wilson lower bound "
            f"{lower_bound:.3f}; last {stats['last_uses']} uses: {stats['last_uses_failed']} "
            f"failed; failure streak {stats['failure_streak']}")


def decide(pattern: dict, stats: dict, policy: Policy, blacklist: list[str],
           as_of: datetime) -> Decision:
    """Approve, keep, revoke or hold one pattern. Same inputs and state, same decision."""
    lower = wilson_lower_bound(stats["successes"], stats["successes"] + stats["failures"])
    numbers = evidence_text(stats, lower)
    unsafe = safety_problems(pattern, blacklist)
    recent_bad = []
    if stats["failure_streak"] > policy.max_failure_streak:
        recent_bad.append(f"the last {stats['failure_streak']} uses failed")
    if stats["last_uses_failed"] > policy.max_recent_failures:
        recent_bad.append(f"{stats['last_uses_failed']} of the last {stats['last_uses']} uses "
                          "failed")
    thin = []
    if lower < policy.min_lower_bound:
        thin.append(f"lower bound {lower:.3f} < {policy.min_lower_bound}")
    if stats["successes"] < policy.min_successes:
        thin.append(f"{stats['successes']} successes < {policy.min_successes}")
    ours = pattern["approved_by"] == APPROVER
    keep = {k: pattern[k] for k in ("approved_by", "approved_at", "approval_reason",
                                    "revoked_at", "revoked_reason")}

    # decision_reason states the evaluation only (never the action taken), so that a re-run
    # on the same evidence, which finds the action already done, writes the same text
    def result(approved: bool, event: str, evaluation: str, **changes) -> Decision:
        return Decision(auto_approved=approved, decision_reason=f"{evaluation} | {numbers}",
                        event=event, **{**keep, **changes})

    def revoke_or_hold(evaluation: str, revoke_why: str | None = None) -> Decision:
        if not pattern["auto_approved"]:
            return result(False, "held", evaluation)
        why = f"{revoke_why or evaluation} | {numbers}"
        return result(False, "revoked", evaluation, revoked_at=as_of, revoked_reason=why)

    if unsafe:
        return revoke_or_hold("never auto-approved: " + "; ".join(unsafe))
    if recent_bad:
        return revoke_or_hold("recent evidence is bad: " + "; ".join(recent_bad))
    if pattern["auto_approved"] and ours and lower >= policy.revoke_lower_bound:
        evaluation = "strong evidence" if not thin else "kept within hysteresis: " + "; ".join(
            thin)
        return result(True, "kept", evaluation)
    if thin:
        evaluation = "too little evidence: " + "; ".join(thin)
        if ours:
            return revoke_or_hold(evaluation, f"lower bound {lower:.3f} fell under "
                                  f"{policy.revoke_lower_bound}")
        who = pattern["approved_by"] or "Phase 1"
        return revoke_or_hold(evaluation, f"approved by {who} on weaker evidence; {evaluation}")
    if pattern["auto_approved"] and ours:
        return result(True, "kept", "strong evidence")
    return result(True, "approved", "strong evidence", approved_by=APPROVER, approved_at=as_of,
                  approval_reason=f"auto-approved by {APPROVER}: {numbers}", revoked_at=None,
                  revoked_reason=None)


def safety_problems(pattern: dict, blacklist: list[str]) -> list[str]:
    """Why a pattern's commands may not run unattended, whatever its success rate."""
    from fnmatch import fnmatch

    commands = pattern["commands"] or []
    problems = [] if commands else ["no commands"]
    culprit = pattern.get("culprit") or ""
    for command in commands:
        problems += command_problems(command, pattern["diagnosis_type"], culprit, blacklist)
    if culprit and any(fnmatch(culprit.lower(), entry.lower()) for entry in blacklist):
        problems.append(f"culprit {culprit!r} is blacklisted")
    return list(dict.fromkeys(problems))


# ----------------------------------------------------------------------------- versions

@dataclass(frozen=True)
class VersionChange:
    pattern_id: str
    commands: list[str]
    error_pattern: str
    commands_changed: bool
    reason: str


def planned_change(pattern: dict, recent_logs: list[str]) -> VersionChange | None:
    """The next version of a pattern, when a command is known-bad or its regex is broken."""
    commands = list(pattern["commands"] or [])
    reasons = []
    fixed = []
    for command in commands:
        fix = known_fix(command)
        fixed.append(fix[0] if fix else command)
        if fix:
            reasons.append(f"{command!r} -> {fix[0]!r}: {fix[1]}")
    error_pattern = pattern["error_pattern"]
    if recent_logs and not _matches_any(error_pattern, recent_logs):
        relearned = error_pattern_from_log(recent_logs[0])
        hits = sum(matches(relearned, log) for log in recent_logs)
        if hits:
            reasons.append(f"error_pattern matched none of the {len(recent_logs)} latest logs it "
                           f"fixed (Phase 1 escaped it after inserting wildcards); re-learned, "
                           f"literals escaped first, matches {hits} of them")
            error_pattern = relearned
    if not reasons:
        return None
    return VersionChange(str(pattern["id"]), fixed, error_pattern, fixed != commands,
                         "; ".join(reasons))


def _matches_any(error_pattern: str, logs: list[str]) -> bool:
    try:
        compiled = re.compile(error_pattern)
    except re.error:
        return False
    return any(compiled.search(log) for log in logs)


def apply_version(conn, change: VersionChange, changed_at: datetime) -> int:
    """Keep the current version in healing_pattern_versions, then move to the next one."""
    from psycopg.types.json import Jsonb

    from healer_ops import db

    conn.execute(db.query("patterns_new_version"),
                 {"id": change.pattern_id, "reason": change.reason, "changed_at": changed_at})
    row = conn.execute(db.query("patterns_bump_version"), {
        "id": change.pattern_id, "commands": Jsonb(change.commands),
        "error_pattern": change.error_pattern, "commands_changed": change.commands_changed,
        "changed_at": changed_at, "reason": change.reason}).fetchone()
    return row[0]


def change_commands(conn, pattern_id: str, commands: list[str], reason: str,
                    changed_at: datetime) -> int:
    """Give a pattern new commands as a new version (its evidence starts over)."""
    current = conn.execute("SELECT error_pattern, commands FROM healing_patterns WHERE id = %s",
                           (pattern_id,)).fetchone()
    if current is None:
        raise KeyError(f"no healing pattern {pattern_id}")
    if list(current[1]) == list(commands):
        raise ValueError(f"pattern {pattern_id} already runs {commands}")
    return apply_version(conn, VersionChange(str(pattern_id), list(commands), current[0], True,
                                             reason), changed_at)


# ------------------------------------------------------------------------------ refresh

RECENT_LOGS = 5


def refresh_patterns(url: str, as_of: datetime, policy: Policy | None = None) -> dict:
    """Version known-bad patterns, refresh every pattern's stats from healer_executions up to
    `as_of`, approve/keep/revoke/hold; a summary with the ground-truth scores when present.

    Idempotent for the same `as_of`: evidence is read up to `as_of` and every timestamp the
    run writes is `as_of`.
    """
    from psycopg.rows import dict_row

    from healer_ops import db

    policy = policy or Policy.from_settings()
    with db.transaction(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('pattern_effectiveness'))")
        patterns = conn.cursor(row_factory=dict_row).execute(
            db.query("patterns_current")).fetchall()
        labels_before = {p["id"]: ground_truth(p) for p in patterns}
        recent_logs: dict = {}
        for pattern_id, log in conn.execute(db.query("patterns_recent_logs"),
                                            {"as_of": as_of, "limit": RECENT_LOGS}):
            recent_logs.setdefault(pattern_id, []).append(log)
        versioned = []
        for pattern in patterns:
            change = planned_change(pattern, recent_logs.get(pattern["id"], []))
            if change:
                apply_version(conn, change, as_of)
                versioned.append({"id": change.pattern_id, "reason": change.reason})
        if versioned:
            patterns = conn.cursor(row_factory=dict_row).execute(
                db.query("patterns_current")).fetchall()
        blacklist = sorted(set(policy.blacklisted_plugins) | {
            r[0] for r in conn.execute(db.query("patterns_blacklist"))})
        stats = _stats(conn, as_of, policy, all_versions=False)
        all_stats = _stats(conn, as_of, policy, all_versions=True)
        decisions = {}
        refreshed = 0
        for pattern in patterns:
            pattern_stats = stats[pattern["id"]]
            decision = decide(pattern, pattern_stats, policy, blacklist, as_of)
            decisions[pattern["id"]] = decision
            refreshed += conn.execute(db.query("patterns_update"),
                                      _update_params(pattern, pattern_stats, decision,
                                                     as_of)).rowcount
    summary = _summary(patterns, decisions, versioned, refreshed, as_of)
    if any(label is not None for label in labels_before.values()):
        # Phase 1's rule on the same evidence (all versions, labels as the data came)
        summary["phase1_rule_good_approved"] = sum(
            phase1_would_approve(all_stats[pid]) for pid, good in labels_before.items() if good)
        summary["phase1_rule_false_approvals"] = sum(
            phase1_would_approve(all_stats[pid]) for pid, good in labels_before.items()
            if good is False)
    return summary


def _stats(conn, as_of: datetime, policy: Policy, all_versions: bool) -> dict:
    from psycopg.rows import dict_row

    from healer_ops import db

    rows = conn.cursor(row_factory=dict_row).execute(db.query("patterns_stats"), {
        "as_of": as_of, "all_versions": all_versions,
        "recent_from": as_of - timedelta(days=policy.recent_days),
        "recent_uses": policy.recent_uses}).fetchall()
    return {row["id"]: row for row in rows}


def _update_params(pattern: dict, stats: dict, decision: Decision, as_of: datetime) -> dict:
    trials = stats["successes"] + stats["failures"]
    return {
        "id": pattern["id"], "as_of": as_of,
        "successes": stats["successes"], "failures": stats["failures"],
        "confidence": round(wilson_lower_bound(stats["successes"], trials), 6),
        "success_rate": round(stats["successes"] / trials, 6) if trials else None,
        "recent_successes": stats["recent_successes"],
        "recent_failures": stats["recent_failures"],
        "last_success_at": stats["last_success_at"], "last_failure_at": stats["last_failure_at"],
        "last_used_at": stats["last_used_at"],
        "auto_approved": decision.auto_approved, "approved_by": decision.approved_by,
        "approved_at": decision.approved_at, "approval_reason": decision.approval_reason,
        "revoked_at": decision.revoked_at, "revoked_reason": decision.revoked_reason,
        "decision_reason": decision.decision_reason,
    }


def phase1_would_approve(stats: dict) -> bool:
    """Phase 1's rule: raw success ratio above 0.9 with at least 5 successes."""
    trials = stats["successes"] + stats["failures"]
    return bool(trials) and stats["successes"] >= 5 and stats["successes"] / trials > 0.9


def ground_truth(pattern: dict) -> bool | None:
    """Whether a pattern's current commands are a good fix, when the data says (demo fleet:
    details.ground_truth labels the commands it was made with, and their known fix)."""
    truth = (pattern.get("details") or {}).get("ground_truth") or {}
    commands = list(pattern["commands"] or [])
    if "good" in truth and truth.get("commands", commands) == commands:
        return bool(truth["good"])
    fixed = truth.get("after_fix") or {}
    if fixed.get("commands") == commands:
        return bool(fixed.get("good"))
    return None


def _summary(patterns, decisions, versioned, refreshed, as_of) -> dict:
    events = [d.event for d in decisions.values()]
    summary = {
        "as_of": as_of.isoformat(), "patterns": len(patterns), "refreshed": refreshed,
        "auto_approved": sum(d.auto_approved for d in decisions.values()),
        "approved": events.count("approved"), "kept": events.count("kept"),
        "revoked": events.count("revoked"), "held": events.count("held"),
        "versioned": len(versioned),
    }
    truth = {p["id"]: ground_truth(p) for p in patterns}
    good = [pid for pid, label in truth.items() if label is True]
    bad = [pid for pid, label in truth.items() if label is False]
    if good or bad:
        approved_good = sum(decisions[pid].auto_approved for pid in good)
        summary.update({
            "good_patterns": len(good), "good_approved": approved_good,
            "good_approval_rate": round(approved_good / len(good), 3) if good else None,
            "bad_patterns": len(bad),
            "false_approvals": sum(decisions[pid].auto_approved for pid in bad),
        })
    return summary
