"""Creating the survey about a completed visit or a resolved handoff.

Scheduling and handoffs call `schedule_survey` in the transaction that completes the visit or
resolves the handoff, so the survey exists exactly when that change commits. The first
message goes through the outbound queue, due two hours after the service (by default) and
never in the consumer's quiet hours; the reminder is queued later by `api.surveys.reminders`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.insert_once import insert_once
from api.customers.models import Customer
from api.customers.preferences import DEFAULT_TIMEZONE
from api.db import utc_now
from api.outbound.models import OutboundKind
from api.outbound.payloads import IntentPayload
from api.outbound.service import enqueue_outbound
from api.scheduling.models import Visit
from api.surveys.models import Survey
from api.surveys.questions import SourceName, SurveySource
from api.surveys.settings import SurveySettings, survey_settings
from api.surveys.templates import active_template
from api.surveys.timing import due_time, expiry_time

SURVEY_INTENT = "EXTERNAL_survey_due"
"""The engine intent that starts (and, for a reminder, restarts) the survey conversation."""
SENDER = "surveys"

log = structlog.get_logger(__name__)
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


def delivery_key(survey_id: int, kind: OutboundKind) -> str:
    suffix = "due" if kind is OutboundKind.SURVEY_DUE else "reminder"
    return f"survey:{survey_id}:{suffix}"


def delivery_payload(survey_id: int) -> IntentPayload:
    return IntentPayload(intent=SURVEY_INTENT, entities={"survey_id": survey_id})


async def schedule_survey(
    session: AsyncSession,
    *,
    source: SurveySource | SourceName,
    source_id: int,
    case_id: int | None,
    conversation_id: str | None,
    fee_charged: bool,
    completed_at: datetime,
    settings: SurveySettings | None = None,
) -> Survey | None:
    """The survey about the service, created and queued for delivery on the first call.

    Later calls for the same visit or handoff return the survey made the first time (also
    under concurrency). ``conversation_id`` None means the conversation of the case's
    consumer. Returns None when nobody can be asked: the consumer's data was erased, or the
    handoff is the follow-up of a survey's low score (a survey about a survey is not sent).
    """
    if completed_at.tzinfo is None:
        raise ValueError("completed_at must be timezone-aware")
    source = SurveySource(source)
    settings = settings or survey_settings()
    existing = await _find(session, source, source_id)
    if existing is not None:
        return existing
    conversation_id = await _recipient(session, source, source_id, case_id, conversation_id)
    if conversation_id is None:
        return None

    zone_name = await _timezone_of(session, conversation_id)
    template = await active_template(session, source)
    due_at = due_time(completed_at, ZoneInfo(zone_name), settings)
    now = utc_now()
    values: dict[str, Any] = {
        "source": source.value,
        "source_id": source_id,
        "conversation_id": conversation_id,
        "case_id": case_id,
        "technician_id": await _technician_of(session, source, source_id),
        "fee_charged": fee_charged,
        "timezone": zone_name,
        "questions": [
            question.model_dump(mode="json")
            for question in template.questions_for(fee_charged=fee_charged)
        ],
        "service_completed_at": completed_at,
        "due_at": due_at,
        "expires_at": expiry_time(due_at, settings),
        "created_at": now,
        "updated_at": now,
    }
    survey_id = await insert_once(session, Survey, values, unique_on=("source", "source_id"))
    if survey_id is None:
        return await _find(session, source, source_id)
    item, _ = await enqueue_outbound(
        session,
        conversation_id=conversation_id,
        kind=OutboundKind.SURVEY_DUE,
        payload=delivery_payload(survey_id),
        dedupe_key=delivery_key(survey_id, OutboundKind.SURVEY_DUE),
        not_before=due_at,
        created_by=SENDER,
    )
    survey = await session.get_one(Survey, survey_id, populate_existing=True)
    survey.due_item_id = item.id
    await session.flush()
    return survey


async def _recipient(
    session: AsyncSession,
    source: SurveySource,
    source_id: int,
    case_id: int | None,
    conversation_id: str | None,
) -> str | None:
    """The conversation to ask in, or None when there is nobody to ask."""
    if source is SurveySource.HANDOFF and await _is_survey_follow_up(session, source_id):
        return None
    if conversation_id is None:
        if case_id is None:
            raise ValueError("a survey needs a conversation_id or a case_id")
        conversation_id = await _conversation_of_case(session, case_id)
    if not _CHANNEL_ID.match(conversation_id):
        log.info("survey_skipped_unreachable", source=source.value, source_id=source_id)
        return None
    return conversation_id


async def _find(session: AsyncSession, source: SurveySource, source_id: int) -> Survey | None:
    found = await session.execute(
        select(Survey)
        .where(Survey.source == source.value, Survey.source_id == source_id)
        .execution_options(populate_existing=True)
    )
    return found.scalar_one_or_none()


async def _is_survey_follow_up(session: AsyncSession, handoff_id: int) -> bool:
    found = await session.execute(
        select(Survey.id).where(Survey.follow_up_handoff_id == handoff_id).limit(1)
    )
    return found.first() is not None


async def _conversation_of_case(session: AsyncSession, case_id: int) -> str:
    found = await session.execute(
        select(Customer.channel_id)
        .join(Case, Case.customer_id == Customer.id)
        .where(Case.id == case_id)
    )
    return found.scalar_one()


async def _timezone_of(session: AsyncSession, conversation_id: str) -> str:
    found = await session.execute(
        select(Customer.timezone).where(Customer.channel_id == conversation_id)
    )
    return found.scalar_one_or_none() or DEFAULT_TIMEZONE


async def _technician_of(session: AsyncSession, source: SurveySource, source_id: int) -> int | None:
    if source is not SurveySource.VISIT:
        return None
    found = await session.execute(select(Visit.technician_id).where(Visit.id == source_id))
    return found.scalar_one_or_none()
