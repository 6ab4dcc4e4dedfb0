"""Recording domain events; whoever changes state calls `record_event` in its transaction."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.db import utc_now
from api.outbox.models import OutboxEvent


class EventType(StrEnum):
    CASE_CREATED = "case.created"
    CASE_QUIET = "case.quiet"
    VISIT_BOOKED = "visit.booked"
    VISIT_RESCHEDULED = "visit.rescheduled"
    VISIT_CANCELLED = "visit.cancelled"
    VISIT_COMPLETED = "visit.completed"
    HANDOFF_CREATED = "handoff.created"
    SURVEY_COMPLETED = "survey.completed"


def record_event(
    session: AsyncSession, event_type: EventType, subject: str, payload: dict[str, Any]
) -> OutboxEvent:
    """Stage an event in the caller's transaction: it exists exactly when the change commits."""
    event = OutboxEvent(
        event_id=str(uuid.uuid4()),
        event_type=event_type.value,
        subject=subject,
        payload=payload,
        occurred_at=utc_now(),
    )
    session.add(event)
    return event
