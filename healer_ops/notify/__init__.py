"""Tell people that a pipeline run failed: the one place every DAG's failure hook calls.

Today a notification is one ERROR line in the log of whoever runs the hook (the task's log
for a task, the dag-processor's for a DAG run). Sending it on (webhooks, e-mail) belongs in
`dag_run_failed`, so that every DAG gets it at once. Secrets never leave the process: the
reason (often an exception's text, which can quote a DSN or a password) is redacted first.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from healer_ops.analysis.redact import redact

log = logging.getLogger(__name__)

# The start of every notification line: what to grep for, or alert on, in the logs.
MARKER = "HEALER PIPELINE FAILURE"
REVIEW_MARKER = "HEALER PATTERN REVIEW"
MAX_REASON_CHARS = 500


def dag_run_failed(dag_id: str, run_id: str, task_id: str | None, reason: str | None,
                   url: str | None) -> dict:
    """Report a failed DAG run (or one failed task of it); returns what was reported."""
    notice = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "reason": _one_line(redact(reason or "unknown")),
        "url": _without_credentials(url),
    }
    where = f"{dag_id}.{task_id}" if task_id else dag_id
    log.error("%s: %s failed in run %s: %s | %s", MARKER, where, run_id, notice["reason"],
              notice["url"] or "(no link)")
    return notice


def pattern_needs_review(pattern_id: str, diagnosis_type: str, culprit: str,
                         reason: str) -> dict:
    """Ask a person to look at a pattern automation may not change itself (evidence turned
    against a person's approval, or a new version is proposed); once per flag."""
    notice = {"pattern_id": pattern_id, "diagnosis_type": diagnosis_type, "culprit": culprit,
              "reason": _one_line(redact(reason or "unknown")),
              "command": f"healer-ops patterns show {pattern_id}"}
    log.error("%s: pattern %s (%s%s) needs a person: %s | %s", REVIEW_MARKER, pattern_id,
              diagnosis_type, f" {culprit}" if culprit else "", notice["reason"],
              notice["command"])
    return notice


def _one_line(text: str) -> str:
    """One log line: newlines folded, long reasons cut (the link leads to the whole log)."""
    folded = " ".join(text.split())
    if len(folded) <= MAX_REASON_CHARS:
        return folded
    return folded[:MAX_REASON_CHARS - 3] + "..."


def _without_credentials(url: str | None) -> str | None:
    """The link without any user:password@ a configured base URL may carry."""
    if not url:
        return None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
