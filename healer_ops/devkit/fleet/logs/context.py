"""What a log is rendered against: the site and the occurrence (paths, versions, time, log
format, database credentials and a random stream), and the plugins and themes logs name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

PLUGINS = ("revslider", "js_composer", "elementor-pro", "wpforms-lite", "contact-form-7",
           "wordpress-seo", "jetpack", "wordfence", "updraftplus", "litespeed-cache",
           "w3-total-cache", "wp-rocket", "advanced-custom-fields-pro", "really-simple-ssl",
           "wp-mail-smtp", "mailchimp-for-wp", "redirection", "tablepress", "wp-optimize",
           "autoptimize", "broken-link-checker", "nextgen-gallery", "the-events-calendar",
           "wp-file-manager", "duplicator", "all-in-one-wp-migration", "ninja-forms",
           "woocommerce-subscriptions", "woocommerce-gateway-stripe", "wp-smushit",
           "sg-cachepress", "gravityforms", "memberpress", "bbpress", "wp-super-cache")
THEMES = ("astra", "generatepress", "oceanwp", "Divi", "Avada", "kadence", "hello-elementor",
          "neve", "flatsome", "woodmart", "enfold", "astra-child", "twentytwentyfour")
CLIENT_IPS = ("203.0.113.{}", "198.51.100.{}", "81.2.69.{}", "91.198.174.{}", "66.249.66.{}",
              "2a02:c7f:7e14:b800::{:x}")
STYLES = ("error_log", "error_log", "display", "apache", "nginx_fpm")


@dataclass
class LogContext:
    """What differs from site to site and from one occurrence to the next."""

    root: str
    domain: str
    php_version: str
    wp_version: str
    when: datetime
    style: str
    db_name: str
    db_user: str
    db_password: str
    db_host: str
    admin_email: str
    memory_limit: int
    rng: np.random.Generator
    planted: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)

    def ip(self) -> str:
        template = CLIENT_IPS[self.rng.integers(len(CLIENT_IPS))]
        ip = template.format(int(self.rng.integers(2, 250)))
        self.planted.append(("ip", ip))
        return ip

    def secret(self, kind: str, value: str) -> str:
        self.planted.append((kind, value))
        return value

    def later(self, seconds: float) -> LogContext:
        self.when = self.when + timedelta(seconds=seconds)
        return self

    @property
    def php8(self) -> bool:
        return not self.php_version.startswith("7")
