"""Who is calling the Healer API, and may they read or also write?

People use their Airflow login: the same users and roles as the UI, through the auth
manager's JWT (the `_token` cookie the UI sets, so the fleet page needs no token of its own,
or `Authorization: Bearer <jwt>` from `POST /auth/token`). A user who may view DAGs reads;
one who may edit DAGs (Airflow's User, Op and Admin roles) also writes: acknowledges,
snoozes, resolves, labels, re-analyzes.

Machines use bearer tokens from `healer-ops tokens create` (`hops_...`, stored hashed, scope
`read` or `write`). `HEALER_API_TOKEN`, when set, is one more write-scope token (the
original single-token setup). Airflow does not authenticate plugin apps itself: every route
but /api/health depends on `reader` or `writer`.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from healer_ops.api.errors import ApiError
from healer_ops.settings import get_settings

log = logging.getLogger(__name__)

# airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN
AIRFLOW_COOKIE = "_token"
# The DAG whose permissions stand for the Healer API's (read = view it, write = edit it).
PERMISSION_DAG = "anomaly_detection"

bearer = HTTPBearer(auto_error=False, description="A machine token (`healer-ops tokens "
                    "create`), HEALER_API_TOKEN, or an Airflow JWT (`POST /auth/token`)")
session_cookie = APIKeyCookie(name=AIRFLOW_COOKIE, auto_error=False,
                              description="The Airflow UI's session (its JWT cookie)")


@dataclass(frozen=True)
class Principal:
    name: str      # the Airflow user name, or "token:<name>"
    scope: str     # "read" or "write"
    via: str       # "airflow", "token" or "env-token"


async def principal(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None,
                                           Depends(bearer)] = None,
                    cookie: Annotated[str | None, Depends(session_cookie)] = None) -> Principal:
    header = request.headers.get("authorization")
    if header and credentials is None:
        raise ApiError(401, "unauthorized", "the Authorization header must be 'Bearer <token>'")
    if credentials is not None:
        return await _from_bearer(credentials.credentials)
    if cookie:
        who = await _from_airflow(cookie)
        request.state.cookie_auth = True
        return who
    raise ApiError(401, "unauthorized", "sign in to Airflow, or send 'Authorization: Bearer "
                   "<token>' (a token from `healer-ops tokens create`)")


async def _from_bearer(token: str) -> Principal:
    from healer_ops.operate.tokens import PREFIX, verify_token_on

    if token.startswith(PREFIX):
        from starlette.concurrency import run_in_threadpool

        from healer_ops.api.queries import connection

        def verify() -> dict | None:
            with connection() as conn:
                return verify_token_on(conn, token)

        row = await run_in_threadpool(verify)
        if row is None:
            raise ApiError(401, "unauthorized", "unknown, revoked or expired token")
        return Principal(f"token:{row['name']}", row["scope"], "token")
    expected = get_settings().api_token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return Principal("token:HEALER_API_TOKEN", "write", "env-token")
    return await _from_airflow(token)


async def _from_airflow(token: str) -> Principal:
    manager = airflow_auth_manager()
    if manager is None:
        raise ApiError(401, "unauthorized", "unknown token (no Airflow auth manager here to "
                       "check an Airflow login against)")
    from jwt import ExpiredSignatureError, InvalidTokenError

    try:
        user = await manager.get_user_from_token(token)
    except ExpiredSignatureError as exc:
        raise ApiError(401, "unauthorized", "the Airflow session expired: sign in again"
                       ) from exc
    except InvalidTokenError as exc:
        raise ApiError(401, "unauthorized", "unknown token") from exc
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    details = DagDetails(id=PERMISSION_DAG)
    name = user.get_name()
    if manager.is_authorized_dag(method="PUT", user=user, details=details):
        return Principal(name, "write", "airflow")
    if manager.is_authorized_dag(method="GET", user=user, details=details):
        return Principal(name, "read", "airflow")
    raise ApiError(403, "forbidden", f"Airflow user {name!r} may not view the Healer DAGs")


def airflow_auth_manager():
    """Airflow's auth manager when this process runs one (the api-server), else None."""
    try:
        from airflow.api_fastapi.app import get_auth_manager
    except ImportError:
        return None
    try:
        return get_auth_manager()
    except RuntimeError:  # not initialized: not inside the api-server
        return None


def reader(who: Annotated[Principal, Depends(principal)]) -> Principal:
    return who


def writer(request: Request, who: Annotated[Principal, Depends(principal)]) -> Principal:
    if who.scope != "write":
        raise ApiError(403, "forbidden", f"{who.name} may only read (write scope needed)")
    # A browser sends the session cookie with any form post from any site: a cookie-signed
    # write must be a JSON request, which a cross-site form cannot send.
    content_type = request.headers.get("content-type", "")
    if getattr(request.state, "cookie_auth", False) and not content_type.startswith(
            "application/json"):
        raise ApiError(415, "unsupported_media_type",
                       "writes signed by the Airflow session must send application/json")
    return who


Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
