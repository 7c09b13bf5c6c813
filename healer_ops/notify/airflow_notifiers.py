"""HealerOps' notifiers, as Airflow notifiers (`airflow.sdk.BaseNotifier` subclasses).

The one module of healer_ops that imports Airflow at its top: it is Airflow's notifier
interface, imported only where a notice is sent (the alert_notifications DAG's deliver
task, the DAG failure hook, the CLI's `notify test`). Each notifier sends one `Message`;
usable as any Airflow callback too (`on_failure_callback=WebhookNotifier(url=...)`: with no
message it reports the failed run of its context).

Nothing is templated: messages carry alert and log text that must never be rendered as
Jinja.
"""

from __future__ import annotations

import httpx
from airflow.sdk import BaseNotifier

from healer_ops.notify.messages import PAYLOADS, Message, email_content, failure_message

TIMEOUT_S = 10.0


class WebhookNotifier(BaseNotifier):
    """POST a message as JSON to an incoming webhook (Slack, Teams Workflows, or any)."""

    template_fields = ()

    def __init__(self, *, url: str, payload_format: str = "json",
                 message: Message | None = None):
        super().__init__()
        if payload_format not in PAYLOADS:
            raise ValueError(f"webhook format {payload_format!r}: expected one of "
                             f"{', '.join(PAYLOADS)}")
        self.url, self.payload_format, self.message = url, payload_format, message

    def notify(self, context) -> None:
        message = self.message or _failure_of(context)
        response = httpx.post(self.url, json=PAYLOADS[self.payload_format](message),
                              timeout=TIMEOUT_S, follow_redirects=False)
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status_code}: "
                               f"{response.text[:200]}")


class EmailNotifier(BaseNotifier):
    """Send a message as an HTML e-mail through the SMTP provider's hook."""

    template_fields = ()

    def __init__(self, *, to: list[str], from_email: str | None = None,
                 smtp_conn_id: str = "smtp_default", message: Message | None = None):
        super().__init__()
        self.to, self.from_email, self.smtp_conn_id = to, from_email, smtp_conn_id
        self.message = message

    def notify(self, context) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        subject, body = email_content(self.message or _failure_of(context))
        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as hook:
            hook.send_email_smtp(to=self.to, subject=subject, html_content=body,
                                 from_email=self.from_email or hook.from_email
                                 or "healer-ops@localhost")


def _failure_of(context) -> Message:
    from healer_ops.analysis.redact import redact

    dag_run = context.get("dag_run")
    return failure_message({"dag_id": getattr(context.get("dag"), "dag_id", "?"),
                            "run_id": getattr(dag_run, "run_id", "?"), "task_id": None,
                            "reason": redact(str(context.get("reason") or "failed"))[:500],
                            "url": None})
