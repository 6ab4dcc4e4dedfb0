"""A posted quote reaches the consumer at once: the dialogue engine presents it and asks for
approval (``EXTERNAL_quote_ready``), urgent because the technician is waiting at the door."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.outbound.models import OutboundKind
from api.outbound.payloads import IntentPayload
from api.outbound.service import enqueue_outbound
from api.quotes.models import Quote

QUOTE_READY = "EXTERNAL_quote_ready"
SENDER = "quotes.ready"
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


async def announce_quote(session: AsyncSession, quote: Quote, case: Case) -> None:
    customer = await session.get(Customer, case.customer_id)
    if customer is None or not _CHANNEL_ID.match(customer.channel_id):
        return  # an erased consumer: nobody to ask
    await enqueue_outbound(
        session,
        conversation_id=customer.channel_id,
        kind=OutboundKind.CASE_UPDATE,
        payload=IntentPayload(
            intent=QUOTE_READY, entities={"quote_id": quote.id, "visit_id": quote.visit_id}
        ),
        dedupe_key=f"quote:{quote.id}:ready",
        created_by=SENDER,
        urgent=True,
    )
