"""Steps the survey tests share: consumers, surveys scheduled at a chosen moment, answers,
and the delivery of queued messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.outbound.models import OutboundItem
from api.outbound.service import ack_item, lease_items
from api.surveys.models import Survey
from api.surveys.questions import SourceName
from api.surveys.reminders import ReminderPass, remind_due_surveys
from api.surveys.scheduling import schedule_survey
from api.surveys.settings import SurveySettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
SHANGHAI_CONSUMER = "tg:6001"
LONDON_CONSUMER = "tg:6002"


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, Shanghai time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@asynccontextmanager
async def committed(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.session_factory() as session:
        yield session
        await session.commit()


async def schedule(
    app: FastAPI,
    *,
    completed_at: datetime,
    source: SourceName = "visit",
    source_id: int = 1,
    case_id: int | None = None,
    conversation_id: str | None = SHANGHAI_CONSUMER,
    fee_charged: bool = False,
) -> Survey | None:
    async with committed(app) as session:
        return await schedule_survey(
            session,
            source=source,
            source_id=source_id,
            case_id=case_id,
            conversation_id=conversation_id,
            fee_charged=fee_charged,
            completed_at=completed_at,
        )


async def scheduled(app: FastAPI, **fields: Any) -> Survey:
    survey = await schedule(app, **fields)
    assert survey is not None
    return survey


async def load_survey(app: FastAPI, survey_id: int) -> Survey:
    async with app.state.session_factory() as session:
        return await session.get_one(Survey, survey_id)


async def queued_items(app: FastAPI, conversation_id: str) -> list[OutboundItem]:
    async with app.state.session_factory() as session:
        found = await session.execute(
            select(OutboundItem)
            .where(OutboundItem.conversation_id == conversation_id)
            .order_by(OutboundItem.id)
        )
        return list(found.scalars())


async def deliver_due_items(app: FastAPI) -> list[int]:
    """What the bot does: lease every item whose time has come and acknowledge it."""
    async with committed(app) as session:
        leased = await lease_items(
            session, worker_id="bot-test", limit=100, lease_for=timedelta(minutes=5), max_attempts=3
        )
        for item in leased:
            assert item.lease_token is not None
            await ack_item(session, item.id, lease_token=item.lease_token)
    return [item.id for item in leased]


async def remind(
    app: FastAPI, now: datetime, settings: SurveySettings | None = None
) -> ReminderPass:
    async with committed(app) as session:
        return await remind_due_surveys(session, now=now, settings=settings or SurveySettings())


async def answer(
    client: httpx.AsyncClient, survey_id: int, *answers: tuple[str, Any], finish: bool = False
) -> httpx.Response:
    body: dict[str, Any] = {
        "answers": [{"question": key, "value": value} for key, value in answers]
    }
    if finish:
        body["finish"] = True
    return await client.post(f"/api/v1/surveys/{survey_id}/answers", json=body)


async def answered(
    client: httpx.AsyncClient, survey_id: int, *answers: tuple[str, Any], finish: bool = False
) -> dict[str, Any]:
    response = await answer(client, survey_id, *answers, finish=finish)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
