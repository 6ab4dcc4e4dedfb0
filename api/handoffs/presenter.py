"""Handoffs as the api shows them: stored fields plus queue timing and the expected wait."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from api.handoffs.expected_wait import expected_wait
from api.handoffs.models import Handoff
from api.handoffs.reasons import HandoffPriority, HandoffReason
from api.handoffs.schemas import ExpectedWaitOut, HandoffOut, LocalizedText, QueueTimingOut
from api.handoffs.service_level import queue_timing
from api.handoffs.settings import HandoffSettings
from api.handoffs.status import HandoffStatus


def present_handoff(
    handoff: Handoff,
    settings: HandoffSettings,
    now: datetime,
    *,
    with_expected_wait: bool = False,
    consumer_timezone: ZoneInfo | None = None,
) -> HandoffOut:
    timing = queue_timing(
        queued_at=handoff.queued_at,
        left_queue_at=_left_queue_at(handoff),
        now=now,
        hours=settings.service_hours,
        claim_within=settings.claim_within,
    )
    wait = None
    if with_expected_wait and handoff.status == HandoffStatus.QUEUED:
        told = expected_wait(settings.service_hours, settings.claim_within, now, consumer_timezone)
        wait = ExpectedWaitOut(
            kind=told.kind,
            answer_by=told.answer_by,
            within_minutes=told.within_minutes,
            agents_back_at=told.agents_back_at,
            timezone=told.timezone,
            message=LocalizedText(zh=told.message_zh, en=told.message_en),
        )
    return HandoffOut(
        id=handoff.id,
        conversation_id=handoff.conversation_id,
        case_id=handoff.case_id,
        reason=HandoffReason(handoff.reason),
        priority=HandoffPriority(handoff.priority),
        status=HandoffStatus(handoff.status),
        summary=handoff.summary,
        opened_by=handoff.opened_by,
        agent_id=handoff.agent_id,
        agent_name=handoff.agent_name,
        created_at=handoff.created_at,
        queued_at=handoff.queued_at,
        claimed_at=handoff.claimed_at,
        first_response_at=handoff.first_response_at,
        resolved_at=handoff.resolved_at,
        cancelled_at=handoff.cancelled_at,
        closed_by=handoff.closed_by,
        closing_note=handoff.closing_note,
        queue_timing=QueueTimingOut(
            waiting_seconds=int(timing.waited.total_seconds()),
            working_seconds_waited=int(timing.working_time_waited.total_seconds()),
            claim_due_at=timing.claim_due_at,
            sla_breached=timing.sla_breached,
        ),
        expected_wait=wait,
    )


def _left_queue_at(handoff: Handoff) -> datetime | None:
    if handoff.status == HandoffStatus.QUEUED:
        return None
    return handoff.claimed_at or handoff.resolved_at or handoff.cancelled_at
