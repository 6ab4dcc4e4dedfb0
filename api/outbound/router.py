"""Outbound queue endpoints: thin HTTP over `api.outbound.service`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from api.auth import require_roles
from api.auth_roles import Role
from api.cases.schemas import MAX_ID
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.db import DbSession
from api.errors import problem_responses
from api.outbound import service
from api.outbound.schemas import (
    AckRequest,
    FailRequest,
    LeasedItemOut,
    LeaseOut,
    LeaseRequest,
    OutboundCreate,
    OutboundOut,
    OutboundPage,
    UnblockOut,
    UnblockRequest,
)
from api.outbound.settings import OutboundSettings, outbound_settings
from api.outbound.status import OutboundStatus
from api.query_params import parse_code_list

router = APIRouter(tags=["outbound"])

ENQUEUERS = (Role.AGENT, Role.BACKEND)
READERS = (Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
WORKERS = (Role.BOT,)

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Outbound item id.")]
OutboundConfig = Annotated[OutboundSettings, Depends(outbound_settings)]


@router.post(
    "/outbound",
    status_code=status.HTTP_201_CREATED,
    summary="Queue a message for the bot to deliver (deduplicated by dedupe_key)",
    description="Every item but an urgent one waits for the end of the consumer's quiet "
    "hours (21:00–09:00 in their time zone by default): its `not_before` is moved there. "
    "Urgent: an `agent_reply` while the conversation's handoff is queued or claimed, and a "
    "`visit_status` intent whose `visit_status` entity is `en_route`.",
    responses={
        200: {"model": OutboundOut, "description": "The item queued earlier with this key."},
        **problem_responses(403, 422),
    },
)
async def enqueue(
    body: OutboundCreate,
    response: Response,
    session: DbSession,
    settings: Settings,
    config: OutboundConfig,
    caller: Annotated[Caller, caller_with_roles(*ENQUEUERS)],
) -> OutboundOut:
    item, created = await service.enqueue_outbound(
        session,
        conversation_id=body.conversation_id,
        kind=body.kind,
        payload=body.payload,
        dedupe_key=body.dedupe_key,
        not_before=body.not_before,
        created_by=caller.actor_id or caller.role.value,
        max_text_chars=settings.max_text_chars,
        quiet_hours=config.quiet_hours,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return OutboundOut.of(item)


@router.get(
    "/outbound",
    summary="Queued and past outbound items, newest first",
    responses=problem_responses(403, 422),
)
async def list_outbound(
    session: DbSession,
    _: Annotated[Role, require_roles(*READERS)],
    conversation_id: Annotated[ChannelId | None, Query(description=CHANNEL_ID_DESCRIPTION)] = None,
    status_filter: Annotated[
        str | None,
        Query(alias="status", max_length=100, description="Comma-separated statuses."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboundPage:
    items = await service.list_items(
        session,
        conversation_id=conversation_id,
        statuses=_parse_statuses(status_filter),
        limit=limit,
    )
    return OutboundPage(items=[OutboundOut.of(item) for item in items])


@router.get(
    "/outbound/{item_id}",
    summary="One outbound item",
    responses=problem_responses(403, 404),
)
async def get_outbound(
    item_id: ItemId, session: DbSession, _: Annotated[Role, require_roles(*READERS)]
) -> OutboundOut:
    return OutboundOut.of(await service.get_item(session, item_id))


@router.post(
    "/outbound/lease",
    summary="Lease due items for delivery; an item is never leased to two workers at once",
    responses=problem_responses(403, 422),
)
async def lease(
    body: LeaseRequest,
    session: DbSession,
    config: OutboundConfig,
    _: Annotated[Role, require_roles(*WORKERS)],
) -> LeaseOut:
    items = await service.lease_items(
        session,
        worker_id=body.worker_id,
        limit=body.limit,
        lease_for=timedelta(seconds=body.lease_seconds),
        max_attempts=config.max_attempts,
        quiet_hours=config.quiet_hours,
        channel=body.channel,
        conversation_ids=body.conversation_ids,
    )
    return LeaseOut(items=[LeasedItemOut.of(item) for item in items])


@router.post(
    "/outbound/unblock",
    summary="The consumer wrote again: deliver to the conversation again",
    responses=problem_responses(403, 422),
)
async def unblock(
    body: UnblockRequest, session: DbSession, _: Annotated[Role, require_roles(*WORKERS)]
) -> UnblockOut:
    was_unreachable = await service.mark_reachable(session, body.conversation_id)
    return UnblockOut(conversation_id=body.conversation_id, was_unreachable=was_unreachable)


@router.post(
    "/outbound/{item_id}/ack",
    summary="Report the item delivered",
    responses=problem_responses(403, 404, 409, 422),
)
async def ack(
    item_id: ItemId,
    body: AckRequest,
    session: DbSession,
    _: Annotated[Role, require_roles(*WORKERS)],
) -> OutboundOut:
    return OutboundOut.of(await service.ack_item(session, item_id, lease_token=body.lease_token))


@router.post(
    "/outbound/{item_id}/fail",
    summary="Report a failed delivery (retried with backoff, failed, or undeliverable)",
    responses=problem_responses(403, 404, 409, 422),
)
async def fail(
    item_id: ItemId,
    body: FailRequest,
    session: DbSession,
    config: OutboundConfig,
    _: Annotated[Role, require_roles(*WORKERS)],
) -> OutboundOut:
    item = await service.fail_item(
        session,
        item_id,
        lease_token=body.lease_token,
        error=body.error,
        permanent=body.permanent,
        blocked=body.blocked,
        policy=config.retry_policy,
        quiet_hours=config.quiet_hours,
    )
    return OutboundOut.of(item)


def _parse_statuses(raw: str | None) -> list[OutboundStatus]:
    if raw is None:
        return []
    return parse_code_list(raw, OutboundStatus, field="query.status")
