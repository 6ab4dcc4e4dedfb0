"""Conversation log endpoints: thin HTTP over `api.conversations.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.auth_roles import Role
from api.cases.schemas import MAX_ID
from api.conversations import service
from api.conversations.models import SenderKind
from api.conversations.schemas import MessageCreate, MessageOut, Transcript
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import ChannelIdPath as ConversationIdPath
from api.db import DbSession
from api.errors import ApiError, problem_responses

router = APIRouter(tags=["conversations"])

WRITERS = (Role.ACTIONS, Role.BOT, Role.AGENT)
READERS = (Role.AGENT, Role.SUPERVISOR)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Log a message (idempotent on the channel's message id)",
    responses={
        200: {"model": MessageOut, "description": "The message recorded earlier with this id."},
        **problem_responses(400, 403, 422),
    },
)
async def record_message(
    conversation_id: ConversationIdPath,
    body: MessageCreate,
    response: Response,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*WRITERS)],
) -> MessageOut:
    caller.ensure_may_act_for(conversation_id)
    if caller.role is Role.AGENT and body.sender_kind is not SenderKind.AGENT:
        raise ApiError(
            403,
            "sender_not_allowed",
            "The agent role logs only agents' own messages; the bot logs the others.",
        )
    message, created = await service.record_message(
        session, conversation_id, body, max_text_chars=settings.max_text_chars
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return MessageOut.of(message)


@router.get(
    "/conversations/{conversation_id}/messages",
    summary="The transcript, a page at a time (staff only)",
    responses=problem_responses(403, 422),
)
async def read_transcript(
    conversation_id: ConversationIdPath,
    session: DbSession,
    _: Annotated[Caller, caller_with_roles(*READERS)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only messages older than this id.")
    ] = None,
) -> Transcript:
    messages, next_before = await service.transcript(
        session, conversation_id, limit=limit, before=before
    )
    return Transcript(items=[MessageOut.of(item) for item in messages], next_before=next_before)
