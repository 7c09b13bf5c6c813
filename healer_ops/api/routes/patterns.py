"""Learned healing patterns: read them (list, one in full, its per-day history for a chart)
and decide on them as a person (approve, reject, pin, revoke, release, edit, rollback), who
and why in the request body. The same functions as `healer-ops patterns ...`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from healer_ops.api.auth import require_token

router = APIRouter(prefix="/api/patterns", tags=["patterns"])
read_access = [Depends(require_token)]
# Writes record a person's decision: move them to the write scope's dependency when the API
# has one (this list is the one place to change).
write_access = [Depends(require_token)]

Action = Literal["approve", "reject", "pin", "revoke", "release"]


class Decision(BaseModel):
    by: str = Field(min_length=1, max_length=200, description="Who decides")
    why: str = Field(min_length=1, max_length=2000, description="Why (kept with it)")


class Edit(Decision):
    commands: list[str] | None = Field(None, description="The new WP-CLI commands, in order")
    use_proposal: bool = Field(False, description="Take the pending proposal instead")
    approve: bool = Field(False, description="Also approve the new version")


class Rollback(Decision):
    to_version: int | None = Field(None, ge=1, description="Default: the previous version")
    approve: bool = Field(False, description="Also approve the restored commands")


def _run(work):
    """Run `work(conn)` in one transaction; people's mistakes as 400/404 with the reason."""
    from healer_ops import db
    from healer_ops.patterns.views import jsonable

    try:
        with db.connect(db.resolve_url("healer_db")) as conn:
            return jsonable(work(conn))
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0]) if exc.args else "not found") from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("", dependencies=read_access)
def list_patterns(state: Annotated[str, Query(pattern="^(all|approved|candidate|review|"
                                                      "rejected|pinned|held)$")] = "all",
                  diagnosis_type: str | None = None,
                  origin: Annotated[str | None, Query(pattern="^(phase1|analysis|person)$")]
                  = None,
                  limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> list[dict]:
    from healer_ops.patterns import views

    return _run(lambda conn: views.list_patterns(conn, state=state,
                                                 diagnosis_type=diagnosis_type,
                                                 origin=origin, limit=limit))


@router.get("/{pattern_id}", dependencies=read_access)
def show_pattern(pattern_id: str) -> dict:
    from healer_ops.patterns import people, views

    return _run(lambda conn: views.show_pattern(conn, people.resolve_pattern_id(conn,
                                                                                pattern_id)))


@router.get("/{pattern_id}/history", dependencies=read_access)
def pattern_history(pattern_id: str,
                    days: Annotated[int, Query(ge=1, le=3650)] = 90,
                    until: datetime | None = None) -> list[dict]:
    """One row per UTC day of the `days` before `until` (default now)."""
    from healer_ops.patterns import people, views
    from healer_ops.timeutil import as_utc

    end = as_utc(until, "until") if until else None
    return _run(lambda conn: views.daily_history(
        conn, people.resolve_pattern_id(conn, pattern_id), days=days, until=end))


@router.post("/{pattern_id}/edit", dependencies=write_access)
def edit_pattern(pattern_id: str, body: Edit) -> dict:
    from healer_ops.patterns import people

    return _run(lambda conn: people.edit(conn, pattern_id, body.commands, body.by, body.why,
                                         use_proposal=body.use_proposal, approve=body.approve))


@router.post("/{pattern_id}/rollback", dependencies=write_access)
def rollback_pattern(pattern_id: str, body: Rollback) -> dict:
    from healer_ops.patterns import people

    return _run(lambda conn: people.rollback(conn, pattern_id, body.to_version, body.by,
                                             body.why, approve=body.approve))


@router.post("/{pattern_id}/{action}", dependencies=write_access)
def decide_pattern(pattern_id: str, action: Action, body: Decision) -> dict:
    from healer_ops.patterns import people

    return _run(lambda conn: people.decide_as_person(conn, pattern_id, action, body.by,
                                                     body.why))
