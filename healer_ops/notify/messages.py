"""What a notification says, and how each channel wants it written.

A `Message` is plain data (title, lines, link, severity); `alert_message` writes one for one
or more alert notices of a site (several notices of one site in one message, when a site's
minimum interval held them back), `incident_message` one for the notices of an incident's
member alerts (many sites, one message), `failure_message` one for a failed DAG run. The payload
functions turn a message into a Slack incoming-webhook body, a Teams Workflows
(Adaptive Card) body, a plain JSON body, or an e-mail subject and HTML body.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from healer_ops.timeutil import minute_text

COLORS = {"CRITICAL": "#b42318", "HIGH": "#dc6803", "MEDIUM": "#ca8504", "LOW": "#1570ef",
          "RESOLVED": "#079455", "FAILED": "#b42318"}


@dataclass(frozen=True)
class Message:
    kind: str                       # "alert", "incident" or "pipeline_failure"
    title: str
    lines: tuple[str, ...]
    severity: str                   # CRITICAL..LOW, RESOLVED or FAILED (the colour)
    link: str | None = None
    data: dict = field(default_factory=dict)   # the facts, for JSON receivers

    @property
    def text(self) -> str:
        """The whole message as plain text (fallback text, logs, e-mail previews)."""
        body = "\n".join((self.title, *self.lines))
        return f"{body}\n{self.link}" if self.link else body


def alert_message(notices: list[dict], link_base: str | None) -> Message:
    """One message for the notices of one site (each: event, severity, alert fields)."""
    first = notices[0]
    site = first["domain"]
    if len(notices) == 1:
        title = _alert_title(first)
        lines = _alert_lines(first)
    else:
        title = f"{len(notices)} alert updates for {site}"
        lines = tuple(f"- {_alert_title(n)}: {n['prediction']}" for n in notices)
    worst = _worst(notices)
    link = f"{link_base.rstrip('/')}/healer/?site={first['site_id']}" if link_base else None
    data = {"site_id": first["site_id"], "domain": site,
            "notices": [_notice_data(n) for n in notices]}
    return Message("alert", title, lines, worst, link, data)


def incident_message(notices: list[dict], sites: list[tuple[str, list[str]]],
                     link_base: str | None) -> Message:
    """One message for the notices of an incident's members: the incident's summary, and
    its sites (`sites`: (domain, alert types), the first of them) with how many more."""
    first = notices[0]
    resolved = first["incident_resolved_at"] is not None
    severity = "RESOLVED" if resolved else _worst(notices)
    title = f"{'RESOLVED' if resolved else severity}: {first['incident_summary']}"
    count = first["incident_site_count"]
    listed = ", ".join(f"{domain} ({_types_text(types)})" for domain, types in sites)
    more = count - len(sites)
    lines = [f"Sites: {listed}" + (f" and {more} more." if more > 0 else "."),
             "One incident: each site keeps its own alert (acknowledge, snooze or resolve "
             "them per site); sites joining it are not paged separately."]
    if resolved:
        lines.insert(0, f"Every site's alert has resolved: open from "
                        f"{_when(first['incident_opened_at'])} to "
                        f"{_when(first['incident_resolved_at'])}.")
    link = (f"{link_base.rstrip('/')}/healer/api/incidents/{first['incident_id']}"
            if link_base else None)
    data = {"incident": {"id": first["incident_id"], "scope": first["incident_scope"],
                         "server": first["incident_server"], "site_count": count,
                         "summary": first["incident_summary"],
                         "opened_at": _iso(first["incident_opened_at"]),
                         "resolved_at": _iso(first["incident_resolved_at"]),
                         "sites": [domain for domain, _ in sites]},
            "notices": [_notice_data(n) | {"domain": n["domain"]} for n in notices]}
    return Message("incident", title, tuple(lines), severity, link, data)


def _types_text(types: list[str]) -> str:
    return ", ".join(t.replace("_", " ").lower() for t in types)


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _alert_title(notice: dict) -> str:
    what = notice["alert_type"].replace("_", " ").lower()
    if notice["event"] == "resolved":
        by = notice.get("manually_resolved_by")
        return f"RESOLVED: {what} on {notice['domain']}" + (f" (by {by})" if by else "")
    verb = "escalated to" if notice["event"] == "escalated" else "opened at"
    return f"{notice['severity']}: {what} on {notice['domain']} ({verb} {notice['severity']})"


def _alert_lines(notice: dict) -> tuple[str, ...]:
    lines = [notice["prediction"]]
    if notice["event"] == "resolved":
        ended = notice.get("resolved_at") or notice.get("manually_resolved_at")
        lines.append(f"Open from {_when(notice['opened_at'])} to {_when(ended)}.")
        return tuple(lines)
    facts = [f"opened {_when(notice['opened_at'])}",
             f"confidence {notice['confidence']:.0%}"]
    if notice.get("predicted_at"):
        facts.append(f"expected to cross its limit {_when(notice['predicted_at'])}")
    if notice.get("acknowledged_by"):
        facts.append(f"acknowledged by {notice['acknowledged_by']}")
    lines.append("; ".join(facts) + ".")
    return tuple(lines)


def _notice_data(notice: dict) -> dict:
    keys = ("alert_id", "event", "severity", "alert_type", "prediction", "confidence",
            "opened_at", "predicted_at", "resolved_at", "manually_resolved_by", "state")
    return {k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in ((k, notice.get(k)) for k in keys)}


def _worst(notices: list[dict]) -> str:
    order = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
    raised = [n["severity"] for n in notices if n["event"] != "resolved"]
    return min(raised, key=order.index) if raised else "RESOLVED"


def _when(value) -> str:
    return "now" if value is None else minute_text(value)


def failure_message(notice: dict) -> Message:
    """One message for a failed DAG run (the dict `dag_run_failed` builds)."""
    title = f"HealerOps pipeline failure: {notice['dag_id']} run {notice['run_id']} failed"
    lines = (f"Reason: {notice['reason']}",)
    if notice.get("task_id"):
        lines += (f"Failed task: {notice['task_id']}",)
    return Message("pipeline_failure", title, lines, "FAILED", notice.get("url"),
                   {k: notice.get(k) for k in ("dag_id", "run_id", "task_id", "reason")})


# ------------------------------------------------------------------------------ payloads

def slack_payload(message: Message) -> dict:
    """Slack incoming webhook: fallback text plus blocks (mrkdwn)."""
    body = "\n".join(_slack_escape(line) for line in message.lines)
    if message.link:
        body += f"\n<{message.link}|Open in HealerOps>"
    return {"text": message.text,
            "blocks": [{"type": "header", "text": {"type": "plain_text",
                                                    "text": message.title[:150]}},
                       {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}}]}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_payload(message: Message) -> dict:
    """Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is
    received"): a message with one Adaptive Card."""
    body = [{"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium",
             "wrap": True,
             "color": "Attention" if message.severity in ("CRITICAL", "FAILED") else
             "Good" if message.severity == "RESOLVED" else "Warning"}]
    body += [{"type": "TextBlock", "text": line, "wrap": True} for line in message.lines]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4", "body": body}
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in HealerOps",
                            "url": message.link}]
    return {"type": "message", "summary": message.title,
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "contentUrl": None, "content": card}]}


def json_payload(message: Message) -> dict:
    """Any other receiver: the facts, plus text for people."""
    return {"source": "healer-ops", "kind": message.kind, "title": message.title,
            "text": message.text, "severity": message.severity, "link": message.link,
            **message.data}


PAYLOADS = {"slack": slack_payload, "teams": teams_payload, "json": json_payload}


def email_content(message: Message) -> tuple[str, str]:
    """(subject, HTML body)."""
    colour = COLORS.get(message.severity, "#344054")
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in message.lines)
    link = (f'<p><a href="{html.escape(message.link, quote=True)}">Open in HealerOps</a></p>'
            if message.link else "")
    body = (f'<div style="font-family:sans-serif"><h2 style="color:{colour}">'
            f"{html.escape(message.title)}</h2>{lines}{link}</div>")
    return f"[HealerOps] {message.title}", body
