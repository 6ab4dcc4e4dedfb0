"""The visit reminder the day before: queued with the booking for the evening before the
visit in the consumer's own time zone, withdrawn when the visit moves (a new one is queued for
the new window) or is cancelled. A booking made after that evening gets none: the consumer
has just been told.

Everything happens in the transaction of the booking or change, so a reminder never outlives
the visit it announces, and the queue never leases a withdrawn one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.models import Customer
from api.outbound.models import OutboundItem, OutboundKind
from api.outbound.payloads import BilingualText
from api.outbound.settings import outbound_settings
from api.outbound.status import OutboundEvent, OutboundStatus, next_status
from api.scheduling.models import Visit
from api.scheduling.notices import customer_of_visit, tell, when
from api.surveys.quiet_hours import QuietHours


def reminder_key_prefix(visit: Visit) -> str:
    return f"visit:{visit.id}:reminder:"


def reminder_due(window_start: datetime, zone: ZoneInfo, at: time, quiet: QuietHours) -> datetime:
    """When the reminder of a visit starting at ``window_start`` is due (UTC-aware)."""
    if quiet.is_quiet(at):
        at = (datetime.combine(datetime.min, quiet.starts) - timedelta(hours=1)).time()
    day_before = window_start.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(day_before, at, tzinfo=zone)


def reminder_text(visit: Visit, zone: ZoneInfo) -> BilingualText:
    zh_when, en_when = when(visit, zone)
    return BilingualText(
        zh=f"温馨提醒：明天 {zh_when} 工程师将上门服务（地址：{visit.address}）。工程师会出示"
        "工牌和工号，请核对后再开门。如需改约或取消，直接回复“改约”或“取消预约”即可。",
        en=f"A reminder: the engineer visits you tomorrow, {en_when}, at {visit.address}. They "
        "will show an ID card with their staff number; please check it before you open the "
        "door. To move or cancel the visit, just reply “reschedule” or “cancel”.",
    )


async def remind_of_visit(
    session: AsyncSession, visit: Visit, *, reminder_time: time, now: datetime
) -> None:
    """Queue the reminder of a booked (or just moved) visit."""
    customer = await customer_of_visit(session, visit)
    if customer is None:
        return
    await _queue(session, visit, customer, reminder_time, now)


async def _queue(
    session: AsyncSession, visit: Visit, customer: Customer, at: time, now: datetime
) -> None:
    zone = ZoneInfo(customer.timezone)
    due = reminder_due(visit.window_start, zone, at, outbound_settings().quiet_hours)
    if due <= now:
        return
    # The key names the change too: a visit moved away and back gets a reminder again.
    changed = visit.updated_at.astimezone(ZoneInfo("UTC"))
    key = f"{reminder_key_prefix(visit)}{visit.window_start:%Y%m%dT%H%M}:{changed:%Y%m%dT%H%M%S%f}"
    await tell(
        session,
        customer,
        reminder_text(visit, zone),
        dedupe_key=key,
        kind=OutboundKind.VISIT_REMINDER,
        not_before=due,
    )


async def withdraw_visit_reminders(session: AsyncSession, visit: Visit, *, now: datetime) -> int:
    """Withdraw the visit's reminders not yet sent; how many there were."""
    withdrawn = next_status(OutboundStatus.PENDING, OutboundEvent.WITHDRAW)
    result = await session.execute(
        update(OutboundItem)
        .where(
            OutboundItem.dedupe_key.startswith(reminder_key_prefix(visit), autoescape=True),
            OutboundItem.status == OutboundStatus.PENDING.value,
        )
        .values(status=withdrawn.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
