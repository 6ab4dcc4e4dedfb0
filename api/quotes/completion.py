"""A visit's completion checked against its approved quote, and the receipt it sends.

A quoted visit's paid completion may not charge more than the latest approved quote, and
without an approved quote it is refused. A visit that was never quoted is left to the fee
consent given at booking, which scheduling checks (no consent: no fee; never above the fee
consented to). On completion with an approved quote the consumer gets an itemised receipt
through the outbound queue, once.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.outbound.models import OutboundKind
from api.outbound.payloads import TextPayload
from api.outbound.service import enqueue_outbound
from api.quotes import problems
from api.quotes.receipt import receipt_text
from api.quotes.service import has_quotes, latest_approved
from api.scheduling.models import Visit
from api.scheduling.visit_schemas import to_fen

SENDER = "quotes"
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


async def settle_completion(session: AsyncSession, visit: Visit, charged: Decimal | None) -> None:
    """Refuse a fee above the approved quote (409); queue the receipt of an approved quote."""
    charged_fen = 0 if charged is None else to_fen(charged)
    approved = await latest_approved(session, visit.id)
    if charged_fen > 0:
        if approved is None:
            if not await has_quotes(session, visit.id):
                return
            raise problems.quote_not_approved(visit.id, charged_fen)
        if charged_fen > approved.total_fen:
            raise problems.fee_above_approved_quote(charged_fen, approved.total_fen, approved.id)
    if approved is None:
        return
    channel_id = await session.scalar(
        select(Customer.channel_id)
        .join(Case, Case.customer_id == Customer.id)
        .where(Case.id == visit.case_id)
    )
    if channel_id is None or not _CHANNEL_ID.match(channel_id):
        return
    await enqueue_outbound(
        session,
        conversation_id=channel_id,
        kind=OutboundKind.VISIT_STATUS,
        payload=TextPayload(text=receipt_text(approved, visit.id, charged_fen)),
        dedupe_key=f"visit:{visit.id}:receipt",
        created_by=SENDER,
    )
