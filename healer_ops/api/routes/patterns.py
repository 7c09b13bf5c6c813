"""Learned healing patterns: read them (list, one in full, its per-day history for a chart)
and decide on them as a person (approve, reject, pin, revoke, release, edit, rollback), who
and why recorded. The same functions as `healer-ops patterns ...`.

Who decides: the Airflow user signed in; a machine token's call names the person in `by`
(else the token's name is recorded). Reads need the read scope, decisions the write scope.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from healer_ops.api.auth import Principal, Reader, Writer
from healer_ops.api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError, ErrorBody

router = APIRouter(prefix="/api/patterns", tags=["patterns"], responses=ERROR_RESPONSES)

BAD_REQUEST = {400: {"model": ErrorBody, "description": "the decision cannot be made as asked"}}
PatternId = Annotated[str, Path(min_length=4, max_length=36, pattern="^[0-9a-fA-F-]+$",
                                description="the pattern's id, or a unique prefix of it")]
State = Literal["all", "approved", "candidate", "review", "rejected", "pinned", "held"]


class Decision(BaseModel):
    why: str = Field(min_length=1, max_length=2000, description="Why (kept with it)")
    by: str | None = Field(None, max_length=200, description="Who decides, for a machine "
                           "token's call (an Airflow user is recorded by name)")


class Edit(Decision):
    commands: list[str] | None = Field(None, description="The new WP-CLI commands, in order")
    use_proposal: bool = Field(False, description="Take the pending proposal instead")
    approve: bool = Field(False, description="Also approve the new version")


class Rollback(Decision):
    to_version: int | None = Field(None, ge=1, description="Default: the previous version")
    approve: bool = Field(False, description="Also approve the restored commands")


def _who(principal: Principal, body: Decision) -> str:
    if principal.via == "airflow" or not body.by:
        return principal.name
    return body.by


async def _run(work):
    """Run `work(conn)` in one transaction (off the event loop); people's mistakes as
    400/404 JSON errors with the reason."""
    from healer_ops.api.queries import connection
    from healer_ops.patterns.views import jsonable

    def unit():
        with connection() as conn:
            return jsonable(work(conn))

    try:
        return await run_in_threadpool(unit)
    except KeyError as exc:
        raise ApiError(404, "not_found", str(exc.args[0]) if exc.args else "not found"
                       ) from exc
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc


@router.get("")
async def list_patterns(_who: Reader, state: State = "all",
                        diagnosis_type: Annotated[str | None, Query(max_length=40)] = None,
                        origin: Literal["phase1", "analysis", "person"] | None = None,
                        limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> list[dict]:
    """Patterns, those waiting for a person first."""
    from healer_ops.patterns import views

    return await _run(lambda conn: views.list_patterns(
        conn, state=state, diagnosis_type=diagnosis_type, origin=origin, limit=limit))


@router.get("/{pattern_id}", responses=NOT_FOUND)
async def show_pattern(pattern_id: PatternId, _who: Reader) -> dict:
    """One pattern: its state and decision, every version with its stats, its error
    signatures and its events."""
    from healer_ops.patterns import people, views

    return await _run(lambda conn: views.show_pattern(
        conn, people.resolve_pattern_id(conn, pattern_id)))


@router.get("/{pattern_id}/history", responses=NOT_FOUND)
async def pattern_history(pattern_id: PatternId, _who: Reader,
                          days: Annotated[int, Query(ge=1, le=3650)] = 90,
                          until: AwareDatetime | None = None) -> list[dict]:
    """One row per UTC day of the `days` before `until` (default now): uses, successes,
    failures, and the version's success rate, Wilson lower bound and rolling rate."""
    from healer_ops.patterns import people, views

    return await _run(lambda conn: views.daily_history(
        conn, people.resolve_pattern_id(conn, pattern_id), days=days, until=until))


def _decision_route(action: str, summary: str):
    async def decide(pattern_id: PatternId, body: Decision, who: Writer) -> dict:
        from healer_ops.patterns import people

        by = _who(who, body)
        return await _run(lambda conn: people.decide_as_person(conn, pattern_id, action, by,
                                                               body.why))
    decide.__name__ = f"{action}_pattern"
    decide.__doc__ = summary
    router.post(f"/{{pattern_id}}/{action}", responses={**NOT_FOUND, **BAD_REQUEST})(decide)


for _action, _summary in (
        ("approve", "Approve the pattern to run unattended; automation never revokes it."),
        ("reject", "Reject the pattern: never auto-approved."),
        ("pin", "Freeze the pattern's approval and commands against automation."),
        ("revoke", "Take the approval away; automation will not give it back."),
        ("release", "Hand the pattern back to automation.")):
    _decision_route(_action, _summary)


@router.post("/{pattern_id}/edit", responses={**NOT_FOUND, **BAD_REQUEST})
async def edit_pattern(pattern_id: PatternId, body: Edit, who: Writer) -> dict:
    """New commands (or the pending proposal) as a new version."""
    from healer_ops.patterns import people

    by = _who(who, body)
    return await _run(lambda conn: people.edit(conn, pattern_id, body.commands, by, body.why,
                                               use_proposal=body.use_proposal,
                                               approve=body.approve))


@router.post("/{pattern_id}/rollback", responses={**NOT_FOUND, **BAD_REQUEST})
async def rollback_pattern(pattern_id: PatternId, body: Rollback, who: Writer) -> dict:
    """Restore an earlier version's commands (default: the previous one) as a new version."""
    from healer_ops.patterns import people

    by = _who(who, body)
    return await _run(lambda conn: people.rollback(conn, pattern_id, body.to_version, by,
                                                   body.why, approve=body.approve))
