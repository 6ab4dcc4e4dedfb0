"""One pass over the cases still being worked: each one quiet for longer than its state
allows gets a progress message to its consumer (through the outbound queue, so quiet hours
apply) and a ``case.quiet`` event for the company's systems, where the case's owner is.

"Quiet" counts from the later of the case's last change and its last progress message, so a
case that stays in one state is told about again only after another full period.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.cases.status import CaseStatus
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.outbound.models import OutboundItem, OutboundKind
from api.outbound.payloads import BilingualText, TextPayload
from api.outbound.service import enqueue_outbound
from api.outbox.service import EventType, record_event
from api.progress.settings import ProgressSettings

SENDER = "progress"
WORKED_STATUSES = (
    CaseStatus.OPEN,
    CaseStatus.TROUBLESHOOTING,
    CaseStatus.AWAITING_VISIT,
    CaseStatus.VISIT_BOOKED,
    CaseStatus.IN_REPAIR,
    CaseStatus.ESCALATED,
)
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)
_STAGES: dict[CaseStatus, BilingualText] = {
    CaseStatus.OPEN: BilingualText(
        zh="我们已收到您的报修，正在处理。", en="we have your report and are working on it."
    ),
    CaseStatus.TROUBLESHOOTING: BilingualText(
        zh="我们在等您告诉我们排查步骤的结果；如果问题还在，回复“预约上门”即可安排工程师。",
        en="we are waiting to hear how the troubleshooting steps went; if the fault is still "
        "there, reply “book a visit” and we will send an engineer.",
    ),
    CaseStatus.AWAITING_VISIT: BilingualText(
        zh="我们正在为您安排上门服务，安排好后会第一时间通知您。",
        en="we are arranging the engineer's visit and will tell you as soon as it is set.",
    ),
    CaseStatus.VISIT_BOOKED: BilingualText(
        zh="上门服务已预约，工程师会按约定时间上门，前一天我们会再提醒您。",
        en="your visit is booked; the engineer comes as agreed, and we will remind you the "
        "day before.",
    ),
    CaseStatus.IN_REPAIR: BilingualText(
        zh="您的产品正在维修中，有进展会第一时间通知您。",
        en="your product is being repaired; we will tell you as soon as there is news.",
    ),
    CaseStatus.ESCALATED: BilingualText(
        zh="您的问题已交由专人处理，我们会尽快答复您。",
        en="a specialist is looking into your case and will answer you as soon as possible.",
    ),
}


def progress_text(case_id: int, status: CaseStatus) -> BilingualText:
    stage = _STAGES[status]
    return BilingualText(
        zh=f"工单 {case_id} 进展：{stage.zh}如有疑问，直接回复即可，也可以回复“人工”。",
        en=f"Case {case_id} update: {stage.en} Questions? Just reply, or write “agent”.",
    )


def _key_prefix(case_id: int) -> str:
    return f"case:{case_id}:progress:"


async def send_progress_updates(
    session: AsyncSession, *, now: datetime, settings: ProgressSettings
) -> int:
    """Tell the consumers of quiet cases where their case stands; how many were told."""
    last_told = (
        select(func.max(OutboundItem.created_at))
        .where(
            OutboundItem.dedupe_key.like(
                literal("case:") + cast(Case.id, String) + literal(":progress:%")
            )
        )
        .scalar_subquery()
    )
    quietest = func.coalesce(last_told, Case.updated_at)
    rows = await session.execute(
        select(Case, Customer, last_told)
        .join(Customer, Customer.id == Case.customer_id)
        .where(Case.status.in_([status.value for status in WORKED_STATUSES]))
        .where(Case.updated_at <= now - timedelta(hours=_shortest(settings)))
        .order_by(quietest)
        .limit(settings.batch_size)
    )
    told = 0
    for case, customer, told_at in rows.all():
        status = CaseStatus(case.status)
        quiet_since = max(case.updated_at, told_at) if told_at is not None else case.updated_at
        if now - quiet_since < timedelta(hours=settings.quiet_hours_allowed(status)):
            continue
        if not _CHANNEL_ID.match(customer.channel_id):
            continue  # an erased consumer
        # Keyed by the quiet spell, so two replicas' passes over the same case make one message.
        _, new = await enqueue_outbound(
            session,
            conversation_id=customer.channel_id,
            kind=OutboundKind.CASE_UPDATE,
            payload=TextPayload(text=progress_text(case.id, status)),
            dedupe_key=f"{_key_prefix(case.id)}{quiet_since:%Y%m%dT%H%M%S.%f}",
            created_by=SENDER,
        )
        if not new:
            continue
        record_event(
            session,
            EventType.CASE_QUIET,
            f"case:{case.id}",
            {
                "case_id": case.id,
                "status": status.value,
                "quiet_since": quiet_since.isoformat(),
                "consumer_told_at": now.isoformat(),
            },
        )
        told += 1
    return told


def _shortest(settings: ProgressSettings) -> float:
    return min(settings.quiet_hours_allowed(status) for status in WORKED_STATUSES)
