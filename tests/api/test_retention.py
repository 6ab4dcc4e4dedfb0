"""Consumers silent for the retention period, with every case ended, are anonymised; anyone
still in touch or with a case running keeps everything."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cases.models import Case
from api.conversations.models import ConversationMessage
from api.customers.models import Customer
from api.db import utc_now
from api.retention.settings import RetentionSettings
from api.retention.timer import run_retention_pass
from api.settings import ApiSettings

RETENTION = RetentionSettings(days=730, batch_size=1)
LONG_AGO = timedelta(days=800)


async def _consumer(
    session: AsyncSession,
    channel_id: str,
    *,
    case_status: str,
    case_age: timedelta,
    message_age: timedelta,
) -> None:
    now = utc_now()
    customer = Customer(
        channel_id=channel_id,
        display_name="张三",
        phone="+8613812345678",
        created_at=now - LONG_AGO,
        updated_at=now - LONG_AGO,
    )
    session.add(customer)
    await session.flush()
    session.add(
        Case(
            customer_id=customer.id,
            status=case_status,
            service_mode="onsite",
            fault_description="空调不制冷，家住张江路100号",
            conversation_id=channel_id,
            created_at=now - LONG_AGO,
            updated_at=now - case_age,
        )
    )
    session.add(
        ConversationMessage(
            conversation_id=channel_id,
            channel="tg",
            direction="in",
            sender_kind="customer",
            text="我的电话是13812345678",
            recorded_at=now - message_age,
        )
    )


async def _customer(session: AsyncSession, channel_id: str) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.channel_id == channel_id))


async def test_only_silent_consumers_with_ended_cases_are_anonymised(
    api_app: FastAPI, api_settings: ApiSettings
) -> None:
    factory: async_sessionmaker[AsyncSession] = api_app.state.session_factory
    async with factory() as session, session.begin():
        await _consumer(
            session, "tg:1001", case_status="closed", case_age=LONG_AGO, message_age=LONG_AGO
        )
        await _consumer(
            session, "tg:1002", case_status="closed", case_age=LONG_AGO, message_age=LONG_AGO
        )
        await _consumer(
            session, "tg:1003", case_status="visit_booked", case_age=LONG_AGO, message_age=LONG_AGO
        )
        await _consumer(
            session,
            "tg:1004",
            case_status="closed",
            case_age=LONG_AGO,
            message_age=timedelta(days=3),
        )
        await _consumer(
            session,
            "tg:1005",
            case_status="cancelled",
            case_age=timedelta(days=3),
            message_age=LONG_AGO,
        )

    purged = await run_retention_pass(factory, api_settings.attachments_dir, RETENTION)
    assert purged == 2, "two consumers, one per batch of one"

    async with factory() as session:
        for kept in ("tg:1003", "tg:1004", "tg:1005"):
            customer = await _customer(session, kept)
            assert customer is not None and customer.erased_at is None, kept
        assert await _customer(session, "tg:1001") is None
        erased = (
            await session.scalars(select(Customer).where(Customer.erased_at.is_not(None)))
        ).all()
        assert len(erased) == 2 and all(item.phone is None for item in erased)
        cases = (
            await session.scalars(select(Case).where(Case.customer_id.in_([c.id for c in erased])))
        ).all()
        assert [case.fault_description for case in cases] == ["[erased]", "[erased]"]
        texts = (
            await session.scalars(
                select(ConversationMessage.text).where(
                    ConversationMessage.conversation_id.in_([c.channel_id for c in erased])
                )
            )
        ).all()
        assert texts == ["[erased]", "[erased]"]

    assert await run_retention_pass(factory, api_settings.attachments_dir, RETENTION) == 0


async def test_zero_days_keeps_everything(api_app: FastAPI, api_settings: ApiSettings) -> None:
    factory: async_sessionmaker[AsyncSession] = api_app.state.session_factory
    async with factory() as session, session.begin():
        await _consumer(
            session, "tg:2001", case_status="closed", case_age=LONG_AGO, message_age=LONG_AGO
        )
    keep = RetentionSettings(days=0)
    assert await run_retention_pass(factory, api_settings.attachments_dir, keep) == 0
