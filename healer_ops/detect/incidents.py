"""Cross-site incidents: alerts of many sites that opened together are one incident.

When a hosting server, its database or the network in front of it degrades, its sites
alert at once; when the prober's own network or a shared upstream fails, the whole fleet
does. The per-site alerts stay (they are what is measured and what people act on per
site); an incident (`alert_incidents`) links them, and notifications page once per
incident (healer_ops.notify.outbox).

The rules (`GroupingRules`), applied after each detection write in the same transaction, so
no notification drain ever sees the alerts of an incident before they are grouped:

- a window: alerts opened within `window` (1 hour) of the first alert of a group belong
  together. Alerts open when their trigger window fills, minutes to tens of minutes after
  the problem starts depending on the metric, so sites hit by one cause open within the
  hour; two causes an hour apart stay two incidents.
- fleet first: at least `fleet_min_sites` (10) sites and `fleet_min_share` (30%) of the
  enabled fleet, of which no one known server holds more than `fleet_max_server_share`
  (half), form one 'fleet' incident (sites of unknown server included: a fleet whose
  servers nobody set still gets it). Taken first, so a failure of the prober's network or
  a shared upstream is one incident, not one per server; a burst mostly on one server is
  that server's incident, and the few other sites alerting beside it stay on their own.
- then per server: at least `server_min_sites` (3) sites of one server and
  `server_min_share` (10%) of its enabled sites form one 'server' incident. Three sites of
  one server opening within the hour rarely happens by chance at the alert rates we see
  (about one alert per 30 site-days); the share keeps a few alerts of a very large server
  apart. Sites whose server is unknown are never grouped by server.
- a later alert joins an unresolved incident of its scope whose first alert opened less
  than `window` before it; an incident resolves when its last member resolves (by
  detection or by hand).

Idempotent: an alert keeps its incident once linked, the incident id is a uuid5 of scope,
server and first member's opened_at, and re-running an interval (same alert rows) changes
no row. Alerts a re-run supersedes leave their incident; an incident left empty goes.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.timeutil import minute_text

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://healer-ops/alert-incidents")

# What the sites of an incident do, by alert type, for the summary line.
SYMPTOMS = {"PERFORMANCE_DEGRADATION": "slower", "ERROR_SPIKE": "failing requests",
            "DOWNTIME": "down", "PAGE_SIZE_ANOMALY": "serving wrong pages",
            "SSL_EXPIRY": "with expiring certificates"}


@dataclass(frozen=True)
class GroupingRules:
    window: timedelta = timedelta(hours=1)
    server_min_sites: int = 3
    server_min_share: float = 0.10
    fleet_min_sites: int = 10
    fleet_min_share: float = 0.30
    fleet_max_server_share: float = 0.5


RULES = GroupingRules()


@dataclass(frozen=True)
class Candidate:
    id: int
    site_id: str
    server: str | None
    opened_at: datetime


def incident_id(scope: str, server: str | None, opened_at: datetime) -> str:
    when = opened_at.astimezone(UTC).isoformat()
    return str(uuid.uuid5(NAMESPACE, f"{scope}|{server or ''}|{when}"))


def group_alerts(conn, since: datetime, until: datetime,
                 rules: GroupingRules = RULES) -> dict:
    """Link the alerts opened in [since - window, until) into incidents and refresh every
    incident that may have changed; on the caller's transaction. Returns counts."""
    conn.execute(db.query("incidents_unlink_superseded"))
    with conn.cursor(row_factory=dict_row) as cur:
        candidates = [Candidate(**r) for r in cur.execute(
            db.query("incidents_candidates"),
            {"since": since - rules.window, "until": until}).fetchall()]
        joinable = cur.execute(db.query("incidents_joinable"), {
            "since": since - 2 * rules.window, "until": until}).fetchall() if candidates else []
    sizes = dict(conn.execute(db.query("incidents_fleet_sizes")).fetchall())
    links, new = assign(candidates, joinable, sizes, rules)
    for row in new:
        conn.execute(db.query("incidents_insert"), row)
    if links:
        conn.execute(db.query("incidents_link"), {
            "alert_ids": list(links), "incident_ids": list(links.values())})
    refreshed = refresh(conn, sorted(set(links.values())))
    deleted = conn.execute(db.query("incidents_delete_empty")).rowcount
    return {"incidents_opened": len(new), "alerts_grouped": len(links),
            "incidents_changed": refreshed, "incidents_deleted": deleted}


def assign(candidates: list[Candidate], joinable: list[dict], sizes: dict,
           rules: GroupingRules) -> tuple[dict[int, str], list[dict]]:
    """{alert id: incident id} and the new incidents' rows, for alerts not in an incident."""
    links: dict[int, str] = {}
    for alert in candidates:
        found = _joinable_incident(alert, joinable, rules.window)
        if found:
            links[alert.id] = found
    waiting = [a for a in candidates if a.id not in links]
    new: list[dict] = []
    fleet_size = sum(sizes.values())
    fleet_floor = max(rules.fleet_min_sites, math.ceil(rules.fleet_min_share * fleet_size))
    not_mostly_one_server = partial(_not_mostly_one_server, most=rules.fleet_max_server_share)
    for group in _bursts(waiting, fleet_floor, rules.window, not_mostly_one_server):
        new.append(_new_incident("fleet", None, group, links))
    by_server: dict[str, list[Candidate]] = defaultdict(list)
    for alert in waiting:
        if alert.id not in links and alert.server is not None:
            by_server[alert.server].append(alert)
    for server, alerts in sorted(by_server.items()):
        floor = max(rules.server_min_sites,
                    math.ceil(rules.server_min_share * sizes.get(server, 0)))
        for group in _bursts(alerts, floor, rules.window):
            new.append(_new_incident("server", server, group, links))
    return links, new


def _joinable_incident(alert: Candidate, joinable: list[dict], window: timedelta) -> str | None:
    """The fleet incident, else the incident of the alert's server, whose first alert opened
    less than `window` before this one."""
    for scope in ("fleet", "server"):
        for incident in joinable:
            if (incident["scope"] == scope
                    and (scope == "fleet" or incident["server"] == alert.server)
                    and incident["opened_at"] <= alert.opened_at
                    < incident["opened_at"] + window):
                return incident["id"]
    return None


def _bursts(alerts: list[Candidate], min_sites: int, window: timedelta, accept=None):
    """Groups of alerts (oldest first) opened within `window` of the group's first alert and
    covering at least `min_sites` sites; scanned from each alert in turn, a group taken
    whole. `accept(group)` may refuse a group."""
    alerts = sorted(alerts, key=lambda a: (a.opened_at, a.id))
    start = 0
    while start < len(alerts):
        end = start
        while end < len(alerts) and alerts[end].opened_at < alerts[start].opened_at + window:
            end += 1
        group = alerts[start:end]
        if len({a.site_id for a in group}) >= min_sites and (accept is None or accept(group)):
            yield group
            start = end
        else:
            start += 1


def _not_mostly_one_server(group: list[Candidate], most: float) -> bool:
    """A fleet burst is not mostly one known server's (that is the server's incident, and
    the few other sites alerting beside it are on their own)."""
    sites_of: dict[str, set[str]] = defaultdict(set)
    for alert in group:
        if alert.server is not None:
            sites_of[alert.server].add(alert.site_id)
    largest = max((len(s) for s in sites_of.values()), default=0)
    return largest <= most * len({a.site_id for a in group})


def _new_incident(scope: str, server: str | None, group: list[Candidate],
                  links: dict[int, str]) -> dict:
    opened_at = group[0].opened_at
    new_id = incident_id(scope, server, opened_at)
    for alert in group:
        links[alert.id] = new_id
    return {"id": new_id, "scope": scope, "server": server, "opened_at": opened_at}


def refresh(conn, touched: list[str]) -> int:
    """Recompute the figures and summary of the incidents that may have changed."""
    with conn.cursor(row_factory=dict_row) as cur:
        stats = cur.execute(db.query("incidents_member_stats"), {"touched": touched}).fetchall()
    changed = 0
    for row in stats:
        params = {k: row[k] for k in ("id", "opened_at", "last_seen_at", "resolved_at",
                                      "site_count", "alert_count", "alert_types",
                                      "max_severity")}
        params["summary"] = summary(row)
        changed += conn.execute(db.query("incidents_update"), params).rowcount
    return changed


def summary(row: dict) -> str:
    """"server web-3: 14 sites slower since 2026-12-05 10:05 UTC" (one line)."""
    symptoms = " or ".join(SYMPTOMS.get(t, t.replace("_", " ").lower())
                           for t in row["alert_types"])
    sites = f"{row['site_count']} site{'s' if row['site_count'] != 1 else ''}"
    if row["scope"] == "server":
        text = f"server {row['server']}: {sites} {symptoms}"
    else:
        servers = row["servers"]
        on = f" on {servers} server{'s' if servers != 1 else ''}" if servers else ""
        text = f"fleet: {sites}{on} {symptoms}"
    text += f" since {minute_text(row['opened_at'])}"
    if row["resolved_at"] is not None:
        text += f", resolved {minute_text(row['resolved_at'])}"
    return text
