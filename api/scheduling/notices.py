"""Telling the consumer, through the outbound queue, about a visit someone else changed:
cancelled with its case, the technician on the way (sent even in quiet hours: the consumer
must open the door), or a visit missed."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.outbound.models import OutboundKind
from api.outbound.payloads import BilingualText, TextPayload
from api.outbound.service import enqueue_outbound
from api.scheduling.models import Visit
from api.scheduling.visit_status import VisitStatus

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
    text = cancelled_with_case_text(visit, visit.case_id, ZoneInfo(customer.timezone))
    await tell(session, customer, text, dedupe_key=f"visit:{visit.id}:cancelled")


async def tell(
    session: AsyncSession,
    customer: Customer,
    text: BilingualText,
    *,
    dedupe_key: str,
    urgent: bool | None = None,
    kind: OutboundKind = OutboundKind.VISIT_STATUS,
    not_before: datetime | None = None,
) -> None:
    """Queue ``text`` for the consumer; nothing for an erased consumer."""
    if not _CHANNEL_ID.match(customer.channel_id):
        return  # an erased consumer: nobody to tell
    await enqueue_outbound(
        session,
        conversation_id=customer.channel_id,
        kind=kind,
        payload=TextPayload(text=text),
        dedupe_key=dedupe_key,
        not_before=not_before,
        created_by=SENDER,
        urgent=urgent,
    )


async def customer_of_visit(session: AsyncSession, visit: Visit) -> Customer | None:
    return await session.scalar(
        select(Customer).join(Case, Case.customer_id == Customer.id).where(Case.id == visit.case_id)
    )


def when(visit: Visit, zone: ZoneInfo) -> tuple[str, str]:
    """The visit's day and window in ``zone``: the Chinese and the English wording."""
    start, end = visit.window_start.astimezone(zone), visit.window_end.astimezone(zone)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    return f"{start.month}月{start.day}日 {hours}", f"{start:%d %b}, {hours}"


def en_route_text(visit: Visit, zone: ZoneInfo) -> BilingualText:
    technician = visit.technician
    zh_when, en_when = when(visit, zone)
    return BilingualText(
        zh=f"技术员{technician.name}（工号 {technician.staff_number}）已出发，前往您处进行"
        f"预约的上门服务（{zh_when}）。开门前请核对其工牌上的工号。",
        en=f"Technician {technician.name} (staff number {technician.staff_number}) is on the "
        f"way for your visit ({en_when}). Please check the staff number on their ID card "
        "before you open the door.",
    )


def no_show_text(visit: Visit, zone: ZoneInfo) -> BilingualText:
    zh_when, en_when = when(visit, zone)
    return BilingualText(
        zh=f"技术员按约于 {zh_when} 上门，未能见到您。如需重新预约，直接告诉我“改约”即可。",
        en=f"The technician came for your visit ({en_when}) but could not reach you. Tell me "
        "“reschedule” to book another time.",
    )


async def notify_visit_status(session: AsyncSession, visit: Visit, status: VisitStatus) -> None:
    """Queue the notice of a technician on the way or a missed visit (``visit.technician``
    loaded); other statuses, and an erased consumer, get none."""
    if status not in (VisitStatus.EN_ROUTE, VisitStatus.NO_SHOW):
        return
    customer = await customer_of_visit(session, visit)
    if customer is None:
        return
    zone = ZoneInfo(customer.timezone)
    en_route = status is VisitStatus.EN_ROUTE
    await tell(
        session,
        customer,
        en_route_text(visit, zone) if en_route else no_show_text(visit, zone),
        dedupe_key=f"visit:{visit.id}:{status.value}:{visit.window_start:%Y%m%dT%H%M}",
        urgent=en_route,
    )
