"""Healer's history for the demo fleet: executions around incidents, background failures,
and healing patterns with months of use.

The pattern catalogue mixes what a real fleet accumulates: fixes that work and were used a
lot, fixes that work but are new, fixes that mostly fail, fixes that work but must never run
unattended (blacklisted plugin, destructive or non-WP-CLI command, the Phase 1 ``--raw``
memory fix), one fix that lucked into five straight successes, and one whose recent uses
started failing. The ground truth stays in the devkit's own tables: whether each pattern is
good (effective and safe to auto-run) in ``devkit.demo_pattern_truth``, so approval can be
scored, and each execution's true diagnosis in ``devkit.demo_execution_truth``, while
``healer_executions.diagnosis_type`` holds what Phase 1 said.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from healer_ops.devkit.fleet import logs
from healer_ops.devkit.fleet.generator import Incident, Site, stable_uuid, stream
from healer_ops.patterns.error_pattern import error_pattern_from_log

HISTORY_DAYS = 120  # pattern use histories reach this far back


@dataclass(frozen=True)
class PatternSpec:
    diagnosis_type: str
    error_type: str
    culprit: str
    commands: tuple[str, ...]
    recipe: str
    fault: dict
    good: bool
    why: str
    success_rate: float
    uses: tuple[int, int]
    story: str = "established"  # established | new | degrading | lucky
    requires_backup: bool = False
    phase1_regex_defect: bool = False  # stored as Phase 1 learned it: escaped after wildcards
    fixed_commands: tuple[str, ...] = ()  # a known fix of bad commands, itself good


def _deactivate(slug: str) -> tuple[str, ...]:
    return (f"wp plugin deactivate {slug} --skip-plugins --skip-themes",)


PATTERN_CATALOGUE: tuple[PatternSpec, ...] = (
    # good: effective, safe, used a lot
    PatternSpec("MAINTENANCE", "STUCK_MAINTENANCE", "", ("wp maintenance-mode deactivate",),
                "maintenance", {}, True, "clears a stuck .maintenance after an interrupted update",
                0.98, (25, 50)),
    PatternSpec("CACHE", "ADVANCED_CACHE_DROPIN", "", ("wp config set WP_CACHE false --raw",),
                "cache", {"error_type": "ADVANCED_CACHE_DROPIN"}, True,
                "turns off a page-cache drop-in whose plugin is gone (false is a PHP literal, "
                "--raw is right here)", 0.96, (20, 35)),
    PatternSpec("PLUGIN_CONFLICT", "UNDEFINED_FUNCTION", "revslider", _deactivate("revslider"),
                "plugin_fatal", {"slug": "revslider", "error_type": "UNDEFINED_FUNCTION"}, True,
                "deactivating the fatal plugin brings the site back", 0.97, (20, 40)),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "js_composer", _deactivate("js_composer"),
                "plugin_fatal", {"slug": "js_composer", "error_type": "PHP8_TYPE_ERROR"}, True,
                "PHP 8 incompatibility; deactivation restores the site", 0.96, (25, 45)),
    PatternSpec("PLUGIN_CONFLICT", "CLASS_NOT_FOUND", "wpforms-lite", _deactivate("wpforms-lite"),
                "plugin_fatal", {"slug": "wpforms-lite", "error_type": "CLASS_NOT_FOUND"}, True,
                "half-finished plugin update; deactivation restores the site", 0.95, (20, 35)),
    PatternSpec("THEME_CONFLICT", "UNDEFINED_FUNCTION", "astra-child",
                ("wp theme activate twentytwentyfive --skip-plugins --skip-themes",),
                "theme_fatal", {"theme": "astra-child", "error_type": "UNDEFINED_FUNCTION"}, True,
                "falls back to an installed default theme", 0.95, (20, 35)),
    PatternSpec("CRON", "RESCHEDULE_ERROR", "", ("wp cron event run --due-now",), "cron",
                {"error_type": "RESCHEDULE_ERROR"}, True, "runs the piled-up events", 0.97,
                (20, 40), phase1_regex_defect=True),
    PatternSpec("DISK_FULL", "NO_SPACE", "", ("wp transient delete --expired", "wp cache flush"),
                "disk_full", {"kind": "php_write"}, True,
                "expired transients are what filled the disk on these hosts", 0.95, (25, 45)),
    PatternSpec("HTACCESS_REDIRECT", "REDIRECT_LOOP", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "REDIRECT_LOOP"}, True,
                "rewrites a clean WordPress block into .htaccess", 0.95, (20, 35)),
    PatternSpec("DB_ERROR", "DB_CORRUPTION", "", ("wp db repair",), "db",
                {"kind": "DB_CORRUPTION", "error_type": "DB_CORRUPTION"}, True,
                "REPAIR TABLE on a crashed MyISAM table (Healer backs up first)", 0.96, (20, 35),
                requires_backup=True),
    PatternSpec("TIMEOUT", "MAX_EXECUTION_TIME", "broken-link-checker",
                _deactivate("broken-link-checker"), "timeout",
                {"slug": "broken-link-checker", "error_type": "MAX_EXECUTION_TIME"}, True,
                "the link checker's scan is what times out", 0.96, (20, 40)),
    PatternSpec("SYNTAX_ERROR", "PARSE_ERROR", "wp-file-manager", _deactivate("wp-file-manager"),
                "syntax", {"where": "plugin", "slug": "wp-file-manager", "theme": "",
                           "token": "}"}, True,
                "a broken release of the plugin; deactivation restores the site", 0.97, (20, 35)),
    # good but new: too little evidence yet
    PatternSpec("PLUGIN_CONFLICT", "UNDEFINED_METHOD", "wp-mail-smtp", _deactivate("wp-mail-smtp"),
                "plugin_fatal", {"slug": "wp-mail-smtp", "error_type": "UNDEFINED_METHOD"}, True,
                "works, but seen only a few times", 0.95, (2, 4), story="new"),
    PatternSpec("THEME_CONFLICT", "TYPE_ERROR", "flatsome",
                ("wp theme activate twentytwentyfive --skip-plugins --skip-themes",),
                "theme_fatal", {"theme": "flatsome", "error_type": "TYPE_ERROR"}, True,
                "works, but seen only a few times", 0.95, (3, 4), story="new"),
    PatternSpec("HTACCESS_REDIRECT", "TOO_MANY_REDIRECTS", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "TOO_MANY_REDIRECTS"}, True,
                "rewrites the redirect rules; five successes so far", 0.95, (5, 5), story="new"),
    # bad: must never be auto-approved
    PatternSpec("MEMORY_EXHAUSTION", "ALLOWED_MEMORY", "",
                ("wp config set WP_MEMORY_LIMIT 256M --raw",), "memory",
                {"slug": "", "oom": False, "file": "wp-includes/functions.php"},
                False, "Phase 1 defect: --raw writes an unquoted 256M, a PHP parse error on the "
                "next uncached request; Phase 1 verified against a cached page and counted "
                "successes", 0.93, (12, 16),
                fixed_commands=("wp config set WP_MEMORY_LIMIT 256M",)),
    PatternSpec("PLUGIN_CONFLICT", "PLUGIN_FATAL", "woocommerce-subscriptions",
                _deactivate("woocommerce-subscriptions"), "plugin_fatal",
                {"slug": "woocommerce-subscriptions", "error_type": "MEMBER_ON_NULL"}, False,
                "works, but woocommerce-* is blacklisted: deactivating it stops renewals",
                0.95, (20, 30)),
    PatternSpec("WSOD", "", "", ("wp plugin deactivate --all --skip-plugins --skip-themes",),
                "wsod", {"error_type": "CRITICAL_ERROR"}, False,
                "brings the page back by switching every plugin off (shop, forms, SEO gone)",
                0.9, (25, 35)),
    PatternSpec("DB_ERROR", "DB_CONNECTION", "", ("wp db repair",), "db",
                {"kind": "DB_CONNECTION", "error_type": "DB_CONNECTION"}, False,
                "repairing tables does not fix a refused connection", 0.35, (15, 25)),
    PatternSpec("TIMEOUT", "UPSTREAM_TIMEOUT", "", ("wp cache flush",), "timeout",
                {"error_type": "UPSTREAM_TIMEOUT", "slug": "", "uri": "/"}, False,
                "flushing the cache rarely helps a slow upstream", 0.55, (20, 30)),
    PatternSpec("SSL_TLS", "MIXED_CONTENT", "",
                ("wp search-replace 'http://' 'https://' --skip-columns=guid",), "ssl",
                {"error_type": "MIXED_CONTENT"}, False,
                "rewrites every URL in the database, external links included, without a dry run",
                0.92, (15, 20), requires_backup=True),
    PatternSpec("PERMISSION", "UPLOADS_NOT_WRITABLE", "", ("chmod -R 777 wp-content/uploads",),
                "permission", {"error_type": "UPLOADS_NOT_WRITABLE"}, False,
                "not WP-CLI, and 777 makes uploads world-writable", 0.97, (15, 25)),
    PatternSpec("HTACCESS_REDIRECT", "INVALID_COMMAND", "", ("wp rewrite flush --hard",),
                "htaccess", {"error_type": "INVALID_COMMAND", "directive": "php_value"}, False,
                "php_value on PHP-FPM needs the line removed; a flush helps only by chance",
                0.6, (6, 6), story="lucky"),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "the-events-calendar",
                ("wp plugin update the-events-calendar",), "plugin_fatal",
                {"slug": "the-events-calendar", "error_type": "PHP8_TYPE_ERROR"}, False,
                "updating used to fix it; since the vendor's latest release the update itself "
                "fatals", 0.97, (30, 40), story="degrading"),
    PatternSpec("PLUGIN_CONFLICT", "PHP8_TYPE_ERROR", "wp-optimize",
                ("wp plugin update wp-optimize",), "plugin_fatal",
                {"slug": "wp-optimize", "error_type": "PHP8_TYPE_ERROR"}, False,
                "works four times in five: not good enough to run unattended", 0.8, (25, 35)),
)

# The fault pool of background failures: recipe -> how many distinct faults.
_POOL_SIZES = {"plugin_fatal": 8, "plugin_redeclare": 2, "theme_fatal": 4, "syntax": 4,
               "wpconfig_raw": 1, "memory": 3, "db": 5, "maintenance": 1, "integrity": 2,
               "permission": 2, "cache": 3, "disk_full": 2, "htaccess": 2, "ssl": 2, "cron": 2,
               "timeout": 3, "wsod": 3, "unknown": 1}
_INCIDENT_RECIPES = {
    "slow_degradation": ("db", "memory", "timeout", "disk_full"),
    "error_spike": ("db", "cache", "timeout"),
    "white_screen": ("plugin_fatal", "theme_fatal", "syntax", "wsod", "memory"),
}
_PHASE1_SUGGESTIONS = {
    "WSOD": ["wp plugin deactivate --all --skip-plugins --skip-themes"],
    "DB_ERROR": ["wp db check"],
    "MEMORY_EXHAUSTION": ["wp config set WP_MEMORY_LIMIT 256M --raw"],
    "MAINTENANCE": ["wp maintenance-mode deactivate"],
    "CACHE": ["wp cache flush"],
    "INTEGRITY": ["wp core verify-checksums"],
    "PERMISSION": ["wp media regenerate --only-missing"],
    "SYNTAX_ERROR": ["wp plugin deactivate --all --skip-plugins --skip-themes"],
}
_MEMORY_LIMITS = (41943040, 67108864, 134217728, 268435456)
_DB_HOSTS = ("localhost", "localhost", "127.0.0.1", "mysql", "db-3.internal:3306")
_FIRST = ("maria", "john", "li", "fatima", "sven", "aiko", "paul", "nina", "omar", "julia")
_LAST = ("lopez", "smith", "wang", "khan", "berg", "sato", "meyer", "rossi", "haddad", "novak")
_MAIL = ("gmail.com", "outlook.com", "yahoo.co.uk", "gmx.de", "proton.me")


@dataclass
class PatternRow:
    id: str
    spec: PatternSpec
    fault: logs.Fault
    error_pattern: str
    success_count: int = 0
    failure_count: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_used_at: datetime | None = None
    phase1_approved_at: datetime | None = None


@dataclass
class ExecutionRow:
    id: str
    site_id: str
    trigger: str
    diagnosis_type: str
    diagnosis_details: dict
    truth: dict
    confidence: float
    logs_analyzed: str
    suggested_action: str
    suggested_commands: list[str]
    action_taken: str | None
    status: str
    error_message: str | None
    execution_logs: str
    started_at: datetime
    finished_at: datetime | None
    was_successful: bool | None
    attempt_number: int = 1
    previous_attempt_id: str | None = None
    pattern_key: tuple[str, str, str] | None = None
    planted_secrets: list[tuple[str, str]] = field(default_factory=list, repr=False)


@dataclass
class History:
    patterns: list[PatternRow]
    executions: list[ExecutionRow]


# ----------------------------------------------------------------------------- build

class _Builder:
    def __init__(self, sites: list[Site], seed: int, end: datetime):
        self.sites, self.seed, self.end = sites, seed, end
        self.rng = stream(seed, "history")
        self.site_secrets = {s.id: self._site_secrets(s) for s in sites}
        self.counter = 0

    def _site_secrets(self, site: Site) -> dict:
        rng = stream(self.seed, "history", site.index)
        user = site.db_user
        first, last = logs.pick(rng, _FIRST), logs.pick(rng, _LAST)
        email = (f"{first}.{last}@{logs.pick(rng, _MAIL)}" if rng.random() < 0.6
                 else f"admin@{site.domain}")
        return {"db_name": f"{user.split('_')[0]}_wp{rng.integers(1, 9)}", "db_user": user,
                "db_password": logs.password(rng), "db_host": logs.pick(rng, _DB_HOSTS),
                "admin_email": email, "memory_limit": int(logs.pick(rng, _MEMORY_LIMITS)),
                "style": logs.pick(rng, logs.STYLES)}

    def context(self, site: Site, when: datetime) -> logs.LogContext:
        secrets = self.site_secrets[site.id]
        style = secrets["style"] if self.rng.random() < 0.75 else logs.pick(self.rng,
                                                                           logs.STYLES)
        return logs.LogContext(
            root=site.path, domain=site.domain, php_version=site.php_version,
            wp_version=site.wp_version, when=when, style=style, db_name=secrets["db_name"],
            db_user=secrets["db_user"], db_password=secrets["db_password"],
            db_host=secrets["db_host"], admin_email=secrets["admin_email"],
            memory_limit=secrets["memory_limit"],
            rng=np.random.default_rng(self.rng.integers(1 << 62)))

    def execution(self, site: Site, fault: logs.Fault, started: datetime, success: bool | None,
                  *, pattern: PatternRow | None = None, incident: Incident | None = None,
                  attempt: int = 1, previous: str | None = None) -> ExecutionRow:
        self.counter += 1
        rng = self.rng
        ctx = self.context(site, started - timedelta(seconds=float(rng.uniform(20, 600))))
        log = fault.render(ctx)
        phase1_type = pattern.spec.diagnosis_type if pattern else logs.phase1_diagnosis(fault,
                                                                                         log)
        commands = (list(pattern.spec.commands) if pattern
                    else list(_PHASE1_SUGGESTIONS.get(phase1_type, [])))
        status = {True: "SUCCESS", False: "FAILED", None: "SKIPPED"}[success]
        duration = float(rng.uniform(25, 240))
        finished = started + timedelta(seconds=duration) if success is not None else None
        truth = {"true_type": fault.true_type, "true_error_type": fault.error_type,
                 "true_culprit": fault.culprit, "fault_id": fault.id,
                 "incident_id": incident.id if incident else None,
                 "planted_secrets": sorted({kind for kind, _ in ctx.planted})}
        details = {"source": "phase1", "log_style": ctx.style}
        return ExecutionRow(
            id=str(stable_uuid("execution", self.seed, self.counter)), site_id=site.id,
            trigger=site.healing_mode, diagnosis_type=phase1_type, diagnosis_details=details,
            truth=truth,
            confidence=round(float(rng.uniform(0.45, 0.95)), 2), logs_analyzed=log,
            suggested_action=_suggested_action(phase1_type, pattern),
            suggested_commands=commands,
            action_taken="; ".join(commands) if success is not None and commands else None,
            status=status, error_message=_error_message(rng, success, pattern, site),
            execution_logs=_execution_logs(rng, site, commands, success, pattern, ctx),
            started_at=started, finished_at=finished, was_successful=success,
            attempt_number=attempt, previous_attempt_id=previous,
            pattern_key=_key(pattern.spec) if pattern else None,
            planted_secrets=list(ctx.planted))


def _key(spec: PatternSpec) -> tuple[str, str, str]:
    return (spec.diagnosis_type, spec.error_type, spec.culprit)


def _suggested_action(diagnosis: str, pattern: PatternRow | None) -> str:
    if pattern:
        return f"Apply learned pattern {pattern.spec.diagnosis_type}/{pattern.spec.error_type}"
    return {"UNKNOWN": "Escalate: no classifiable evidence",
            "WSOD": "Safe mode: deactivate all plugins"}.get(diagnosis, f"Run the {diagnosis} "
                                                                       "runbook")


def _error_message(rng, success, pattern, site) -> str | None:
    if success is not False:
        return None
    if pattern and "--raw" in " ".join(pattern.spec.commands) and "MEMORY" in \
            pattern.spec.commands[0]:
        return "Verification failed: HTTP 500 (PHP Parse error in wp-config.php)"
    return logs.pick(rng, (f"Verification failed: https://{site.domain}/ still returns HTTP 500",
                            "Verification failed: page body below 500 bytes",
                            "Command exited with status 1",
                            "Verification timed out after 60 s",
                            "Site still unhealthy after healing (health score 12)"))


def _execution_logs(rng, site, commands, success, pattern, ctx) -> str:
    if success is None:
        return f"MANUAL mode: diagnosis only, no commands run on {site.domain}"
    lines = []
    for command in commands:
        lines.append(f"$ {command} --path={site.path}")
        lines.append("Success: done." if success or rng.random() < 0.6
                     else "Error: command failed.")
    if success:
        lines.append(f"verify: GET {site.url} -> 200 ({int(rng.integers(20, 400))} KB)")
    elif pattern and pattern.spec.recipe == "memory" and "--raw" in commands[0]:
        line = int(rng.integers(85, 140))
        lines.append(f"verify: GET {site.url} -> 500")
        lines.append(logs.php(ctx, "Parse error",
                              'syntax error, unexpected identifier "M" in '
                              f"{site.path}/wp-config.php on line {line}"))
    else:
        lines.append(f"verify: GET {site.url} -> {logs.pick(rng, (500, 500, 503, 200))}")
    return "\n".join(lines)


def build_history(sites: list[Site], incidents: list[Incident], seed: int,
                  end: datetime, days: float = 14) -> History:
    """Patterns with use histories, executions around incidents, background failures."""
    if not sites:
        return History([], [])
    builder = _Builder(sites, seed, end)
    patterns = _build_patterns(builder)
    executions = _pattern_uses(builder, patterns)
    executions += _incident_executions(builder, incidents)
    executions += _background_executions(builder, days)
    return History(patterns, executions)


def _fault_rng(seed: int, name: str) -> np.random.Generator:
    digest = int(hashlib.sha1(name.encode()).hexdigest()[:12], 16)
    return stream(seed, "history", 10_000, digest)


def _build_patterns(builder: _Builder) -> list[PatternRow]:
    rows = []
    for spec in PATTERN_CATALOGUE:
        key = "/".join(_key(spec))
        fault = logs.make_fault(spec.recipe, _fault_rng(builder.seed, key), **spec.fault)
        reference_site = builder.sites[0]
        sample = fault.render(builder.context(reference_site, builder.end - timedelta(days=90)))
        error_pattern = error_pattern_from_log(sample)
        if spec.phase1_regex_defect:
            error_pattern = re.escape(error_pattern)  # Phase 1's bug, kept to be repaired
        rows.append(PatternRow(id=str(stable_uuid("pattern", *_key(spec))), spec=spec,
                               fault=fault, error_pattern=error_pattern))
    return rows


def _use_outcomes(rng, spec: PatternSpec, end: datetime) -> list[tuple[datetime, bool]]:
    n = int(rng.integers(spec.uses[0], spec.uses[1] + 1))
    span = 60 if spec.story in ("lucky", "new") else HISTORY_DAYS
    ages = np.sort(rng.uniform(1 / 24, span, n))[::-1]
    outcomes = rng.random(n) < spec.success_rate
    if spec.story == "lucky":
        outcomes[:] = True
    if spec.story == "degrading":  # the vendor's release lands 25 days ago
        ages[-5:] = rng.uniform(1 / 24, 25, 5)
        ages = np.sort(ages)[::-1]
        recent = ages < 25
        outcomes[recent] = rng.random(int(recent.sum())) < 0.2
        outcomes[-3:] = False
    return [(end - timedelta(days=float(age)), bool(ok)) for age, ok in zip(ages, outcomes,
                                                                             strict=True)]


def _pattern_uses(builder: _Builder, patterns: list[PatternRow]) -> list[ExecutionRow]:
    executions = []
    for pattern in patterns:
        rng = _fault_rng(builder.seed, "uses/" + "/".join(_key(pattern.spec)))
        successes = 0
        for when, ok in _use_outcomes(rng, pattern.spec, builder.end):
            site = builder.sites[int(rng.integers(len(builder.sites)))]
            executions.append(builder.execution(site, pattern.fault, when, ok, pattern=pattern))
            pattern.last_used_at = when
            if ok:
                successes += 1
                pattern.success_count += 1
                pattern.last_success_at = when
            else:
                pattern.failure_count += 1
                pattern.last_failure_at = when
            total = pattern.success_count + pattern.failure_count
            if (pattern.phase1_approved_at is None and successes >= 5
                    and pattern.success_count / total > 0.9):
                pattern.phase1_approved_at = when
    return executions


def _fault_pool(builder: _Builder) -> list[logs.Fault]:
    pool = []
    for recipe, count in _POOL_SIZES.items():
        for k in range(count):
            pool.append(logs.make_fault(recipe, _fault_rng(builder.seed, f"pool/{recipe}/{k}")))
    return pool


def _zipf_weights(rng, n: int) -> np.ndarray:
    weights = 1 / np.arange(1, n + 1) ** 0.9
    weights = weights[rng.permutation(n)]
    return weights / weights.sum()


def _incident_executions(builder: _Builder, incidents: list[Incident]) -> list[ExecutionRow]:
    pool = _fault_pool(builder)
    by_index = {s.index: s for s in builder.sites}
    rng = builder.rng
    executions = []
    for incident in incidents:
        recipes = _INCIDENT_RECIPES.get(incident.incident_type)
        if not recipes:
            continue
        recipe = logs.pick(rng, recipes)
        if incident.incident_type == "white_screen" and incident.details["status_code"] == 200 \
                and recipe == "wsod":
            fault = logs.make_fault("wsod", _fault_rng(builder.seed, incident.id),
                                    error_type="EMPTY_BODY")
        else:
            candidates = [f for f in pool if f.recipe == recipe]
            fault = logs.pick(rng, candidates)
        site = by_index[incident.site_index]
        start = (incident.outage_at or incident.starts_at) + timedelta(
            minutes=float(rng.uniform(3, 20)))
        if start >= builder.end:
            continue
        first_ok = bool(rng.random() < 0.2)
        first = builder.execution(site, fault, start, first_ok, incident=incident)
        executions.append(first)
        retry = start + timedelta(minutes=float(rng.uniform(15, 60)))
        if not first_ok and retry < builder.end:
            executions.append(builder.execution(site, fault, retry, bool(rng.random() < 0.7),
                                                incident=incident, attempt=2, previous=first.id))
    return executions


def _background_executions(builder: _Builder, days: float) -> list[ExecutionRow]:
    pool = _fault_pool(builder)
    rng = builder.rng
    weights = _zipf_weights(rng, len(pool))
    count = int(round(len(builder.sites) * days / 4))
    executions = []
    for _ in range(count):
        fault = pool[int(rng.choice(len(pool), p=weights))]
        site = builder.sites[int(rng.integers(len(builder.sites)))]
        started = builder.end - timedelta(days=float(rng.uniform(1 / 24, days)))
        if site.healing_mode == "MANUAL" and rng.random() < 0.5:
            outcome = None
        else:
            outcome = bool(rng.random() < 0.35)
        executions.append(builder.execution(site, fault, started, outcome))
    return executions


# ----------------------------------------------------------------------------- write

def write_history(conn, history: History) -> dict:
    """Upsert patterns (kept as they are when they exist) and executions; a summary."""
    pattern_ids = _upsert_patterns(conn, history.patterns)
    _upsert_executions(conn, history.executions, pattern_ids)
    _upsert_truth(conn, history)
    statuses = [e.status for e in history.executions]
    return {
        "executions": len(history.executions),
        "executions_failed": statuses.count("FAILED"),
        "executions_succeeded": statuses.count("SUCCESS"),
        "patterns": len(history.patterns),
        "patterns_good": sum(p.spec.good for p in history.patterns),
        "patterns_phase1_approved": sum(p.phase1_approved_at is not None
                                        for p in history.patterns),
    }


def _upsert_patterns(conn, patterns: list[PatternRow]) -> dict[tuple, str]:
    rows = []
    for p in patterns:
        total = p.success_count + p.failure_count
        details = {"source": "demo fleet"}
        rows.append((p.id, p.spec.diagnosis_type, p.spec.error_type, p.spec.culprit,
                     p.error_pattern, json.dumps(list(p.spec.commands)),
                     f"Learned fix: {p.spec.why}", p.success_count, p.failure_count,
                     round(p.success_count / total, 4) if total else 0.0,
                     p.phase1_approved_at is not None, p.spec.requires_backup,
                     p.last_success_at, p.last_failure_at, p.last_used_at,
                     "phase1" if p.phase1_approved_at else None, p.phase1_approved_at,
                     "Phase 1 rule: success ratio > 0.9 with at least 5 successes"
                     if p.phase1_approved_at else None,
                     json.dumps(details), _created_at(p)))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO healing_patterns (id, diagnosis_type, error_type, culprit, error_pattern,"
            " commands, description, success_count, failure_count, confidence, auto_approved,"
            " requires_backup, last_success_at, last_failure_at, last_used_at, approved_by,"
            " approved_at, approval_reason, details, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s) ON CONFLICT (diagnosis_type, error_type, culprit) DO NOTHING", rows)
    found = conn.execute("SELECT diagnosis_type, error_type, culprit, id::text "
                         "FROM healing_patterns").fetchall()
    return {(d, e, c): i for d, e, c, i in found}


def _created_at(p: PatternRow) -> datetime | None:
    return None if p.last_used_at is None else p.last_used_at - timedelta(days=HISTORY_DAYS)


def _upsert_executions(conn, executions: list[ExecutionRow], pattern_ids: dict) -> None:
    rows = []
    for e in executions:
        finished = e.finished_at
        rows.append((
            e.id, e.site_id, e.trigger, e.diagnosis_type, json.dumps(e.diagnosis_details),
            e.confidence, e.logs_analyzed, e.suggested_action, json.dumps(e.suggested_commands),
            e.action_taken, e.status, e.error_message, e.execution_logs, e.started_at,
            e.started_at + timedelta(seconds=8), finished,
            int((finished - e.started_at).total_seconds() * 1000) if finished else None,
            e.was_successful, e.attempt_number, e.previous_attempt_id,
            pattern_ids.get(e.pattern_key) if e.pattern_key else None))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO healer_executions (id, site_id, trigger, diagnosis_type,"
            " diagnosis_details, confidence, logs_analyzed, suggested_action, suggested_commands,"
            " action_taken, status, error_message, execution_logs, started_at, diagnosed_at,"
            " finished_at, duration_ms, was_successful, attempt_number, previous_attempt_id,"
            " pattern_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id,"
            " trigger = EXCLUDED.trigger, diagnosis_type = EXCLUDED.diagnosis_type,"
            " diagnosis_details = EXCLUDED.diagnosis_details, confidence = EXCLUDED.confidence,"
            " logs_analyzed = EXCLUDED.logs_analyzed,"
            " suggested_action = EXCLUDED.suggested_action,"
            " suggested_commands = EXCLUDED.suggested_commands,"
            " action_taken = EXCLUDED.action_taken, status = EXCLUDED.status,"
            " error_message = EXCLUDED.error_message, execution_logs = EXCLUDED.execution_logs,"
            " started_at = EXCLUDED.started_at, diagnosed_at = EXCLUDED.diagnosed_at,"
            " finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,"
            " was_successful = EXCLUDED.was_successful,"
            " attempt_number = EXCLUDED.attempt_number,"
            " previous_attempt_id = EXCLUDED.previous_attempt_id,"
            " pattern_id = EXCLUDED.pattern_id", rows)


def _upsert_truth(conn, history: History) -> None:
    """The ground truth of every generated pattern and execution, in the devkit's schema."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO devkit.demo_pattern_truth (pattern_id, good, commands, why,"
            " true_success_rate, story, fixed_commands) SELECT p.id, %s, %s, %s, %s, %s, %s"
            " FROM healing_patterns p WHERE (p.diagnosis_type, p.error_type, p.culprit)"
            " = (%s, %s, %s) ON CONFLICT (pattern_id) DO NOTHING",
            [(p.spec.good, json.dumps(list(p.spec.commands)), p.spec.why,
              p.spec.success_rate, p.spec.story,
              json.dumps(list(p.spec.fixed_commands)) if p.spec.fixed_commands else None,
              *_key(p.spec)) for p in history.patterns])
        cur.executemany(
            "INSERT INTO devkit.demo_execution_truth (execution_id, true_type, true_error_type,"
            " true_culprit, fault_id, incident_id, planted_secrets) VALUES (%s, %s, %s, %s, %s,"
            " %s, %s) ON CONFLICT (execution_id) DO UPDATE SET true_type = EXCLUDED.true_type,"
            " true_error_type = EXCLUDED.true_error_type,"
            " true_culprit = EXCLUDED.true_culprit, fault_id = EXCLUDED.fault_id,"
            " incident_id = EXCLUDED.incident_id, planted_secrets = EXCLUDED.planted_secrets",
            [(e.id, e.truth["true_type"], e.truth["true_error_type"],
              e.truth["true_culprit"] or None, e.truth["fault_id"], e.truth["incident_id"],
              e.truth["planted_secrets"]) for e in history.executions])
