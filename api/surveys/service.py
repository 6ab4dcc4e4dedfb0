"""Reading surveys: one survey, or a conversation's surveys, for the caller's scope.

The actions and bot roles act for one consumer and see only that consumer's surveys; any
other survey is reported as missing, so that ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.customers.models import Customer
from api.customers.preferences import Locale
from api.errors import not_found
from api.surveys.models import Survey
from api.surveys.status import SurveyStatus, has_status


async def get_survey(
    session: AsyncSession, survey_id: int, *, customer: str | None, lock: bool = False
) -> Survey:
    """The survey with its answers; ``customer`` limits the look-up to that consumer's."""
    query = (
        select(Survey)
        .where(Survey.id == survey_id)
        .options(selectinload(Survey.answers))
        .execution_options(populate_existing=True)
    )
    if customer is not None:
        query = query.where(Survey.conversation_id == customer)
    if lock:
        query = query.with_for_update(of=Survey)
    survey = (await session.execute(query)).scalar_one_or_none()
    if survey is None:
        raise not_found("survey", survey_id)
    return survey


async def list_surveys(
    session: AsyncSession,
    *,
    conversation_id: str | None,
    status: SurveyStatus | None,
    now: datetime,
    limit: int,
    before_id: int | None = None,
) -> list[Survey]:
    """Surveys newest first, optionally of one conversation and in one status."""
    query = select(Survey).options(selectinload(Survey.answers))
    if conversation_id is not None:
        query = query.where(Survey.conversation_id == conversation_id)
    if status is not None:
        query = query.where(has_status(status, now))
    if before_id is not None:
        query = query.where(Survey.id < before_id)
    query = query.order_by(Survey.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def consumer_locales(
    session: AsyncSession, conversation_ids: Iterable[str]
) -> dict[str, Locale]:
    """The language each consumer chose; consumers without a record read Chinese."""
    wanted = set(conversation_ids)
    if not wanted:
        return {}
    found = await session.execute(
        select(Customer.channel_id, Customer.locale).where(Customer.channel_id.in_(wanted))
    )
    chosen = {channel_id: Locale(locale) for channel_id, locale in found.all()}
    return {conversation_id: chosen.get(conversation_id, Locale.ZH) for conversation_id in wanted}
