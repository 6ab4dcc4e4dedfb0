"""Recording messages (idempotently on the channel's message id) and reading transcripts.

Recording a message also tells the domains that care: an inbound message means the consumer
can be reached again (`api.outbound`), and an agent's first outbound message is the first
response of the conversation's open handoff (`api.handoffs`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.attachments.models import CaseAttachment
from api.cases.models import Case
from api.conversations.models import ConversationMessage, Direction, SenderKind
from api.conversations.schemas import MessageCreate
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.insert_once import insert_once
from api.customers.models import Customer
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import invalid_field
from api.handoffs.service import note_agent_reply
from api.outbound.service import mark_reachable
from api.settings import ApiSettings

DEFAULT_MAX_TEXT_CHARS: int = ApiSettings.model_fields["max_text_chars"].default
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


def channel_of(conversation_id: str) -> str:
    """The channel a conversation runs on: the prefix of its id (``tg``, ``web``)."""
    if not _CHANNEL_ID.match(conversation_id):
        raise invalid_field(
            "path.conversation_id",
            "invalid_conversation_id",
            f"{conversation_id!r} is not a channel identity such as tg:123 or web:abc.",
        )
    return conversation_id.split(":", 1)[0]


async def record_message(
    session: AsyncSession,
    conversation_id: str,
    message: MessageCreate,
    *,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> tuple[ConversationMessage, bool]:
    """Log a message; returns it and whether it is new (False: the channel's message id was
    recorded before, and the first recording is returned unchanged)."""
    channel = channel_of(conversation_id)
    ensure_within_limit("body.text", message.text, max_text_chars)
    if message.attachment_id is not None:
        await _ensure_attachment_of(session, message.attachment_id, conversation_id)
    now = utc_now()
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "channel": channel,
        "direction": message.direction.value,
        "sender_kind": message.sender_kind.value,
        "agent_id": message.agent_id,
        "text": message.text,
        "attachment_id": message.attachment_id,
        "channel_message_id": message.channel_message_id,
        "sent_at": message.sent_at,
        "recorded_at": now,
    }
    message_id = await insert_once(
        session,
        ConversationMessage,
        values,
        unique_on=("conversation_id", "channel", "channel_message_id"),
    )
    if message_id is None:
        return await _by_channel_message_id(session, conversation_id, channel, message), False
    if message.direction is Direction.IN:
        await mark_reachable(session, conversation_id)
    elif message.sender_kind is SenderKind.AGENT:
        await note_agent_reply(session, conversation_id, now)
    recorded = await session.get_one(ConversationMessage, message_id)
    return recorded, True


async def transcript(
    session: AsyncSession, conversation_id: str, *, limit: int, before: int | None = None
) -> tuple[list[ConversationMessage], int | None]:
    """The ``limit`` latest messages (older than message ``before``), oldest first, and the
    ``before`` value of the page older than this one (None when there is none)."""
    query = select(ConversationMessage).where(
        ConversationMessage.conversation_id == conversation_id
    )
    if before is not None:
        query = query.where(ConversationMessage.id < before)
    query = query.order_by(ConversationMessage.id.desc()).limit(limit + 1)
    newest_first = list((await session.execute(query)).scalars())
    page = newest_first[:limit]
    older = page[-1].id if len(newest_first) > limit else None
    return list(reversed(page)), older


async def _by_channel_message_id(
    session: AsyncSession, conversation_id: str, channel: str, message: MessageCreate
) -> ConversationMessage:
    found = await session.execute(
        select(ConversationMessage).where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.channel == channel,
            ConversationMessage.channel_message_id == message.channel_message_id,
        )
    )
    return found.scalar_one()


async def _ensure_attachment_of(
    session: AsyncSession, attachment_id: int, conversation_id: str
) -> None:
    owner = await session.execute(
        select(Customer.channel_id)
        .join(Case, Case.customer_id == Customer.id)
        .join(CaseAttachment, CaseAttachment.case_id == Case.id)
        .where(CaseAttachment.id == attachment_id)
    )
    if owner.scalar_one_or_none() != conversation_id:
        # Another consumer's attachment is reported like a missing one: ids reveal nothing.
        raise invalid_field(
            "body.attachment_id",
            "attachment_not_found",
            f"No attachment {attachment_id} belongs to the consumer of {conversation_id}.",
        )


async def erase_conversation_messages(
    session: AsyncSession, conversation_id: str, anonymous_id: str, *, marker: str
) -> int:
    """Part of erasing a consumer: every text becomes ``marker`` and the conversation id
    ``anonymous_id``; the messages' number, direction and times stay for statistics."""
    result = await session.execute(
        update(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .values(
            conversation_id=anonymous_id,
            text=case((ConversationMessage.text.is_(None), None), else_=marker),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
