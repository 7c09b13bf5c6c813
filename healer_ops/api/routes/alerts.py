"""Predictive alerts for people: the filtered, paged list, one alert with its history, and
the lifecycle writes (acknowledge, snooze, resolve, reopen, label)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from healer_ops.api.auth import Reader, Writer
from healer_ops.api.errors import CONFLICT, ERROR_RESPONSES, NOT_FOUND, ApiError
from healer_ops.api.models import ActionResult, AlertDetail, AlertPage
from healer_ops.api.queries import connection, database_url, one, page
from healer_ops.detect.alerts import ALERT_TYPES, SEVERITIES

router = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=ERROR_RESPONSES)

AlertId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the alert's id")]
StateFilter = Literal["open", "acknowledged", "snoozed", "resolved", "superseded", "all"]


@router.get("", response_model=AlertPage)
def list_alerts(
    _who: Reader,
    status: Annotated[StateFilter, Query(description="open (open, acknowledged and snoozed), "
                                         "one state, or all")] = "open",
    severity: Annotated[list[Literal[SEVERITIES]] | None, Query(
        description="only these severities (repeat the parameter)")] = None,
    min_severity: Annotated[Literal[SEVERITIES] | None, Query(
        description="this severity and above")] = None,
    alert_type: Annotated[Literal[ALERT_TYPES] | None, Query(alias="type")] = None,
    site_id: UUID | None = None,
    since: Annotated[AwareDatetime | None, Query(description="opened at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="opened before")] = None,
    labelled: Annotated[bool | None, Query(description="only labelled (true) or unlabelled "
                                           "(false) alerts")] = None,
    incident_id: Annotated[UUID | None, Query(description="only the members of this "
                                              "incident")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    if since and until and since >= until:
        raise ApiError(422, "invalid_request", "since must be before until")
    severities = list(severity) if severity else None
    if min_severity:
        floor = SEVERITIES[SEVERITIES.index(min_severity):]
        severities = [s for s in (severities or SEVERITIES) if s in floor]
    return page("api_alerts", {
        "state": status, "severities": severities, "alert_type": alert_type,
        "site_id": site_id and str(site_id), "since": since, "until": until, "labelled": labelled,
        "incident_id": incident_id and str(incident_id), "limit": limit, "offset": offset})


@router.get("/{alert_id}", response_model=AlertDetail, responses=NOT_FOUND)
def get_alert(alert_id: AlertId, _who: Reader) -> dict:
    from healer_ops.operate.lifecycle import actions_of

    alert = _alert_or_404(alert_id)
    with connection() as conn:
        alert["actions"] = actions_of(conn, alert_id)
    return alert


class Note(BaseModel):
    note: str | None = Field(None, max_length=2000, description="why (kept in the history)")


class Snooze(Note):
    until: AwareDatetime | None = Field(None, description="snooze until this time")
    minutes: float | None = Field(None, gt=0, le=30 * 24 * 60,
                                  description="or for this many minutes")


class Label(Note):
    label: bool = Field(description="true: a real problem; false: a false alarm")


def _act(alert_id: int, action: str, who, **kwargs) -> dict:
    from healer_ops.operate.lifecycle import AlertNotFound, LifecycleError, act

    try:
        result = act(database_url(), alert_id, action, actor=who.name, **kwargs)
    except AlertNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except LifecycleError as exc:
        status = 422 if exc.bad_argument else 409
        raise ApiError(status, "invalid_request" if exc.bad_argument else "conflict",
                       str(exc)) from exc
    return {**result, "alert": _alert_or_404(alert_id)}


def _alert_or_404(alert_id: int) -> dict:
    alert = one("api_alert", {"id": alert_id})
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return alert


WRITE = {"response_model": ActionResult, "responses": {**NOT_FOUND, **CONFLICT}}
OptionalNote = Annotated[Note | None, Body()]


@router.post("/{alert_id}/acknowledge", **WRITE)
async def acknowledge(alert_id: AlertId, who: Writer, body: OptionalNote = None) -> dict:
    """Someone is on it (who and when are kept); notifications go on."""
    return await run_in_threadpool(_act, alert_id, "acknowledge", who,
                                   note=body and body.note)


@router.post("/{alert_id}/unacknowledge", **WRITE)
async def unacknowledge(alert_id: AlertId, who: Writer, body: OptionalNote = None) -> dict:
    return await run_in_threadpool(_act, alert_id, "unacknowledge", who,
                                   note=body and body.note)


@router.post("/{alert_id}/snooze", **WRITE)
async def snooze(alert_id: AlertId, who: Writer, body: Snooze) -> dict:
    """No notification about this alert until then (at most 30 days)."""
    return await run_in_threadpool(_act, alert_id, "snooze", who, until=body.until,
                                   minutes=body.minutes, note=body.note)


@router.post("/{alert_id}/unsnooze", **WRITE)
async def unsnooze(alert_id: AlertId, who: Writer, body: OptionalNote = None) -> dict:
    return await run_in_threadpool(_act, alert_id, "unsnooze", who, note=body and body.note)


@router.post("/{alert_id}/resolve", **WRITE)
async def resolve(alert_id: AlertId, who: Writer, body: OptionalNote = None) -> dict:
    """Resolved by hand: stays resolved while detection still sees the same episode; a new
    problem opens a new alert."""
    return await run_in_threadpool(_act, alert_id, "resolve", who, note=body and body.note)


@router.post("/{alert_id}/reopen", **WRITE)
async def reopen(alert_id: AlertId, who: Writer, body: OptionalNote = None) -> dict:
    """Undo a resolve by hand (an alert detection resolved cannot be reopened)."""
    return await run_in_threadpool(_act, alert_id, "reopen", who, note=body and body.note)


@router.put("/{alert_id}/label", **WRITE)
async def label(alert_id: AlertId, who: Writer, body: Label) -> dict:
    """A real problem (true) or a false alarm (false): alert precision in the report."""
    return await run_in_threadpool(_act, alert_id, "label", who, label=body.label,
                                   note=body.note)


@router.delete("/{alert_id}/label", **WRITE)
async def unlabel(alert_id: AlertId, who: Writer) -> dict:
    return await run_in_threadpool(_act, alert_id, "unlabel", who)

