"""Case endpoints: thin HTTP over `api.cases.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.auth_roles import Role
from api.cases import service
from api.cases.actors import Actor
from api.cases.attachments.router import router as attachments_router
from api.cases.schemas import (
    MAX_ID,
    CaseCreate,
    CaseDetailOut,
    CaseOut,
    CasePage,
    CasePatch,
    TransitionRequest,
)
from api.cases.status import CaseStatus
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.db import DbSession, utc_now
from api.errors import problem_responses
from api.query_params import parse_code_list
from api.scheduling.case_end import move_case

router = APIRouter(tags=["cases"])
router.include_router(attachments_router)

CREATORS = (Role.ACTIONS, Role.BOT, Role.AGENT)
EDITORS = (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
READERS = EDITORS


CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="Case id.")]


def actor_of(caller: Caller) -> Actor:
    return Actor(role=caller.role, id=caller.actor_id)


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    summary="Open a case (idempotent with idempotency_key)",
    responses={
        200: {"model": CaseDetailOut, "description": "The case created earlier with this key."},
        **problem_responses(400, 403, 409, 422),
    },
)
async def create_case(
    body: CaseCreate,
    session: DbSession,
    settings: Settings,
    response: Response,
    caller: Annotated[Caller, caller_with_roles(*CREATORS)],
) -> CaseDetailOut:
    caller.ensure_may_act_for(body.customer)
    case, created = await service.create_case(
        session, body, actor_of(caller), max_text_chars=settings.max_text_chars
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return CaseDetailOut.of(case)


@router.get(
    "/cases",
    summary="List cases, newest first",
    responses=problem_responses(400, 403, 422),
)
async def list_cases(
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
    customer: Annotated[ChannelId | None, Query(description=CHANNEL_ID_DESCRIPTION)] = None,
    status_filter: Annotated[
        str | None,
        Query(
            alias="status",
            max_length=200,
            description="Comma-separated statuses, e.g. `open,troubleshooting`.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CasePage:
    if customer is not None:
        caller.ensure_may_act_for(customer)
    cases, next_cursor = await service.list_cases(
        session,
        customer=caller.customer or customer,
        statuses=_parse_statuses(status_filter),
        limit=limit,
        cursor=cursor,
    )
    return CasePage(items=[CaseOut.of(case) for case in cases], next_cursor=next_cursor)


@router.get(
    "/cases/{case_id}",
    summary="A case with its status history",
    responses=problem_responses(400, 404),
)
async def get_case(
    case_id: CaseId, session: DbSession, caller: Annotated[Caller, caller_with_roles(*READERS)]
) -> CaseDetailOut:
    return CaseDetailOut.of(await service.get_case(session, case_id, customer=caller.customer))


@router.patch(
    "/cases/{case_id}",
    summary="Change the intake fields of a case that is not closed or cancelled",
    responses=problem_responses(400, 404, 409, 422),
)
async def update_case(
    case_id: CaseId,
    body: CasePatch,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*EDITORS)],
) -> CaseDetailOut:
    case = await service.update_case(
        session,
        case_id,
        body,
        customer=caller.customer,
        max_text_chars=settings.max_text_chars,
    )
    return CaseDetailOut.of(case)


@router.post(
    "/cases/{case_id}/transitions",
    summary="Move a case to another status (cancelling cancels its visits)",
    description="Cancelling a case cancels its booked and en-route visits with it; a case "
    "cannot be resolved or closed while a visit is booked, en route or started (409 "
    "`case_has_active_visit`), nor cancelled while its visit is started (409 "
    "`visit_in_progress`).",
    responses=problem_responses(400, 404, 409, 422),
)
async def transition_case(
    case_id: CaseId,
    body: TransitionRequest,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*EDITORS)],
) -> CaseDetailOut:
    case = await move_case(
        session,
        case_id,
        body.to,
        actor_of(caller),
        note=body.note,
        customer=caller.customer,
        now=utc_now(),
        max_text_chars=settings.max_text_chars,
    )
    return CaseDetailOut.of(case)


def _parse_statuses(raw: str | None) -> list[CaseStatus]:
    if not raw:
        return []
    return parse_code_list(raw, CaseStatus, field="query.status", allow_empty=True)
