"""Where sites live: `wp_sites.server`, the hosting server / node of each site (NULL =
unknown), which groups alerts into server incidents (healer_ops.detect.incidents).

Healer owns `wp_sites`; HealerOps only sets this one column, from a CSV of domain,server
(`healer-ops sites set-server --csv FILE`) or one pair at a time. An empty server clears it
(unknown). Every domain must exist: a file with an unknown domain or a bad line changes
nothing and says which line.
"""

from __future__ import annotations

import csv
from pathlib import Path

from healer_ops import db

MAX_SERVER_CHARS = 200


class SiteServerError(ValueError):
    """Bad input for set-server (the message names the line or the domain)."""


def read_server_csv(path: Path) -> list[tuple[str, str | None]]:
    """(domain, server or None) pairs from a CSV with a `domain,server` header line (or
    without a header: two columns per line)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SiteServerError(f"{path}: {exc.strerror or exc}") from exc
    pairs: list[tuple[str, str | None]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if number == 1 and [c.strip().lower() for c in row] == ["domain", "server"]:
            continue
        if len(row) != 2:
            raise SiteServerError(f"{path} line {number}: expected 2 columns (domain,server), "
                                  f"found {len(row)}")
        domain, server = check_pair(row[0], row[1], f"{path} line {number}")
        if domain in seen:
            raise SiteServerError(f"{path} line {number}: {domain} is already on line "
                                  f"{seen[domain]}")
        seen[domain] = number
        pairs.append((domain, server))
    if not pairs:
        raise SiteServerError(f"{path}: no domain,server lines")
    return pairs


def check_pair(domain: str, server: str | None, where: str) -> tuple[str, str | None]:
    domain, server = domain.strip().lower(), (server or "").strip()
    if not domain:
        raise SiteServerError(f"{where}: empty domain")
    if len(server) > MAX_SERVER_CHARS or any(ch.isspace() or not ch.isprintable()
                                             for ch in server):
        raise SiteServerError(f"{where}: server {server[:40]!r} must be one printable word "
                              f"of at most {MAX_SERVER_CHARS} characters")
    return domain, server or None


def set_servers(url: str | None, pairs: list[tuple[str, str | None]]) -> dict:
    """Set each domain's server in one transaction; refuses all if a domain is unknown.
    Returns {sites, changed, servers}."""
    domains = [d for d, _ in pairs]
    with db.connect(url) as conn:
        known = {r[0] for r in conn.execute(db.query("sites_known_domains"),
                                            {"domains": domains}).fetchall()}
        unknown = [d for d in domains if d not in known]
        if unknown:
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            raise SiteServerError(f"no site with domain {unknown[0]}{more} in wp_sites; "
                                  "nothing changed")
        changed = conn.execute(db.query("sites_set_server"), {
            "domains": domains, "servers": [s for _, s in pairs]}).rowcount
        conn.commit()
    return {"sites": len(pairs), "changed": changed,
            "servers": len({s for _, s in pairs if s is not None})}
