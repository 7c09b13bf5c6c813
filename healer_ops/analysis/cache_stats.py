"""What the analysis cache holds and saves: one function that the API, the report and the demo
share, so the figure is the same wherever it is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from healer_ops import db
from healer_ops.timeutil import as_utc

DEFAULT_PERIOD = timedelta(days=30)


def cache_stats(conn, since=None, until=None) -> dict:
    """Entries now, and over [since, until) (default: the last 30 days): analyses, cache hits,
    hit rate, and the tokens and dollars the hits saved and the misses spent."""
    until = as_utc(until, "until") if until is not None else datetime.now(UTC)
    since = as_utc(since, "since") if since is not None else until - DEFAULT_PERIOD
    if since >= until:
        raise ValueError(f"since ({since.isoformat()}) must be before until "
                         f"({until.isoformat()})")
    cur = conn.execute(db.query("cache_stats"), {"since": since, "until": until})
    row = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
    analyses, hits = row["analyses"], row["hits"]
    return {
        "since": since.isoformat(), "until": until.isoformat(),
        "entries": row["entries"], "live_entries": row["live_entries"],
        "analyses": analyses, "hits": hits, "misses": analyses - hits,
        "hit_rate": round(hits / analyses, 4) if analyses else None,
        "tokens_saved": int(row["tokens_saved"]), "usd_saved": float(row["usd_saved"]),
        "tokens_spent": int(row["tokens_spent"]), "usd_spent": float(row["usd_spent"]),
    }
