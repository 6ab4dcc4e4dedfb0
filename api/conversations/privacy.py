"""Erasing a consumer's conversation: the log, handoffs, outbound queue and surveys.

Customer erasure calls `erase_conversation` with the consumer's channel identity (which is
the conversation id) and the anonymous id that replaces it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations.service import erase_conversation_messages
from api.handoffs.service import erase_conversation_handoffs
from api.outbound.service import erase_conversation_items
from api.surveys.privacy import erase_conversation_surveys


@dataclass(frozen=True, slots=True)
class ConversationErasure:
    messages: int
    handoffs: int
    outbound_items: int
    surveys: int


async def erase_conversation(
    session: AsyncSession, conversation_id: str, anonymous_id: str, *, marker: str
) -> ConversationErasure:
    """Replace the conversation's free text by ``marker`` and its id by ``anonymous_id``;
    stop anything still waiting for an agent or for delivery."""
    return ConversationErasure(
        messages=await erase_conversation_messages(
            session, conversation_id, anonymous_id, marker=marker
        ),
        handoffs=await erase_conversation_handoffs(
            session, conversation_id, anonymous_id, marker=marker
        ),
        outbound_items=await erase_conversation_items(
            session, conversation_id, anonymous_id, marker=marker
        ),
        surveys=await erase_conversation_surveys(
            session, conversation_id, anonymous_id, marker=marker
        ),
    )
