"""Agents' working hours and time counted only within them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.handoffs.service_hours import ServiceHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = ServiceHours(opens_at=time(9), closes_at=time(21), timezone=SHANGHAI)


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment in November 2026, Shanghai time."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(23, 8, 59, 59), False),
        (local(23, 9), True),
        (local(23, 14), True),
        (local(23, 20, 59, 59), True),
        (local(23, 21), False),
        (local(23, 23, 30), False),
        (local(24, 0, 30), False),
    ],
)
def test_is_open(moment: datetime, expected: bool) -> None:
    assert HOURS.is_open(moment) is expected
    assert HOURS.is_open(moment.astimezone(UTC)) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(23, 3), local(23, 9)),
        (local(23, 9), local(24, 9)),
        (local(23, 10), local(24, 9)),
        (local(23, 22), local(24, 9)),
        (local(23, 23, 59), local(24, 9)),
    ],
)
def test_next_opening(moment: datetime, expected: datetime) -> None:
    assert HOURS.next_opening(moment) == expected


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (local(23, 10), local(23, 10, 10), 10),
        (local(23, 20, 55), local(24, 9, 5), 10),
        (local(23, 22), local(23, 23), 0),
        (local(23, 23), local(24, 8, 59), 0),
        (local(23, 8), local(23, 9, 30), 30),
        (local(23, 9), local(25, 9), 24 * 60),
        (local(23, 12), local(23, 11), 0),
    ],
    ids=[
        "inside",
        "across-closing",
        "night",
        "overnight",
        "before-opening",
        "two-days",
        "reversed",
    ],
)
def test_working_time_between(start: datetime, end: datetime, minutes: int) -> None:
    assert HOURS.working_time_between(start, end) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (local(23, 10), 10, local(23, 10, 10)),
        (local(23, 20, 50), 10, local(23, 21)),
        (local(23, 20, 55), 10, local(24, 9, 5)),
        (local(23, 22), 10, local(24, 9, 10)),
        (local(24, 0, 30), 10, local(24, 9, 10)),
        (local(23, 23), 0, local(24, 9)),
        (local(23, 10), 13 * 60, local(24, 11)),
    ],
    ids=[
        "inside",
        "ends-at-closing",
        "just-before-closing",
        "evening",
        "after-midnight",
        "nothing-at-night",
        "over-a-whole-period",
    ],
)
def test_add_working_time(start: datetime, minutes: int, expected: datetime) -> None:
    assert HOURS.add_working_time(start, timedelta(minutes=minutes)) == expected


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.integers(min_value=0, max_value=3 * 24 * 3600),
)
def test_adding_working_time_is_undone_by_measuring_it(start: datetime, seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    end = HOURS.add_working_time(start, duration)
    assert end >= start
    assert HOURS.working_time_between(start, end) == duration


def test_periods_follow_a_changing_utc_offset() -> None:
    london = ServiceHours(opens_at=time(9), closes_at=time(21), timezone=ZoneInfo("Europe/London"))
    # Clocks went forward on 29 March 2026: the day still has twelve working hours, an hour
    # earlier in UTC than the day before.
    before = london.period_of(datetime(2026, 3, 28).date())
    after = london.period_of(datetime(2026, 3, 29).date())
    assert before == (datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 28, 21, tzinfo=UTC))
    assert after == (datetime(2026, 3, 29, 8, tzinfo=UTC), datetime(2026, 3, 29, 20, tzinfo=UTC))
    weekend = london.working_time_between(before[0], after[1])
    assert weekend == timedelta(hours=24)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="open before they close"):
        ServiceHours(opens_at=time(21), closes_at=time(9), timezone=SHANGHAI)
    with pytest.raises(ValueError, match="naive"):
        HOURS.is_open(datetime(2026, 11, 23, 10))
    with pytest.raises(ValueError, match="negative"):
        HOURS.add_working_time(local(23, 10), timedelta(minutes=-1))
