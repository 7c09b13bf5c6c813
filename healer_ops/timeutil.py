"""Times as HealerOps handles them: timezone-aware datetimes in UTC, everywhere.

Every boundary that takes a time (CLI options, DAG params, data intervals, function
arguments) goes through `as_utc`, so a naive value means UTC and a bad one is refused with
the name of what was wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value, name: str = "time") -> datetime:
    """A timezone-aware UTC datetime from a datetime (pandas Timestamps included) or an ISO
    8601 string; naive values and strings without a zone are UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{name}: {value!r} is not an ISO 8601 date/time") from exc
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise TypeError(f"{name}: expected a datetime or ISO string, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def minute_text(value) -> str:
    """A time for people, to the minute in UTC: "2026-12-05 10:05 UTC"."""
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
