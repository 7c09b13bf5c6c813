"""A pattern that needs a person: one loud, redacted line, and one message per configured
channel (the webhook format's payload), never raising when a channel fails."""

from __future__ import annotations

import logging

from healer_ops.notify import REVIEW_MARKER, pattern_needs_review
from healer_ops.notify.messages import json_payload
from healer_ops.settings import Settings


def test_review_notice_is_logged_and_sent_on_each_channel(caplog):
    sent = []
    settings = Settings(notify_webhook_url="https://hooks.example.test/x",
                        notify_email_to="ops@example.test")

    def sender(channel, message):
        if channel.name == "email":
            raise OSError("smtp down")
        sent.append((channel.name, json_payload(message)))

    with caplog.at_level(logging.ERROR, logger="healer_ops.notify"):
        notice = pattern_needs_review(
            "0123456789abcdef", "PLUGIN_CONFLICT", "revslider",
            "evidence turned against it (password=hunter2 in a log)", sender=sender,
            settings=settings)
    line = caplog.records[0].getMessage()
    assert line.startswith(REVIEW_MARKER) and "healer-ops patterns show 0123456789abcdef" in line
    assert "hunter2" not in line and "hunter2" not in str(sent)
    assert notice["delivered"] == ["webhook"] and notice["undelivered"] == ["email"]
    (name, payload), = sent
    assert payload["kind"] == "pattern_review" and "revslider" in payload["title"]
