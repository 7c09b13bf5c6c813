"""Bearer tokens of machines for the Healer API (people sign in through Airflow).

A token is `hops_` + 43 URL-safe characters (32 random bytes), shown once when created;
the database keeps its SHA-256 (a fast hash is enough for a random 256-bit secret: nothing
to brute-force), its first characters to recognize it, its scope (`read` or `write`), who
created it, when it expires and when it was last used.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from healer_ops import db

PREFIX = "hops_"
SCOPES = ("read", "write")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class TokenError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(url: str | None, name: str, scope: str, *, created_by: str,
                 expires_days: float | None = None) -> dict:
    """A new token: its row plus `token`, the secret (shown this once)."""
    if not NAME.match(name or ""):
        raise TokenError(f"token name {name!r}: 1-64 letters, digits, '_', '.', '@' or '-'")
    if scope not in SCOPES:
        raise TokenError(f"scope {scope!r}: expected one of {', '.join(SCOPES)}")
    if expires_days is not None and expires_days <= 0:
        raise TokenError("expires_days must be positive")
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = (datetime.now(UTC) + timedelta(days=expires_days)) if expires_days else None
    try:
        with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(db.query("token_create"), {
                "name": name, "token_hash": token_hash(token), "prefix": token[:9],
                "scope": scope, "created_by": created_by, "expires_at": expires_at}).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise TokenError(f"a token named {name!r} exists already (revoke it or pick another "
                         "name)") from exc
    return {**row, "token": token}


def list_tokens(url: str | None) -> list[dict]:
    with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(db.query("token_list")).fetchall()


def revoke_token(url: str | None, name: str) -> dict:
    with db.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(db.query("token_revoke"), {"name": name}).fetchone()
    if row is None:
        raise TokenError(f"no token named {name!r}")
    return row


def verify_token(url: str | None, token: str) -> dict | None:
    """{name, scope} of a live token, or None (unknown, revoked or expired)."""
    if not token.startswith(PREFIX):
        return None
    with db.connect(url, autocommit=True) as conn:
        return verify_token_on(conn, token)


def verify_token_on(conn, token: str) -> dict | None:
    """verify_token on an open connection (the API's pooled one)."""
    if not token.startswith(PREFIX):
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(db.query("token_verify"), {"token_hash": token_hash(token)}
                           ).fetchone()
