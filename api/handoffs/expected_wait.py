"""What the consumer is told about the wait for an agent, in zh and en.

Inside working hours the promise is the claim service level ("within about 10 minutes").
When the service level would run past closing time the consumer is told honestly that the
answer may only come after the agents are back, and outside working hours when they are
back, in the consumer's own time zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from api.handoffs.service_hours import ServiceHours


class WaitKind(StrEnum):
    SOON = "soon"
    """Agents are working and the service level ends before they close."""
    CLOSING_SOON = "closing_soon"
    """Agents are working but close before the service level ends."""
    AFTER_HOURS = "after_hours"
    """Agents are not working now."""


@dataclass(frozen=True, slots=True)
class ExpectedWait:
    kind: WaitKind
    answer_by: datetime
    """When the claim service level ends, counting working hours only (UTC)."""
    within_minutes: int | None
    """The promised wait in minutes; only when ``kind`` is soon."""
    agents_back_at: datetime | None
    """When the agents' next working period starts, in ``timezone``; None when kind is soon."""
    timezone: str
    """The time zone the texts use: the consumer's when known, else the agents'."""
    message_zh: str
    message_en: str


def expected_wait(
    hours: ServiceHours,
    claim_within: timedelta,
    now: datetime,
    consumer_timezone: ZoneInfo | None = None,
) -> ExpectedWait:
    zone = consumer_timezone or hours.timezone
    answer_by = hours.add_working_time(now, claim_within)
    closing = hours.closing_time(now)
    if closing is not None and answer_by <= closing:
        minutes = max(1, math.ceil(claim_within.total_seconds() / 60))
        return ExpectedWait(
            kind=WaitKind.SOON,
            answer_by=answer_by,
            within_minutes=minutes,
            agents_back_at=None,
            timezone=zone.key,
            message_zh=f"已为您转接人工客服，预计约{minutes}分钟内回复您。",
            message_en=f"You are in the queue for an agent, who will answer within about "
            f"{minutes} minutes.",
        )
    back_at = hours.next_opening(now).astimezone(zone)
    today = now.astimezone(zone).date()
    label_zh, label_en = _zone_labels(zone, hours.timezone)
    when_zh = f"{_day_zh(back_at.date(), today)} {back_at:%H:%M}{label_zh}"
    when_en = f"{back_at:%H:%M} {_day_en(back_at.date(), today)}{label_en}"
    if closing is not None:
        return ExpectedWait(
            kind=WaitKind.CLOSING_SOON,
            answer_by=answer_by,
            within_minutes=None,
            agents_back_at=back_at,
            timezone=zone.key,
            message_zh="已为您转接人工客服。客服即将下班，如果今天未能回复您，"
            f"将在{when_zh}上班后尽快回复。",
            message_en="You are in the queue for an agent. Our agents finish work shortly; "
            f"if nobody answers before then, an agent will reply after they are back at "
            f"{when_en}.",
        )
    return ExpectedWait(
        kind=WaitKind.AFTER_HOURS,
        answer_by=answer_by,
        within_minutes=None,
        agents_back_at=back_at,
        timezone=zone.key,
        message_zh=f"已为您转接人工客服。现在是非工作时间，客服将在{when_zh}上班后回复您。",
        message_en="You are in the queue for an agent. Our agents are off duty now and will "
        f"answer after they are back at {when_en}.",
    )


def _day_zh(day: date, today: date) -> str:
    # Agents work every day, so their next opening is less than a day away: today or tomorrow.
    return "今天" if day == today else "明天"


def _day_en(day: date, today: date) -> str:
    return "today" if day == today else "tomorrow"


def _zone_labels(consumer: ZoneInfo, agents: ZoneInfo) -> tuple[str, str]:
    """Name the time zone when the consumer's differs from the agents' one."""
    if consumer.key == agents.key:
        return "", ""
    return f"（{consumer.key}时间）", f" ({consumer.key} time)"
