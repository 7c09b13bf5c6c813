"""The local analyzer: offline, deterministic root-cause analysis of a WordPress failure log.

Signature rules (rules.py) decide the diagnosis type when one matches, in the labelled data's
priority order; otherwise a classifier trained on labelled logs (training.py) decides. Both
read the lines that carry the fault, never the noise around it (logtext.read_log). The
confidence is the calibrated probability that the chosen type is right (fitted on held-out
folds, for rule and classifier decisions alike). Below the abstention threshold
(settings.abstain_below) the analyzer answers UNKNOWN, with its best guess in the reasoning
and the calibrated probability that UNKNOWN is right as its confidence; the openai analyzer
(when configured) is asked about those logs only. The culprit comes from fatal/parse/uncaught
lines only, and the recommendations are the taxonomy's WP-CLI remediation for the type with
{slug} filled in.
"""

from __future__ import annotations

from healer_ops.analysis.model import Analysis, Recommendation
from healer_ops.analysis.rules import Evidence
from healer_ops.analysis.taxonomy import (
    Culprit,
    RemediationCommand,
    find_culprit,
    remediation_commands,
)
from healer_ops.logtext import clip_log

MODEL_NAME = "local-rules+calibrated-linear-svm"

# A sentence per type; {culprit} is "plugin 'x'" / "theme 'y'" / ... when there is one.
_ROOT_CAUSE = {
    "WSOD": "A fatal error with no plugin or theme to blame (core, a must-use plugin, a drop-in "
            "or no log access) leaves the site on a white screen or the critical-error page{at}.",
    "DB_ERROR": "WordPress cannot use its database ({detail}).",
    "MAINTENANCE": "The site is stuck in maintenance mode after an interrupted update (the "
                   "503 'Briefly unavailable for scheduled maintenance' page).",
    "INTEGRITY": "WordPress core files are missing, modified or from another version "
                 "({detail}){at}.",
    "PERMISSION": "The web server user cannot read or write files it needs (file ownership "
                  "or permissions), which makes writes, uploads or updates fail.",
    "CACHE": "The object or page cache layer is failing ({detail}){at}.",
    "PLUGIN_CONFLICT": "The {culprit} raises a fatal error ({detail}) that takes the site down.",
    "THEME_CONFLICT": "The {culprit} raises a fatal error ({detail}) that takes the site down.",
    "MEMORY_EXHAUSTION": "PHP ran out of memory (the memory_limit was reached){at}.",
    "SYNTAX_ERROR": "A PHP file does not parse (syntax error){at}, so PHP stops before the page "
                    "is built.",
    "HEALTHY": "No failure in the log: the site answers normally and only notices or "
               "success messages were logged.",
    "UNKNOWN": "The log shows a failure without evidence that points to a known cause; it "
               "needs a human or a deeper analysis.",
    "DISK_FULL": "The disk or the account's quota is full, so files and database writes fail "
                 "({detail}).",
    "HTACCESS_REDIRECT": "The web server configuration (.htaccess / rewrite rules or the "
                         "site URLs) is wrong or loops ({detail}).",
    "SSL_TLS": "A TLS/SSL problem (certificate, CA bundle, handshake or mixed content) breaks "
               "HTTPS requests ({detail}).",
    "CRON": "Scheduled events (WP-Cron) are not running or cannot be saved ({detail}).",
    "TIMEOUT": "A request or job ran out of time ({detail}){at}.",
}

_DETAIL = {
    "DB_ACCESS_DENIED": "the credentials are refused",
    "DB_UNKNOWN_DB": "the database does not exist",
    "DB_TOO_MANY_CONN": "too many connections",
    "DB_GONE_AWAY": "the server went away or the connection was lost",
    "DB_CONNECTION": "the database server cannot be reached",
    "DB_DRIVER_MISSING": "PHP's MySQL extension is missing",
    "DB_CORRUPTION": "tables are missing or corrupted",
    "DB_LOCK": "deadlocks or lock wait timeouts",
    "DB_QUERY": "queries fail",
    "PHP8_INCOMPAT": "code incompatible with the running PHP version",
    "REDECLARED": "a function or class is declared twice",
    "MISSING_CODE": "it calls code that is not loaded",
    "EXECUTION_TIMEOUT": "PHP's max_execution_time or the FPM request timeout",
    "HTTP_TIMEOUT": "an outgoing HTTP request timed out (cURL error 28)",
    "GATEWAY_TIMEOUT": "the web server gave up waiting for PHP",
    "REDIRECT_LOOP": "a redirect loop",
    "HTACCESS_INVALID": "an invalid .htaccess / server directive",
    "SSL_CERT_EXPIRED": "an expired certificate",
    "SSL_CERT_UNTRUSTED": "a certificate that cannot be verified",
    "SSL_HOSTNAME": "a certificate for another host name",
    "SSL_HANDSHAKE": "the TLS handshake fails",
    "MIXED_CONTENT": "HTTP resources on HTTPS pages",
    "CRON_FAILURE": "events fail, are late or cannot be rescheduled",
    "CRON_SPAWN": "WP-Cron cannot be spawned",
    "DISK_QUOTA": "the account's disk quota is exceeded",
    "CORE_CHECKSUM": "checksums do not verify",
    "CORE_MISSING_FILE": "a core file is missing",
    "CORE_MISMATCH": "core files from different versions",
    "POSSIBLE_COMPROMISE": "possibly injected code",
    "OBJECT_CACHE": "the object cache backend (Redis/Memcached) or its drop-in",
    "CACHE_DROPIN": "a cache drop-in fails",
    "PAGE_CACHE": "the page cache drop-in or a stale page cache",
}

_ACTIVE_PLUGINS = "wp plugin list --status=active --field=name"


class LocalAnalyzer:
    """Offline analyzer: `analyze(log) -> Analysis`. The model is fitted lazily, once per
    process, from its stored artifact (artifact.py), or pass a fitted `training.FittedModel`."""

    name = "local"

    def __init__(self, model=None, abstain_below: float | None = None):
        self._model = model
        self._custom = model is not None
        if abstain_below is None:
            from healer_ops.settings import get_settings

            abstain_below = get_settings().abstain_below
        if not 0.0 <= abstain_below <= 1.0:
            raise ValueError(f"abstain_below must be within [0, 1], not {abstain_below}")
        self.abstain_below = abstain_below

    @property
    def version(self) -> str:
        """The model's version (part of the cache key): the packaged artifact's, or
        "custom" for a model passed in."""
        from healer_ops.analysis.artifact import model_version

        return "custom" if self._custom else model_version()

    @property
    def model(self):
        if self._model is None:
            from healer_ops.analysis.artifact import default_model

            self._model = default_model()
        return self._model

    def analyze(self, log: str) -> Analysis:
        if not isinstance(log, str):
            raise TypeError(f"log must be a str, not {type(log).__name__}")
        log = clip_log(log)
        prediction = self.model.predict([log])[0]
        diagnosis_type, confidence = prediction.diagnosis_type, prediction.confidence
        supporting = _supporting_evidence(prediction.evidence, diagnosis_type)
        culprit = _culprit(supporting, log)
        error_type = supporting.error_type if supporting else None
        reasoning = _reasoning(prediction, supporting, culprit)
        if confidence < self.abstain_below and diagnosis_type != "UNKNOWN":
            reasoning = (f"Not sure enough to answer: best guess {diagnosis_type} at "
                         f"{confidence:.2f}, under the abstention threshold "
                         f"{self.abstain_below:.2f}. {reasoning}")
            diagnosis_type, error_type = "UNKNOWN", None
            confidence = self.model.abstention_confidence(prediction)
            culprit = find_culprit(log)
        return Analysis(
            diagnosis_type=diagnosis_type,
            confidence=round(confidence, 4),
            culprit=culprit.slug if culprit else None,
            culprit_kind=culprit.kind if culprit else None,
            error_type=error_type,
            root_cause=_root_cause(diagnosis_type, error_type, culprit),
            reasoning=reasoning,
            recommendations=[Recommendation(command=c.fill(culprit.slug if culprit else None),
                                            purpose=c.purpose)
                             for c in recommended_commands(diagnosis_type, error_type, culprit,
                                                           log)],
            analyzer="local",
            model=MODEL_NAME,
        )


def _supporting_evidence(evidence: tuple[Evidence, ...], diagnosis_type: str) -> Evidence | None:
    return next((e for e in evidence if e.diagnosis_type == diagnosis_type), None)


def _culprit(supporting: Evidence | None, log: str) -> Culprit | None:
    if supporting and supporting.culprit and supporting.culprit.kind != "core":
        return supporting.culprit
    return find_culprit(log)


def _root_cause(diagnosis_type: str, error_type: str | None, culprit: Culprit | None) -> str:
    detail = _DETAIL.get(error_type or "", (error_type or "see the evidence").lower()
                         .replace("_", " "))
    described = f"{culprit.kind} '{culprit.slug}'" if culprit else "a plugin or theme"
    at = f" (in {described})" if culprit else ""
    return _ROOT_CAUSE[diagnosis_type].format(culprit=described, detail=detail, at=at)


def _quote(line: str, limit: int = 200) -> str:
    return repr(line if len(line) <= limit else line[:limit - 3] + "...")


def _reasoning(prediction, supporting: Evidence | None, culprit: Culprit | None) -> str:
    parts = []
    if prediction.decided_by == "rules" and supporting:
        parts.append(f"Rule {supporting.rule_id} matched: {_quote(supporting.line)}.")
        others = sorted({e.diagnosis_type for e in prediction.evidence}
                        - {prediction.diagnosis_type})
        if others:
            parts.append(f"It outranks the other matches ({', '.join(others)}) in the "
                         "taxonomy's priority order.")
    elif supporting:
        parts.append(f"No rule decided; the classifier chose {prediction.diagnosis_type}, "
                     f"supported by rule {supporting.rule_id}: {_quote(supporting.line)}.")
    else:
        parts.append(f"No signature rule matched; the classifier chose "
                     f"{prediction.diagnosis_type} from the wording of the log.")
    if culprit and not (supporting and culprit.evidence[:200] == supporting.line[:200]):
        parts.append(f"Culprit {culprit.kind} '{culprit.slug}' from the fatal line: "
                     f"{_quote(culprit.evidence)}.")
    elif culprit:
        parts.append(f"Culprit {culprit.kind} '{culprit.slug}' from that line.")
    parts.append(f"Calibrated confidence {prediction.confidence:.2f}.")
    return " ".join(parts)


def recommended_commands(diagnosis_type: str, error_type: str | None, culprit: Culprit | None,
                         log: str = "") -> list[RemediationCommand]:
    """The taxonomy's WP-CLI commands that apply to this analysis, in the taxonomy's order."""
    slug = culprit.slug if culprit else None
    kind = culprit.kind if culprit else None
    chosen = []
    for command in remediation_commands(diagnosis_type):
        if command.needs_slug and not slug:
            continue
        if "$(" in command.template:  # needs a shell: not runnable by the healer as is
            continue
        if command.runbook:  # "if plugin/theme path -> X runbook"
            wanted = {"plugin": "PLUGIN_CONFLICT", "theme": "THEME_CONFLICT"}.get(kind or "")
            if command.runbook != wanted:
                continue
        elif command.error_types:
            if error_type not in command.error_types:
                continue
        elif command.condition:  # a condition this analyzer cannot check
            continue
        if "WP_CACHE false" in command.template and "advanced-cache" not in log:
            continue
        if command.template not in {c.template for c in chosen}:
            chosen.append(command)
    if diagnosis_type in ("PLUGIN_CONFLICT", "WSOD") and not any(c.needs_slug for c in chosen):
        active = RemediationCommand(_ACTIVE_PLUGINS, "record the active plugins", None)
        if all(c.template != _ACTIVE_PLUGINS for c in chosen):
            chosen.insert(0, active)
    return chosen
