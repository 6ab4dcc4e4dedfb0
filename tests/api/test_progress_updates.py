"""A case quiet for longer than its state allows gets a progress message to its consumer and
a ``case.quiet`` event; told once per period, never about a case that ended, moved on or whose
consumer was erased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.models import Customer
from api.outbound.models import OutboundItem
from api.outbox.models import OutboxEvent
from api.progress.service import send_progress_updates
from api.progress.settings import ProgressSettings

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai: no quiet hours
SETTINGS = ProgressSettings()


async def _case(session: AsyncSession, channel_id: str, status: str, quiet: timedelta) -> int:
    customer = Customer(channel_id=channel_id, created_at=NOW - quiet, updated_at=NOW - quiet)
    session.add(customer)
    await session.flush()
    case = Case(
        customer_id=customer.id,
        status=status,
        service_mode="onsite",
        created_at=NOW - quiet,
        updated_at=NOW - quiet,
    )
    session.add(case)
    await session.flush()
    return case.id


async def _told(app: FastAPI) -> list[OutboundItem]:
    async with app.state.session_factory() as session:
        found = await session.scalars(
            select(OutboundItem).where(OutboundItem.created_by == "progress")
        )
        return list(found.all())


async def _pass(app: FastAPI, now: datetime) -> int:
    with time_machine.travel(now, tick=False):
        async with app.state.session_factory() as session, session.begin():
            return await send_progress_updates(session, now=now, settings=SETTINGS)


async def test_quiet_cases_are_told_where_they_stand_once_per_period(api_app: FastAPI) -> None:
    async with api_app.state.session_factory() as session, session.begin():
        arranging = await _case(session, "tg:9101", "awaiting_visit", timedelta(hours=25))
        await _case(session, "tg:9102", "awaiting_visit", timedelta(hours=23))
        await _case(session, "tg:9103", "in_repair", timedelta(hours=48))
        booked_far = await _case(session, "tg:9104", "visit_booked", timedelta(hours=73))
        await _case(session, "tg:9105", "resolved", timedelta(days=30))
        await _case(session, "erased:9106", "open", timedelta(days=5))

    first = await _pass(api_app, NOW)
    again = await _pass(api_app, NOW + timedelta(minutes=30))
    next_period = await _pass(api_app, NOW + timedelta(hours=25))

    told = await _told(api_app)
    assert (first, again) == (2, 0)
    assert sorted(item.conversation_id for item in told[:2]) == ["tg:9101", "tg:9104"]
    arranging_text = next(i for i in told if i.conversation_id == "tg:9101").payload["text"]
    assert arranging_text["zh"].startswith(f"工单 {arranging} 进展：我们正在为您安排上门服务")
    assert arranging_text["en"].startswith(f"Case {arranging} update: we are arranging")
    # A day later: the case being arranged again, the one quiet for 23 h and the repair that
    # has now been quiet 73 h; the visit booked far ahead waits for its 72 h.
    assert next_period == 3
    async with api_app.state.session_factory() as session:
        events = (
            await session.scalars(
                select(OutboxEvent.subject).where(OutboxEvent.event_type == "case.quiet")
            )
        ).all()
    assert f"case:{booked_far}" in events and len(events) == 5


async def test_a_case_that_moved_on_is_quiet_again_only_from_its_change(api_app: FastAPI) -> None:
    async with api_app.state.session_factory() as session, session.begin():
        await _case(session, "tg:9201", "troubleshooting", timedelta(hours=2))
    assert await _pass(api_app, NOW) == 0
    assert await _pass(api_app, NOW + timedelta(hours=23)) == 1
    assert await _told(api_app)
