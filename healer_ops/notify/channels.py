"""Where notifications go: the channels the settings configure, and sending one message on
one channel through Airflow's notifiers (healer_ops.notify.airflow_notifiers)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from healer_ops.notify.messages import Message
from healer_ops.settings import Settings

FORMATS = ("slack", "teams", "json")


@dataclass(frozen=True)
class Channel:
    name: str                        # "webhook" or "email": the outbox's channel column
    webhook_url: str | None = None
    webhook_format: str = "json"
    email_to: tuple[str, ...] = ()
    email_from: str | None = None
    smtp_conn_id: str = "smtp_default"

    def describe(self) -> str:
        if self.name == "webhook":
            # the host only: a netloc may carry user:password@, the path a webhook's token
            return f"webhook ({self.webhook_format}) to {urlsplit(self.webhook_url).hostname}"
        return f"e-mail to {', '.join(self.email_to)}"


def configured_channels(settings: Settings) -> list[Channel]:
    channels = []
    if settings.notify_webhook_url:
        channels.append(Channel("webhook", webhook_url=settings.notify_webhook_url,
                                webhook_format=webhook_format(settings.notify_webhook_url,
                                                              settings.notify_webhook_format)))
    recipients = tuple(a.strip() for a in (settings.notify_email_to or "").split(",")
                       if a.strip())
    if recipients:
        channels.append(Channel("email", email_to=recipients,
                                email_from=settings.notify_email_from,
                                smtp_conn_id=settings.notify_smtp_conn_id))
    return channels


def webhook_format(url: str, configured: str = "auto") -> str:
    """The payload a webhook URL wants: `configured`, or guessed from its host."""
    if configured != "auto":
        if configured not in FORMATS:
            raise ValueError(f"HEALER_NOTIFY_WEBHOOK_FORMAT {configured!r}: expected auto or "
                             f"one of {', '.join(FORMATS)}")
        return configured
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com" or host.endswith(".slack.com"):
        return "slack"
    if host.endswith((".logic.azure.com", ".webhook.office.com", ".powerplatform.com")):
        return "teams"
    return "json"


def send(channel: Channel, message: Message) -> None:
    """Deliver one message on one channel; raises on failure (the caller retries)."""
    from healer_ops.notify.airflow_notifiers import EmailNotifier, WebhookNotifier

    if channel.name == "webhook":
        notifier = WebhookNotifier(url=channel.webhook_url, payload_format=channel.webhook_format,
                                   message=message)
    else:
        notifier = EmailNotifier(to=list(channel.email_to), from_email=channel.email_from,
                                 smtp_conn_id=channel.smtp_conn_id, message=message)
    notifier.notify({})
