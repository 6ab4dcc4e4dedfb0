"""When surveys are due and reminded: two hours after the service, never in the consumer's
quiet hours (21:00–09:00 local), and expiry seven days after the due time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from api.surveys.quiet_hours import QuietHours
from api.surveys.settings import SurveySettings
from api.surveys.timing import due_time, expiry_time, reminder_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
SETTINGS = SurveySettings()


def at(zone: ZoneInfo, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("completed", "due"),
    [
        pytest.param(at(SHANGHAI, 12, 1, 14), at(SHANGHAI, 12, 1, 16), id="afternoon-plus-2h"),
        pytest.param(at(SHANGHAI, 12, 1, 18, 59), at(SHANGHAI, 12, 1, 20, 59), id="20:59-ok"),
        pytest.param(at(SHANGHAI, 12, 1, 19), at(SHANGHAI, 12, 2, 9), id="21:00-is-quiet"),
        pytest.param(at(SHANGHAI, 12, 1, 20), at(SHANGHAI, 12, 2, 9), id="20:00-next-morning"),
        pytest.param(at(SHANGHAI, 12, 1, 23, 30), at(SHANGHAI, 12, 2, 9), id="after-midnight"),
        pytest.param(at(SHANGHAI, 12, 2, 6), at(SHANGHAI, 12, 2, 9), id="early-same-morning"),
        pytest.param(at(SHANGHAI, 12, 2, 7), at(SHANGHAI, 12, 2, 9), id="09:00-exactly-ok"),
        pytest.param(
            at(SHANGHAI, 12, 31, 20), datetime(2027, 1, 1, 9, tzinfo=SHANGHAI), id="new-year"
        ),
    ],
)
def test_due_two_hours_after_outside_shanghai_quiet_hours(
    completed: datetime, due: datetime
) -> None:
    assert due_time(completed, SHANGHAI, SETTINGS) == due


def test_the_same_moment_is_daytime_for_a_london_consumer() -> None:
    completed = at(SHANGHAI, 12, 1, 20)  # 12:00 in London (GMT in winter)
    assert due_time(completed, LONDON, SETTINGS) == at(LONDON, 12, 1, 14)
    assert due_time(completed, SHANGHAI, SETTINGS) == at(SHANGHAI, 12, 2, 9)


def test_london_quiet_hours_follow_summer_time() -> None:
    # 19:30 BST + 2 h = 21:30 BST: quiet; the next 09:00 BST is 08:00 UTC.
    completed = at(LONDON, 7, 1, 19, 30)
    assert due_time(completed, LONDON, SETTINGS) == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)
    # 18:30 BST + 2 h = 20:30 BST = 19:30 UTC: not quiet.
    assert due_time(at(LONDON, 7, 1, 18, 30), LONDON, SETTINGS) == datetime(
        2026, 7, 1, 19, 30, tzinfo=UTC
    )


def test_reminder_24_hours_after_the_first_delivery_outside_quiet_hours() -> None:
    delivered = at(SHANGHAI, 12, 2, 9, 5)
    assert reminder_time(delivered, SHANGHAI, SETTINGS) == at(SHANGHAI, 12, 3, 9, 5)
    late = at(SHANGHAI, 12, 2, 21, 30)  # delivered late (the bot was down) in quiet hours
    assert reminder_time(late, SHANGHAI, SETTINGS) == at(SHANGHAI, 12, 4, 9)


def test_expiry_seven_days_after_the_due_time() -> None:
    due = at(SHANGHAI, 12, 2, 9)
    assert expiry_time(due, SETTINGS) == at(SHANGHAI, 12, 9, 9)


def test_quiet_hours_within_one_day_and_their_bounds() -> None:
    early = QuietHours(starts=time(0, 0), ends=time(8, 0))
    assert not early.wraps_midnight
    assert early.is_quiet(time(0, 0)) and early.is_quiet(time(7, 59))
    assert not early.is_quiet(time(8, 0)) and not early.is_quiet(time(23, 59))
    assert early.next_allowed(at(SHANGHAI, 12, 1, 3), SHANGHAI) == at(SHANGHAI, 12, 1, 8)
    night = QuietHours(starts=time(21, 0), ends=time(9, 0))
    assert night.is_quiet(time(21, 0)) and night.is_quiet(time(8, 59))
    assert not night.is_quiet(time(9, 0)) and not night.is_quiet(time(20, 59))


def test_quiet_hours_refuse_naive_times_and_empty_periods() -> None:
    night = QuietHours(starts=time(21, 0), ends=time(9, 0))
    with pytest.raises(ValueError, match="naive"):
        night.next_allowed(datetime(2026, 12, 1, 22, 0), SHANGHAI)
    with pytest.raises(ValueError, match="different"):
        QuietHours(starts=time(9, 0), ends=time(9, 0))
    with pytest.raises(ValidationError, match="must differ"):
        SurveySettings(quiet_from=time(21, 0), quiet_until=time(21, 0))


def test_delays_are_configurable() -> None:
    settings = SurveySettings(delay_minutes=30, reminder_after_hours=48, expires_after_days=3)
    completed = at(SHANGHAI, 12, 1, 10)
    assert due_time(completed, SHANGHAI, settings) == completed + timedelta(minutes=30)
    assert reminder_time(completed, SHANGHAI, settings) == completed + timedelta(hours=48)
    assert expiry_time(completed, settings) == completed + timedelta(days=3)
