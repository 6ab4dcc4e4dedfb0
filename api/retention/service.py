"""Purging what is kept too long: consumers silent for the retention period, whose cases
have all ended, are anonymised exactly as an erasure request would (see
``api.customers.privacy``): the conversation's texts and the attached files go, the cases
stay for statistics without personal data.

A consumer still in touch (a message or a case update inside the period) or with a case
still running keeps everything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.attachments.storage import BlobStore
from api.cases.models import Case
from api.cases.status import CaseStatus
from api.conversations.models import ConversationMessage
from api.customers.models import Customer
from api.customers.privacy import erase_customer

ENDED = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value, CaseStatus.CANCELLED.value)


async def expired_customers(session: AsyncSession, *, cutoff: datetime, limit: int) -> list[str]:
    """Channel ids of consumers with nothing inside the period and no running case."""
    recent_or_running_case = exists().where(
        Case.customer_id == Customer.id,
        or_(Case.updated_at >= cutoff, Case.status.not_in(ENDED)),
    )
    recent_message = exists().where(
        ConversationMessage.conversation_id == Customer.channel_id,
        ConversationMessage.recorded_at >= cutoff,
    )
    query = (
        select(Customer.channel_id)
        .where(
            Customer.erased_at.is_(None),
            Customer.updated_at < cutoff,
            ~recent_or_running_case,
            ~recent_message,
        )
        .order_by(Customer.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def purge_expired(
    session: AsyncSession, store: BlobStore, *, now: datetime, days: int, limit: int
) -> int:
    """Anonymise up to ``limit`` expired consumers; how many were."""
    if days == 0:
        return 0
    channel_ids = await expired_customers(session, cutoff=now - timedelta(days=days), limit=limit)
    for channel_id in channel_ids:
        await erase_customer(session, channel_id, store)
    return len(channel_ids)
