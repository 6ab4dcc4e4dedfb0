"""Handoff endpoints: thin HTTP over `api.handoffs.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth_roles import Role
from api.cases.schemas import MAX_ID
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.customers.identity import ChannelIdPath as ConversationIdPath
from api.db import DbSession, utc_now
from api.errors import problem_responses
from api.handoffs import service
from api.handoffs.models import Handoff
from api.handoffs.presenter import present_handoff
from api.handoffs.schemas import (
    AgentId,
    AgentRequest,
    ClaimRequest,
    CloseRequest,
    HandoffCreate,
    HandoffOut,
    HandoffPage,
)
from api.handoffs.settings import HandoffSettings, handoff_settings
from api.handoffs.status import OPEN_STATUSES, HandoffStatus
from api.query_params import parse_code_list

router = APIRouter(tags=["handoffs"])

CONSUMER_SIDE = (Role.ACTIONS, Role.BOT)
STAFF = (Role.AGENT, Role.SUPERVISOR)
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})

HandoffId = Annotated[int, Path(ge=1, le=MAX_ID, description="Handoff id.")]
HandoffConfig = Annotated[HandoffSettings, Depends(handoff_settings)]


@router.post(
    "/handoffs",
    status_code=status.HTTP_201_CREATED,
    summary="Queue a conversation for an agent (one open handoff per conversation)",
    responses={
        200: {"model": HandoffOut, "description": "The conversation's open handoff."},
        **problem_responses(400, 403, 409, 422),
    },
)
async def open_handoff(
    body: HandoffCreate,
    response: Response,
    session: DbSession,
    settings: Settings,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*CONSUMER_SIDE, *STAFF)],
) -> HandoffOut:
    caller.ensure_may_act_for(body.conversation_id)
    handoff, created = await service.open_handoff(
        session,
        conversation_id=body.conversation_id,
        reason=body.reason,
        case_id=body.case_id,
        priority=body.priority,
        summary=body.summary,
        opened_by=_actor(caller),
        max_text_chars=settings.max_text_chars,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await _with_expected_wait(session, handoff, config)


@router.get(
    "/handoffs",
    summary="The agents' queue: most urgent first, then the oldest",
    responses=problem_responses(403, 422),
)
async def list_handoffs(
    session: DbSession,
    config: HandoffConfig,
    _: Annotated[Caller, caller_with_roles(*STAFF)],
    status_filter: Annotated[
        str | None,
        Query(
            alias="status",
            max_length=100,
            description="Comma-separated statuses; default `queued,claimed`.",
            examples=["queued"],
        ),
    ] = None,
    conversation_id: Annotated[ChannelId | None, Query(description=CHANNEL_ID_DESCRIPTION)] = None,
    agent_id: Annotated[AgentId | None, Query(description="Only this agent's claims.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HandoffPage:
    handoffs = await service.list_handoffs(
        session,
        statuses=_parse_statuses(status_filter),
        conversation_id=conversation_id,
        agent_id=agent_id,
        limit=limit,
        offset=offset,
    )
    now = utc_now()
    return HandoffPage(items=[present_handoff(item, config, now) for item in handoffs])


@router.get(
    "/handoffs/{handoff_id}",
    summary="One handoff (consumer roles: only their own conversation's)",
    responses=problem_responses(400, 403, 404),
)
async def get_handoff(
    handoff_id: HandoffId,
    session: DbSession,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*CONSUMER_SIDE, *STAFF)],
) -> HandoffOut:
    handoff = await service.get_handoff(session, handoff_id, conversation_id=caller.customer)
    return await _with_expected_wait(session, handoff, config)


@router.get(
    "/conversations/{conversation_id}/handoff",
    summary="The conversation's open handoff, else its latest one",
    responses=problem_responses(400, 403, 404),
)
async def get_conversation_handoff(
    conversation_id: ConversationIdPath,
    session: DbSession,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*CONSUMER_SIDE, *STAFF)],
) -> HandoffOut:
    caller.ensure_may_act_for(conversation_id)
    handoff = await service.current_handoff(session, conversation_id)
    return await _with_expected_wait(session, handoff, config)


@router.post(
    "/handoffs/{handoff_id}/claim",
    summary="Claim a queued handoff; of concurrent claims exactly one wins",
    responses=problem_responses(403, 404, 409, 422),
)
async def claim_handoff(
    handoff_id: HandoffId,
    body: ClaimRequest,
    session: DbSession,
    config: HandoffConfig,
    _: Annotated[Caller, caller_with_roles(*STAFF)],
) -> HandoffOut:
    handoff = await service.claim_handoff(
        session, handoff_id, agent_id=body.agent_id, agent_name=body.agent_name
    )
    return present_handoff(handoff, config, utc_now())


@router.post(
    "/handoffs/{handoff_id}/release",
    summary="Put a claimed handoff back in the queue (its holder, or a supervisor)",
    responses=problem_responses(403, 404, 409, 422),
)
async def release_handoff(
    handoff_id: HandoffId,
    body: AgentRequest,
    session: DbSession,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*STAFF)],
) -> HandoffOut:
    handoff = await service.release_handoff(
        session,
        handoff_id,
        agent_id=body.agent_id,
        override_holder=caller.role in OVERRIDE_ROLES,
    )
    return present_handoff(handoff, config, utc_now())


@router.post(
    "/handoffs/{handoff_id}/first-response",
    summary="Record the agent's first answer to the consumer (the first time is kept)",
    responses=problem_responses(403, 404, 409, 422),
)
async def record_first_response(
    handoff_id: HandoffId,
    body: AgentRequest,
    session: DbSession,
    config: HandoffConfig,
    _: Annotated[Caller, caller_with_roles(*STAFF)],
) -> HandoffOut:
    handoff = await service.record_first_response(session, handoff_id, agent_id=body.agent_id)
    return present_handoff(handoff, config, utc_now())


@router.post(
    "/handoffs/{handoff_id}/resolve",
    summary="Close as handled and hand the conversation back to the bot",
    responses=problem_responses(403, 404, 409, 422),
)
async def resolve_handoff(
    handoff_id: HandoffId,
    body: CloseRequest,
    session: DbSession,
    settings: Settings,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*STAFF)],
) -> HandoffOut:
    handoff = await service.resolve_handoff(
        session,
        handoff_id,
        agent_id=body.agent_id,
        note=body.note,
        override_holder=caller.role in OVERRIDE_ROLES,
        max_text_chars=settings.max_text_chars,
    )
    return present_handoff(handoff, config, utc_now())


@router.post(
    "/handoffs/{handoff_id}/cancel",
    summary="Close as no longer needed",
    responses=problem_responses(403, 404, 409, 422),
)
async def cancel_handoff(
    handoff_id: HandoffId,
    body: CloseRequest,
    session: DbSession,
    settings: Settings,
    config: HandoffConfig,
    caller: Annotated[Caller, caller_with_roles(*STAFF)],
) -> HandoffOut:
    handoff = await service.cancel_handoff(
        session,
        handoff_id,
        agent_id=body.agent_id,
        note=body.note,
        override_holder=caller.role in OVERRIDE_ROLES,
        max_text_chars=settings.max_text_chars,
    )
    return present_handoff(handoff, config, utc_now())


async def _with_expected_wait(
    session: AsyncSession, handoff: Handoff, config: HandoffSettings
) -> HandoffOut:
    zone = await service.consumer_timezone(session, handoff.conversation_id)
    return present_handoff(
        handoff, config, utc_now(), with_expected_wait=True, consumer_timezone=zone
    )


def _actor(caller: Caller) -> str:
    return f"{caller.role.value}:{caller.actor_id}" if caller.actor_id else caller.role.value


def _parse_statuses(raw: str | None) -> list[HandoffStatus]:
    if raw is None:
        return sorted(OPEN_STATUSES)
    return parse_code_list(raw, HandoffStatus, field="query.status")
