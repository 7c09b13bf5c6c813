"""The demo fleet's sites: varied install paths, versions, healing modes and the profile
their metrics follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from healer_ops.devkit.fleet.seeding import stable_uuid, stream

_PATH_STYLES = (
    "/var/www/{name}/public_html",
    "/home/{user}/public_html",
    "/var/www/vhosts/{domain}/httpdocs",
    "/home/{user}/domains/{domain}/public_html",
    "/srv/www/{domain}/htdocs",
    "/var/www/html/{name}",
    "/home/{user}/webapps/{name}",
    "/home/{user}/www/{name}",
)
_WP_VERSIONS = ("6.4.5", "6.5.5", "6.6.2", "6.7.1", "6.7.2", "6.8", "6.8.1", "6.8.2")
_PHP_VERSIONS = ("7.4", "8.0", "8.1", "8.1", "8.2", "8.2", "8.3")
_USER_STEMS = ("acme", "blue", "north", "ivy", "maple", "delta", "orbit", "pixel", "sunny",
               "coral", "zen", "harbor", "atlas", "cedar", "nova", "lumen")


@dataclass(frozen=True)
class Site:
    index: int
    id: str
    domain: str
    url: str
    path: str
    https: bool
    wp_version: str
    php_version: str
    healing_mode: str
    blacklisted_plugins: tuple[str, ...]
    created_at: datetime
    # metric profile
    base_response_ms: float
    daily_amplitude: float
    peak_hour_utc: float
    weekend_factor: float
    noise_sigma: float
    ttfb_ratio: float
    page_size_bytes: float
    cert_expires_at: datetime | None
    db_user: str = field(repr=False, default="")
    server: str = ""                # the hosting server: SITES_PER_SERVER sites each, in order


SITES_PER_SERVER = 10


def server_of(index: int) -> str:
    """web-1 holds sites 1-10, web-2 sites 11-20, ...: by number, drawing nothing from the
    generator's streams (the fleet's metrics and incidents do not change)."""
    return f"web-{(index - 1) // SITES_PER_SERVER + 1}"


def make_sites(count: int, seed: int, end: datetime,
               url_template: str | None = None) -> list[Site]:
    """`count` sites with varied install paths, versions, modes and metric profiles."""
    rng = stream(seed, "sites")
    sites = []
    for i in range(1, count + 1):
        name = f"site-{i:03d}"
        domain = f"{name}.example.test"
        user = f"{_USER_STEMS[rng.integers(len(_USER_STEMS))]}{rng.integers(10, 999)}"
        https = bool(rng.random() < 0.9)
        scheme = "https" if https else "http"
        url = (url_template.format(domain=domain, name=name, index=i) if url_template
               else f"{scheme}://{domain}/")
        path = _PATH_STYLES[rng.integers(len(_PATH_STYLES))].format(
            name=name, user=user, domain=domain)
        extra_blacklist = ("elementor-pro",) if rng.random() < 0.1 else ()
        sites.append(Site(
            index=i,
            id=str(stable_uuid("site", domain)),
            domain=domain,
            url=url,
            path=path,
            https=https,
            wp_version=_WP_VERSIONS[rng.integers(len(_WP_VERSIONS))],
            php_version=_PHP_VERSIONS[rng.integers(len(_PHP_VERSIONS))],
            healing_mode=("MANUAL", "SEMI_AUTO", "FULL_AUTO")[rng.choice(3, p=[.2, .5, .3])],
            blacklisted_plugins=("woocommerce", "woocommerce-*", *extra_blacklist),
            created_at=end - timedelta(days=float(rng.uniform(200, 2500))),
            base_response_ms=float(rng.lognormal(np.log(420), 0.45)),
            daily_amplitude=float(rng.uniform(0.15, 0.6)),
            peak_hour_utc=float(rng.uniform(0, 24)),
            weekend_factor=float(rng.uniform(0.8, 1.15)),
            noise_sigma=float(rng.uniform(0.06, 0.18)),
            ttfb_ratio=float(rng.uniform(0.3, 0.75)),
            page_size_bytes=float(rng.lognormal(np.log(90_000), 0.7)),
            cert_expires_at=(end + timedelta(days=float(rng.uniform(40, 330)))).replace(
                microsecond=0) if https else None,
            db_user=f"{user}_wp{rng.integers(1, 99)}",
            server=server_of(i),
        ))
    return sites
