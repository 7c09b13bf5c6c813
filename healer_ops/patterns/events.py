"""A pattern's life, one row per event (healing_pattern_events): who did what and why."""

from __future__ import annotations

from datetime import datetime


def record_event(conn, pattern_id, version: int, event: str, actor: str, reason: str,
                 at: datetime) -> None:
    """Record one event; automation's events carry the run's as_of, so a re-run adds none."""
    from healer_ops import db

    conn.execute(db.query("patterns_event_insert"), {
        "pattern_id": pattern_id, "version": version, "event": event, "actor": actor,
        "reason": reason, "at": at})
