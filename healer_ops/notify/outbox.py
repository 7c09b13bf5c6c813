"""The alert notification outbox: queue each qualifying alert event once per channel, then
deliver what is due, with retries, quiet hours and a per-site minimum interval.

`queue_events` (SQL only, idempotent): a notice per channel the first time an open alert
reaches a notifying severity (opened, or escalated), and one 'resolved' notice when an
alert people were told about is resolved (by detection or by hand). The outbox's unique key
(alert, event, channel) is what makes each notice once, however often detection re-runs.
Snoozed alerts' notices are recorded as suppressed, never sent.

Incidents (healer_ops.detect.incidents): the notices of an incident's member alerts go out
as ONE message per incident and channel; once an incident was announced on a channel, its
later members' raises are suppressed there (not paged separately), and the members'
'resolved' notices wait for the incident's end, told once when its last member resolves.
Alerts in no incident are told per site, as before.

`deliver`: claims the due notices (SKIP LOCKED), holds back those inside quiet hours
(except CRITICAL) or inside their site's minimum interval (they go out together later, in
one message), sends one message per site (or incident) and channel, and records the
outcome: sent, or retried with exponential backoff (1, 2, 4, ... minutes, at most an hour)
until `notify_max_attempts`, then failed. A delivery failure never raises: the summary says what
failed. Exactly once per channel, except if the process dies between a receiver accepting
a message and the outbox recording it: then the claim goes stale and the message is sent
again (at least once).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg.rows import dict_row

from healer_ops import db
from healer_ops.notify.channels import Channel, configured_channels, send
from healer_ops.notify.messages import alert_message, incident_message
from healer_ops.settings import Settings, get_settings

log = logging.getLogger(__name__)

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
CLAIM_LIMIT = 500
MAX_BACKOFF = timedelta(hours=1)
INCIDENT_SITES_LISTED = 20  # sites named in an incident's message (then "and N more")


def notifying_severities(minimum: str) -> list[str]:
    if minimum.upper() not in SEVERITIES:
        raise ValueError(f"HEALER_NOTIFY_MIN_SEVERITY {minimum!r}: expected one of "
                         f"{', '.join(SEVERITIES)}")
    return list(SEVERITIES[SEVERITIES.index(minimum.upper()):])


def queue_events(url: str | None, *, settings: Settings | None = None,
                 now: datetime | None = None) -> dict:
    """Queue the notices of every alert event not queued yet; counts by kind."""
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    channels = [c.name for c in configured_channels(settings)]
    if not channels:
        return {"channels": [], "queued_raised": 0, "queued_resolved": 0, "suppressed": 0,
                "suppressed_in_incidents": 0}
    with db.connect(url) as conn:
        suppressed = conn.execute(db.query("notify_suppress_stale")).rowcount
        raised = conn.execute(db.query("notify_queue_raised"), {
            "severities": notifying_severities(settings.notify_min_severity),
            "channels": channels,
            "fresh_after": now - timedelta(hours=settings.notify_fresh_hours)}).rowcount
        resolved = conn.execute(db.query("notify_queue_resolved"),
                                {"channels": channels}).rowcount
        in_incidents = conn.execute(db.query("notify_suppress_incident_members")).rowcount
    return {"channels": channels, "queued_raised": raised, "queued_resolved": resolved,
            "suppressed": suppressed, "suppressed_in_incidents": in_incidents}


def deliver(url: str | None, *, settings: Settings | None = None,
            now: datetime | None = None, sender=send) -> dict:
    """Send the due notices; {sent, messages, deferred, retrying, failed, errors}."""
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    channels = {c.name: c for c in configured_channels(settings)}
    with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        ids = [r["id"] for r in cur.execute(db.query("notify_claim_due"),
                                            {"limit": CLAIM_LIMIT}).fetchall()]
        conn.commit()
        notices = cur.execute(db.query("notify_claimed_details"), {"ids": ids}).fetchall()
    summary = {"claimed": len(ids), "sent": 0, "messages": 0, "deferred": 0, "retrying": 0,
               "failed": 0, "errors": []}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for notice in notices:  # one message per incident, else per site
        groups[(notice["channel"], notice["incident_id"] or notice["site_id"])].append(notice)
    link_base = settings.notify_link_base or _airflow_base_url()
    for (channel_name, _incident_or_site), group in groups.items():
        channel = channels.get(channel_name)
        if channel is None:  # a channel removed from the settings: keep its notices waiting
            _defer(url, group, now + MAX_BACKOFF, "channel not configured", counted=False)
            summary["deferred"] += len(group)
            continue
        hold_until = _hold_until(group, settings, now)
        if hold_until is not None:
            _defer(url, group, hold_until, None, counted=False)
            summary["deferred"] += len(group)
            continue
        _send_group(url, channel, group, link_base, settings, now, sender, summary)
    summary["errors"] = sorted(set(summary["errors"]))[:5]
    return summary


def _send_group(url, channel: Channel, group: list[dict], link_base, settings, now, sender,
                summary: dict) -> None:
    from healer_ops.analysis.pipeline import safe_error

    incident = group[0]["incident_id"]
    if incident:
        with db.connect(url) as conn:
            conn.execute(db.query("notify_set_incident"),
                         {"ids": [n["id"] for n in group], "incident_id": incident})
            sites = conn.execute(db.query("notify_incident_sites"), {
                "incident_id": incident, "limit": INCIDENT_SITES_LISTED}).fetchall()
        message = incident_message(group, sites, link_base)
    else:
        message = alert_message(group, link_base)
    try:
        sender(channel, message)
    except Exception as exc:  # delivery failures are retried, never raised
        error = safe_error(exc)
        attempts = max(n["attempts"] for n in group)
        give_up = attempts >= settings.notify_max_attempts
        backoff = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
        _defer(url, group, now + backoff, f"{channel.name}: {error}", counted=True,
               give_up=give_up)
        summary["failed" if give_up else "retrying"] += len(group)
        summary["errors"].append(f"{channel.describe()}: {error}")
        log.warning("notice to %s failed (attempt %d%s): %s", channel.describe(), attempts,
                    ", giving up" if give_up else "", error)
        return
    with db.connect(url) as conn:
        conn.execute(db.query("notify_mark_sent"), {"ids": [n["id"] for n in group]})
    summary["sent"] += len(group)
    summary["messages"] += 1


def _hold_until(group: list[dict], settings: Settings, now: datetime) -> datetime | None:
    """When a site's (or an incident's) notices may go out, if not now: after quiet hours
    (CRITICAL raises never wait for them), after the group wait of a raise of a site on a
    known server (`notify_group_wait_minutes`: the next detection runs may make it part of
    an incident, then told in the incident's message), or after the site's minimum interval
    since its last message (neither for an incident's message)."""
    urgent = any(n["severity"] == "CRITICAL" and n["event"] != "resolved" for n in group)
    if settings.notify_quiet_hours and not urgent:
        end = quiet_until(settings.notify_quiet_hours, settings.notify_timezone, now)
        if end is not None:
            return end
    if group[0]["incident_id"]:  # an incident's message is not one site's
        return None
    wait = timedelta(minutes=settings.notify_group_wait_minutes)
    if wait and group[0]["server"] is not None:  # other sites of its server may join it
        first_raise = min((n["created_at"] for n in group if n["event"] != "resolved"),
                          default=None)
        if first_raise is not None and now < first_raise + wait:
            return first_raise + wait
    last = group[0]["site_last_sent_at"]
    interval = timedelta(minutes=settings.notify_site_min_interval_minutes)
    if last is not None and interval and now - last < interval:
        return last + interval
    return None


def quiet_until(spec: str, timezone: str, now: datetime) -> datetime | None:
    """The end of the quiet hours `spec` ("22:00-07:00", local to `timezone`) if `now` is
    inside them, else None."""
    try:
        start_text, end_text = spec.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        zone = ZoneInfo(timezone)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"HEALER_NOTIFY_QUIET_HOURS {spec!r} / HEALER_NOTIFY_TIMEZONE "
                         f"{timezone!r}: expected HH:MM-HH:MM and an IANA zone") from exc
    local = now.astimezone(zone)
    clock = local.time()
    inside = (start <= clock < end) if start <= end else (clock >= start or clock < end)
    if not inside or start == end:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _defer(url, group: list[dict], until: datetime, reason: str | None, *, counted: bool,
           give_up: bool = False) -> None:
    with db.connect(url) as conn:
        conn.execute(db.query("notify_defer"), {
            "ids": [n["id"] for n in group], "next_attempt_at": until, "reason": reason,
            "count_attempt": counted, "give_up": give_up})


def outbox_counts(url: str | None) -> list[tuple[str, str, int]]:
    with db.connect(url) as conn:
        return [tuple(r) for r in conn.execute(db.query("notify_outbox_counts")).fetchall()]


def _airflow_base_url() -> str | None:
    try:
        from airflow.configuration import conf
    except ImportError:
        return None
    return conf.get("api", "base_url", fallback=None) or None
