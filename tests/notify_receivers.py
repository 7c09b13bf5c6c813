"""Loopback receivers for notification tests: a webhook endpoint and an SMTP server
(aiosmtpd), plus a quiet synthetic site whose error bursts open alerts."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


class WebhookReceiver:
    """Records every JSON POST; answers 500 to the first `fail_first` of them."""

    def __init__(self, fail_first: int = 0):
        self.bodies: list[dict] = []
        self.attempts = 0
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                receiver.attempts += 1
                if receiver.attempts <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.bodies.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """A local SMTP server keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
                receiver.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def connection_json(self) -> str:
        return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": self.port,
                           "extra": {"disable_tls": True, "disable_ssl": True,
                                     "from_email": "healer-ops@example.test"}})

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def close(self):
        if self.controller._thread is not None:
            self.controller.stop()


def now_cell() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


def synthetic_site(conn, end: datetime, days: float, errors_at: list[datetime],
                   domain: str = "flappy.example.test") -> str:
    """A quiet site with 5-minute probes over `days` days before `end`; 500s at `errors_at`."""
    site_id = str(uuid.uuid4())
    conn.execute("INSERT INTO wp_sites (id, domain, url) VALUES (%s, %s, %s)",
                 [site_id, domain, f"https://{domain}/"])
    rng = np.random.default_rng(11)
    errors = set(errors_at)
    with conn.cursor().copy("COPY site_metrics (site_id, observed_at, response_time_ms, ttfb_ms,"
                            " page_size_bytes, status_code, error) FROM STDIN") as copy:
        for step in range(int(days * 288)):
            when = end - timedelta(days=days) + timedelta(minutes=5 * step)
            rt = float(300 * rng.lognormal(0, 0.1))
            failed = when in errors
            copy.write_row((site_id, when, rt, rt * 0.4, 900 if failed else 50_000,
                            500 if failed else 200, failed))
    conn.commit()
    return site_id


def flapping_errors(day: datetime) -> tuple[list[datetime], list[datetime]]:
    """A burst that opens a HIGH error alert, then flaps that escalate it to CRITICAL."""
    burst = [day + timedelta(minutes=m) for m in (0, 5, 15)]
    flaps = [day + timedelta(minutes=m) for m in (75, 85, 95, 105, 115, 125)]
    return burst, flaps


# ------------------------------------------------------------------------------ fixtures

import pytest  # noqa: E402 (fixtures below the helpers they use)


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def notify_channels(webhook, smtp, monkeypatch):
    """Both channels configured: the loopback webhook (JSON) and e-mail via the local SMTP
    server (Airflow connection smtp_notify); no per-site interval."""
    from healer_ops.settings import reset_settings

    monkeypatch.setenv("HEALER_NOTIFY_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("HEALER_NOTIFY_EMAIL_TO", "oncall@example.test, ops@example.test")
    monkeypatch.setenv("HEALER_NOTIFY_SMTP_CONN_ID", "smtp_notify")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_NOTIFY", smtp.connection_json())
    monkeypatch.setenv("HEALER_NOTIFY_SITE_MIN_INTERVAL_MINUTES", "0")
    reset_settings()
    yield webhook, smtp
    reset_settings()
