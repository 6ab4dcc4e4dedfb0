"""The one reminder of a survey: 24 hours (by default) after the first delivery, outside the
consumer's quiet hours, only while the survey is neither completed nor expired.

The reminder is queued only when its time has come, so a survey completed in the meantime
is never reminded. `remind_due_surveys` is one pass: it notes the first delivery of surveys
whose first message went out (which fixes their reminder time), then queues the reminders
that are due. The timer in `api.surveys.timer` repeats passes; every pass is safe to repeat
and to run in several processes at once: on PostgreSQL both steps lock the surveys they take
with ``SKIP LOCKED``, so concurrent passes share the work instead of queueing behind each
other, and the reminder's dedupe key makes one reminder per survey whatever happens. SQLite
serialises writers, so there one timer at a time does the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.outbound.models import OutboundItem, OutboundKind
from api.outbound.service import enqueue_outbound
from api.surveys.models import Survey
from api.surveys.scheduling import SENDER, delivery_key, delivery_payload
from api.surveys.settings import SurveySettings
from api.surveys.timing import reminder_time


@dataclass(frozen=True, slots=True)
class ReminderPass:
    deliveries_noted: int
    reminders_queued: int


async def remind_due_surveys(
    session: AsyncSession, *, now: datetime, settings: SurveySettings
) -> ReminderPass:
    noted = await _note_first_deliveries(session, settings)
    queued = await _queue_due_reminders(session, now=now, batch_size=settings.timer_batch_size)
    return ReminderPass(deliveries_noted=noted, reminders_queued=queued)


async def _note_first_deliveries(session: AsyncSession, settings: SurveySettings) -> int:
    found = await session.execute(
        select(Survey.id, Survey.timezone, OutboundItem.delivered_at)
        .join(OutboundItem, OutboundItem.id == Survey.due_item_id)
        .where(
            Survey.first_delivered_at.is_(None),
            Survey.completed_at.is_(None),
            OutboundItem.delivered_at.is_not(None),
        )
        .order_by(Survey.id)
        .limit(settings.timer_batch_size)
        .with_for_update(skip_locked=True, of=Survey)
    )
    noted = 0
    for survey_id, zone_name, delivered_at in found.all():
        result = await session.execute(
            update(Survey)
            .where(Survey.id == survey_id, Survey.first_delivered_at.is_(None))
            .values(
                first_delivered_at=delivered_at,
                reminder_due_at=reminder_time(delivered_at, ZoneInfo(zone_name), settings),
            )
            .execution_options(synchronize_session=False)
        )
        noted += result.rowcount
    return noted


async def _queue_due_reminders(session: AsyncSession, *, now: datetime, batch_size: int) -> int:
    found = await session.execute(
        select(Survey.id, Survey.conversation_id, Survey.reminder_due_at)
        .where(
            Survey.reminder_due_at <= now,
            Survey.reminder_due_at < Survey.expires_at,
            Survey.expires_at > now,
            Survey.completed_at.is_(None),
            Survey.reminder_item_id.is_(None),
        )
        .order_by(Survey.reminder_due_at, Survey.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    queued = 0
    for survey_id, conversation_id, reminder_due_at in found.all():
        item, created = await enqueue_outbound(
            session,
            conversation_id=conversation_id,
            kind=OutboundKind.SURVEY_REMINDER,
            payload=delivery_payload(survey_id),
            dedupe_key=delivery_key(survey_id, OutboundKind.SURVEY_REMINDER),
            not_before=reminder_due_at,
            created_by=SENDER,
        )
        await session.execute(
            update(Survey)
            .where(Survey.id == survey_id, Survey.reminder_item_id.is_(None))
            .values(reminder_item_id=item.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        queued += created
    return queued
