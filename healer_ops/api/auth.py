"""Authentication of the Healer API: a bearer token (HEALER_API_TOKEN).

Airflow does not authenticate plugin apps: every /api route except /api/health depends on
`require_token`; with no token configured the API refuses all data requests rather than
serving them openly.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Header, HTTPException

from healer_ops.settings import get_settings


def require_token(authorization: Annotated[str | None, Header()] = None) -> None:
    expected = get_settings().api_token
    if not expected:
        raise HTTPException(503, "the Healer API is disabled: set HEALER_API_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
