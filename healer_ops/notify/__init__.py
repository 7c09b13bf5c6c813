"""Telling people: failed pipeline runs (here) and predictive alerts (outbox.py).

`dag_run_failed` is the one place every DAG's failure hook calls. It logs one ERROR line in
the log of whoever runs the hook (the task's log for a task, the dag-processor's for a DAG
run); for a failed run (`deliver=True`, the run-level hook) it also sends ONE message with
the run's link on every configured channel (webhook, e-mail: channels.py), through
Airflow's notifiers, retried a few times and never raising: a notification problem must not
hide the failure it reports. It does not need the Healer database (which may be what
failed). Secrets never leave the process: the reason (often an exception's text, which can
quote a DSN or a password) is redacted first.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit, urlunsplit

from healer_ops.analysis.redact import redact

log = logging.getLogger(__name__)

# The start of every notification line: what to grep for, or alert on, in the logs.
MARKER = "HEALER PIPELINE FAILURE"
REVIEW_MARKER = "HEALER PATTERN REVIEW"
MAX_REASON_CHARS = 500


DELIVERY_ATTEMPTS = 3


def dag_run_failed(dag_id: str, run_id: str, task_id: str | None, reason: str | None,
                   url: str | None, *, deliver: bool = False, sender=None,
                   settings=None) -> dict:
    """Report a failed DAG run (or one failed task of it); returns what was reported.

    With `deliver`, also send it on every configured channel: `notice["delivered"]` lists
    the channels that took it, `notice["undelivered"]` those that did not."""
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
    if deliver:
        notice.update(_deliver(notice, sender, settings))
    return notice


def pattern_needs_review(pattern_id: str, diagnosis_type: str, culprit: str, reason: str,
                         *, deliver: bool = True, sender=None, settings=None) -> dict:
    """Ask a person to look at a pattern automation may not change itself (evidence turned
    against a person's approval, or a new version is proposed); once per flag. Logged as one
    ERROR line (`HEALER PATTERN REVIEW`) and, with `deliver`, sent on every configured
    channel (never raising)."""
    notice = {"pattern_id": pattern_id, "diagnosis_type": diagnosis_type, "culprit": culprit,
              "reason": _one_line(redact(reason or "unknown")),
              "command": f"healer-ops patterns show {pattern_id}"}
    log.error("%s: pattern %s (%s%s) needs a person: %s | %s", REVIEW_MARKER, pattern_id,
              diagnosis_type, f" {culprit}" if culprit else "", notice["reason"],
              notice["command"])
    if deliver:
        notice.update(_deliver_message(_review_message(notice), sender, settings))
    return notice


def _review_message(notice: dict):
    from healer_ops.notify.messages import Message

    what = notice["diagnosis_type"] + (f" {notice['culprit']}" if notice["culprit"] else "")
    return Message("pattern_review", f"Pattern {notice['pattern_id'][:8]} ({what}) needs a "
                   "person", (notice["reason"], f"See: {notice['command']}"), "HIGH",
                   data={k: notice[k] for k in ("pattern_id", "diagnosis_type", "culprit",
                                                "reason")})


def _deliver(notice: dict, sender, settings) -> dict:
    from healer_ops.notify.messages import failure_message

    return _deliver_message(failure_message(notice), sender, settings)


def _deliver_message(message, sender, settings) -> dict:
    from healer_ops.analysis.pipeline import safe_error
    from healer_ops.notify.channels import configured_channels, send
    from healer_ops.settings import get_settings

    sender = sender or send
    delivered, undelivered = [], []
    for channel in configured_channels(settings or get_settings()):
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                sender(channel, message)
                delivered.append(channel.name)
                break
            except Exception as exc:  # never let a notification failure mask the failure
                log.warning("%s notice to %s, attempt %d: %s", message.kind,
                            channel.describe(), attempt, safe_error(exc))
                if attempt < DELIVERY_ATTEMPTS:
                    time.sleep(2 ** (attempt - 1))
        else:
            undelivered.append(channel.name)
    return {"delivered": delivered, "undelivered": undelivered}


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
