"""What the consumer is told about the wait, inside and outside the agents' hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.handoffs.expected_wait import WaitKind, expected_wait
from api.handoffs.service_hours import ServiceHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
HOURS = ServiceHours(opens_at=time(9), closes_at=time(21), timezone=SHANGHAI)
TEN_MINUTES = timedelta(minutes=10)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_inside_hours_the_service_level_is_promised() -> None:
    wait = expected_wait(HOURS, TEN_MINUTES, local(23, 10))
    assert wait.kind is WaitKind.SOON
    assert wait.within_minutes == 10
    assert wait.answer_by == local(23, 10, 10)
    assert wait.agents_back_at is None
    assert wait.timezone == "Asia/Shanghai"
    assert wait.message_zh == "已为您转接人工客服，预计约10分钟内回复您。"
    assert wait.message_en == (
        "You are in the queue for an agent, who will answer within about 10 minutes."
    )


def test_a_service_level_ending_exactly_at_closing_is_still_promised() -> None:
    wait = expected_wait(HOURS, TEN_MINUTES, local(23, 20, 50))
    assert wait.kind is WaitKind.SOON
    assert wait.answer_by == local(23, 21)


def test_just_before_closing_the_consumer_learns_when_agents_are_back() -> None:
    wait = expected_wait(HOURS, TEN_MINUTES, local(23, 20, 55))
    assert wait.kind is WaitKind.CLOSING_SOON
    assert wait.within_minutes is None
    assert wait.answer_by == local(24, 9, 5)
    assert wait.agents_back_at == local(24, 9)
    assert "客服即将下班" in wait.message_zh
    assert "明天 09:00" in wait.message_zh
    assert "finish work shortly" in wait.message_en
    assert "back at 09:00 tomorrow." in wait.message_en


@pytest.mark.parametrize(
    ("now", "back_at", "day_zh", "day_en"),
    [
        (local(23, 21), local(24, 9), "明天", "tomorrow"),
        (local(23, 23, 45), local(24, 9), "明天", "tomorrow"),
        (local(24, 0, 30), local(24, 9), "今天", "today"),
        (local(24, 8, 59), local(24, 9), "今天", "today"),
    ],
    ids=["at-closing", "late-evening", "after-midnight", "a-minute-before-opening"],
)
def test_outside_hours_the_consumer_learns_when_agents_are_back(
    now: datetime, back_at: datetime, day_zh: str, day_en: str
) -> None:
    wait = expected_wait(HOURS, TEN_MINUTES, now)
    assert wait.kind is WaitKind.AFTER_HOURS
    assert wait.agents_back_at == back_at
    assert wait.answer_by == back_at + TEN_MINUTES
    assert wait.message_zh == (
        f"已为您转接人工客服。现在是非工作时间，客服将在{day_zh} 09:00上班后回复您。"
    )
    assert wait.message_en == (
        "You are in the queue for an agent. Our agents are off duty now and will answer "
        f"after they are back at 09:00 {day_en}."
    )


def test_times_are_given_in_the_consumer_s_own_time_zone() -> None:
    # 23:00 in Shanghai is 15:00 in London; agents are back at 01:00 London time.
    wait = expected_wait(HOURS, TEN_MINUTES, local(23, 23), consumer_timezone=LONDON)
    assert wait.timezone == "Europe/London"
    assert wait.agents_back_at is not None
    assert wait.agents_back_at.utcoffset() == timedelta(0)
    assert (wait.agents_back_at.hour, wait.agents_back_at.day) == (1, 24)
    assert "明天 01:00（Europe/London时间）" in wait.message_zh
    assert "back at 01:00 tomorrow (Europe/London time)." in wait.message_en


def test_the_agents_own_time_zone_is_not_named() -> None:
    wait = expected_wait(HOURS, TEN_MINUTES, local(23, 23), consumer_timezone=SHANGHAI)
    assert "Asia/Shanghai" not in wait.message_zh + wait.message_en
