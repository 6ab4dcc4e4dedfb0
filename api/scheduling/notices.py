"""Telling the consumer, through the outbound queue, about a visit someone else changed."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.outbound.models import OutboundKind
from api.outbound.payloads import BilingualText, TextPayload
from api.outbound.service import enqueue_outbound
from api.scheduling.models import Visit

SENDER = "scheduling"
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


def cancelled_with_case_text(visit: Visit, case_id: int, zone: ZoneInfo) -> BilingualText:
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    return BilingualText(
        zh=f"您的工单 {case_id} 已取消，原定 {start.month}月{start.day}日 {hours} 的上门服务也已"
        "一并取消。如仍需帮助，欢迎随时联系我们。",
        en=f"Case {case_id} has been cancelled, and with it the technician visit on "
        f"{start:%d %b} at {hours}. Write to us any time if you still need help.",
    )


async def notify_cancelled_with_case(
    session: AsyncSession, visit: Visit, customer: Customer
) -> None:
    """Queue the notice of a visit cancelled with its case; nothing for an erased consumer."""
    if not _CHANNEL_ID.match(customer.channel_id):
        return
    text = cancelled_with_case_text(visit, visit.case_id, ZoneInfo(customer.timezone))
    await enqueue_outbound(
        session,
        conversation_id=customer.channel_id,
        kind=OutboundKind.VISIT_STATUS,
        payload=TextPayload(text=text),
        dedupe_key=f"visit:{visit.id}:cancelled",
        created_by=SENDER,
    )
