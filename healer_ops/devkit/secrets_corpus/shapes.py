"""The log shapes WordPress hosting produces, and the builder each kind of log fills in.

A `Plant` collects the secret values a log carries (which redaction must remove) and the
diagnostic text it carries (which redaction must keep), while the kind writes the log.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from healer_ops.devkit.secrets_corpus import values as v

PLUGINS = ["wp-mail-smtp", "woocommerce", "updraftplus", "amazon-s3-and-cloudfront",
           "wp-offload-ses", "mailchimp-for-wp", "jetpack", "wpforms-lite", "redis-cache",
           "stripe-payments", "twilio-sms-notifications", "backwpup", "wp-rocket",
           "contact-form-7", "gravityforms", "wordfence", "all-in-one-wp-migration"]
ROOTS = ["/var/www/html", "/home/customer/www/shop.example/public_html", "/srv/www/blog/public",
         "/var/www/vhosts/example.org/httpdocs", "/home/u81234/domains/site.test/public_html"]


@dataclass
class Plant:
    """What one log carries: secrets (must vanish) and diagnostic text (must stay)."""

    rng: random.Random
    secrets: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    def secret(self, value: str) -> str:
        self.secrets.append(value)
        return value

    def kept(self, value: str) -> str:
        self.keep.append(value)
        return value

    def pick(self, options):
        return self.rng.choice(options)

    # personal data that appears in log prefixes is planted like any other secret
    def client_ip(self) -> str:
        return self.secret(v.public_ipv4(self.rng) if self.rng.random() < 0.7
                           else v.ipv6(self.rng))

    def plugin_file(self, plugin: str | None = None) -> str:
        plugin = plugin or self.pick(PLUGINS)
        path = f"{self.pick(ROOTS)}/wp-content/plugins/{plugin}/" \
               f"{self.pick(['includes', 'src', 'classes', 'lib'])}/" \
               f"{self.pick(['class-api.php', 'Mailer.php', 'client.php', 'functions.php'])}"
        self.kept(f"wp-content/plugins/{plugin}/")
        return path


def when(rng: random.Random) -> datetime:
    return datetime(2024, 1, 1) + timedelta(seconds=rng.randrange(0, 300 * 86400))


def debug_log_line(rng: random.Random, level: str, message: str) -> str:
    """wp-content/debug.log: [12-Mar-2024 10:22:31 UTC] PHP Warning:  message"""
    return f"[{when(rng):%d-%b-%Y %H:%M:%S} UTC] PHP {level}:  {message}"


def apache_error_line(p: Plant, message: str) -> str:
    stamp = when(p.rng)
    ip = p.client_ip()
    client = f"[{ip}]" if ":" in ip else ip
    return (f"[{stamp:%a %b %d %H:%M:%S}.{p.rng.randrange(10**6):06d} {stamp:%Y}] [proxy_fcgi:"
            f"error] [pid {p.rng.randrange(1000, 99999)}:tid {p.rng.randrange(10**14, 10**15)}] "
            f"[client {client}:{p.rng.randrange(1024, 65535)}] AH01071: Got error 'PHP message: "
            f"{message}'")


def nginx_error_line(p: Plant, message: str, host: str = "shop.example") -> str:
    stamp = when(p.rng)
    return (f"{stamp:%Y/%m/%d %H:%M:%S} [error] {p.rng.randrange(100, 9999)}#"
            f"{p.rng.randrange(100, 9999)}: *{p.rng.randrange(1, 10**6)} FastCGI sent in stderr: "
            f"\"PHP message: {message}\" while reading response header from upstream, client: "
            f"{p.client_ip()}, server: {host}, request: \"GET /checkout/ HTTP/1.1\", upstream: "
            f"\"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"{host}\"")


def access_log_line(p: Plant, method: str, target: str, status: int = 200) -> str:
    stamp = when(p.rng)
    return (f"{p.client_ip()} - - [{stamp:%d/%b/%Y:%H:%M:%S} +0000] \"{method} {target} "
            f"HTTP/1.1\" {status} {p.rng.randrange(200, 90000)} \"-\" \"Mozilla/5.0 (X11; Linux "
            f"x86_64) AppleWebKit/537.36\"")


def stack_frame(number: int, file: str, line: int, call: str) -> str:
    return f"#{number} {file}({line}): {call}"
