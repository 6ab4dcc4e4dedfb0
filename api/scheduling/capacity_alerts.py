"""Cases that cannot be visited within the service level: flagged once, with the time, and
handed to a person (a ``no_capacity`` handoff) to arrange the visit."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.insert_once import insert_once
from api.handoffs.reasons import HandoffReason
from api.handoffs.service import open_handoff
from api.scheduling.models import CaseSchedulingFlag

OPENED_BY = "scheduling"
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


class SchedulingFlag(StrEnum):
    NO_CAPACITY = "no_capacity"


async def flagged_at(session: AsyncSession, case_id: int) -> datetime | None:
    query = select(CaseSchedulingFlag.raised_at).where(
        CaseSchedulingFlag.case_id == case_id,
        CaseSchedulingFlag.flag == SchedulingFlag.NO_CAPACITY.value,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def raise_no_capacity(
    session: AsyncSession, case: Case, now: datetime, details: dict[str, Any]
) -> datetime:
    """Flag the case and open a ``no_capacity`` handoff, once; returns when it was flagged.

    An erased consumer has no conversation left to hand over, so only the flag is kept.
    """
    values = {
        "case_id": case.id,
        "flag": SchedulingFlag.NO_CAPACITY.value,
        "raised_at": now,
        "details": details,
    }
    created = await insert_once(session, CaseSchedulingFlag, values, unique_on=("case_id", "flag"))
    if created is None:
        raised_at = await flagged_at(session, case.id)
        assert raised_at is not None  # the insert collided with this row
        return raised_at
    channel_id = case.customer.channel_id
    if _CHANNEL_ID.match(channel_id):
        await open_handoff(
            session,
            conversation_id=channel_id,
            reason=HandoffReason.NO_CAPACITY,
            case_id=case.id,
            summary=_summary(details),
            opened_by=OPENED_BY,
        )
    return now


def _summary(details: dict[str, Any]) -> str:
    area, category = details.get("area"), details.get("category")
    deadline = details.get("service_level_deadline")
    return (
        f"服务时限（{deadline} 前）内没有可预约的上门时段：{category}，{area}。请人工安排上门。\n"
        f"No visit window within the service level (by {deadline}) for {category} in {area}; "
        "please arrange the visit."
    )
