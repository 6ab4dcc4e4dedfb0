"""How long a handoff has waited for an agent, and whether the claim service level is missed.

Waiting starts when the handoff enters the queue (again, after a release) and stops when an
agent claims it, or when it is closed without one. Only working hours count towards the
service level; the wall-clock wait is reported as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.handoffs.service_hours import ServiceHours


@dataclass(frozen=True, slots=True)
class QueueTiming:
    waited: timedelta
    """Wall-clock time in the queue."""
    working_time_waited: timedelta
    """Time in the queue within agents' working hours."""
    claim_due_at: datetime
    """When the claim service level ends for this stay in the queue."""
    sla_breached: bool


def queue_timing(
    *,
    queued_at: datetime,
    left_queue_at: datetime | None,
    now: datetime,
    hours: ServiceHours,
    claim_within: timedelta,
) -> QueueTiming:
    """Timing of one stay in the queue; ``left_queue_at`` is None while it still waits."""
    end = left_queue_at or now
    working = hours.working_time_between(queued_at, end)
    return QueueTiming(
        waited=max(end - queued_at, timedelta()),
        working_time_waited=working,
        claim_due_at=hours.add_working_time(queued_at, claim_within),
        sla_breached=working > claim_within,
    )
