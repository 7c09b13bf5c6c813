"""Every error of the Healer API as one JSON shape:

    {"error": "not_found", "message": "no alert 42", "status": 404, "details": [...]}

`details` lists the fields of a request that failed validation (422).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 415: "unsupported_media_type",
         422: "invalid_request", 500: "internal_error", 503: "unavailable"}


class ErrorBody(BaseModel):
    error: str
    message: str
    status: int
    details: list[dict] | None = None


ERROR_RESPONSES = {code: {"model": ErrorBody, "description": CODES[code].replace("_", " ")}
                   for code in (401, 403, 422)}
NOT_FOUND = {404: {"model": ErrorBody, "description": "not found"}}
CONFLICT = {409: {"model": ErrorBody, "description": "the action does not apply now"}}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers


def body(status: int, code: str, message: str, details: list | None = None) -> dict:
    out = {"error": code, "message": message, "status": status}
    if details is not None:
        out["details"] = details
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = exc.headers
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
        return JSONResponse(body(exc.status, exc.code, exc.message, exc.details), exc.status,
                            headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(body(exc.status_code, code, message), exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"where": ".".join(str(p) for p in e.get("loc", ())),
                    "problem": e.get("msg", "")} for e in exc.errors()]
        where = "; ".join(f"{d['where']}: {d['problem']}" for d in details)
        return JSONResponse(body(422, "invalid_request", f"invalid request: {where}", details),
                            422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        from psycopg_pool import PoolTimeout

        from healer_ops.analysis.pipeline import safe_error

        if isinstance(exc, PoolTimeout):  # every connection busy, or the database is down
            log.error("Healer API: no database connection: %s", safe_error(exc))
            return JSONResponse(body(503, "unavailable", "the database is unavailable or busy "
                                     "(no connection free in time); see /api/health"), 503)
        log.error("Healer API error: %s", safe_error(exc))
        return JSONResponse(body(500, "internal_error", "internal error (logged by the "
                                 "server)"), 500)
