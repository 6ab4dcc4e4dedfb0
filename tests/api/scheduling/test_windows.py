"""Visit windows in local time, service levels and working hours (pure), and the settings
that configure them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from api.scheduling.rules import is_paid_repair
from api.scheduling.settings import SchedulingSettings, WindowTemplate
from api.scheduling.windows import (
    daily_windows,
    local_day_bounds,
    service_level_deadline,
    window_starting_at,
    within_service_level,
    works_during,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = SchedulingSettings()


def test_default_windows_are_three_local_windows_a_day() -> None:
    windows = daily_windows(date(2026, 12, 1), date(2026, 12, 2), SETTINGS.windows, SHANGHAI)
    assert [w.label for w in windows] == ["09:00–12:00", "13:00–16:00", "16:00–19:00"] * 2
    first = windows[0]
    assert first.start == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert first.end == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert first.local_date == date(2026, 12, 1)
    assert [w.start for w in windows] == sorted(w.start for w in windows)


@pytest.mark.parametrize(
    ("start", "label"),
    [
        (datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), "09:00–12:00"),
        (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), "09:00–12:00"),
        (datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI), "16:00–19:00"),
        (datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), None),
        (datetime(2026, 12, 1, 9, 0, 30, tzinfo=SHANGHAI), None),
        (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), None),
    ],
)
def test_a_window_is_found_only_by_its_exact_start(start: datetime, label: str | None) -> None:
    window = window_starting_at(start, SETTINGS.windows, SHANGHAI)
    assert (window.label if window else None) == label


def test_local_days_begin_at_local_midnight() -> None:
    begins, ends = local_day_bounds(date(2026, 12, 1), SHANGHAI)
    assert begins == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert ends - begins == timedelta(days=1)


def test_a_window_meets_the_service_level_when_it_ends_by_the_deadline() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    deadline = service_level_deadline(now, 24)
    windows = daily_windows(date(2026, 12, 1), date(2026, 12, 3), SETTINGS.windows, SHANGHAI)
    judged = {(w.local_date.day, w.label): within_service_level(w, deadline) for w in windows}
    assert judged[(1, "16:00–19:00")] is True
    # Starts before the deadline (10:00 next day) but may end after it.
    assert judged[(2, "09:00–12:00")] is False
    assert judged[(3, "09:00–12:00")] is False
    elsewhere = service_level_deadline(now, 48)
    assert within_service_level(windows[-4], elsewhere) is True  # 2 Dec 16:00–19:00


@pytest.mark.parametrize(
    ("hours", "label", "works"),
    [
        ({1: (time(9), time(19))}, "09:00–12:00", True),
        ({1: (time(9), time(19))}, "16:00–19:00", True),
        ({1: (time(13), time(19))}, "09:00–12:00", False),
        ({1: (time(9), time(18))}, "16:00–19:00", False),
        ({2: (time(9), time(19))}, "09:00–12:00", False),
        ({}, "09:00–12:00", False),
    ],
)
def test_a_technician_works_a_window_only_inside_their_hours_that_weekday(
    hours: dict[int, tuple[time, time]], label: str, works: bool
) -> None:
    tuesday = daily_windows(date(2026, 12, 1), date(2026, 12, 1), SETTINGS.windows, SHANGHAI)
    window = next(w for w in tuesday if w.label == label)
    assert works_during(hours, window) is works


def test_windows_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AFTERSALES_API_SCHEDULING_WINDOWS",
        '[{"start": "14:00", "end": "16:00"}, {"start": "08:00", "end": "10:00"}]',
    )
    monkeypatch.setenv("AFTERSALES_API_SCHEDULING_SERVICE_LEVEL_HOURS_CITY", "12")
    settings = SchedulingSettings()
    assert [w.label for w in settings.windows] == ["08:00–10:00", "14:00–16:00"]
    assert settings.service_level_hours(True) == 12
    assert settings.service_level_hours(False) == 48


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        (
            [
                WindowTemplate(start=time(9), end=time(12)),
                WindowTemplate(start=time(11), end=time(13)),
            ],
            "overlap",
        ),
        ([], "at least one"),
    ],
)
def test_overlapping_or_missing_windows_are_refused(
    windows: list[WindowTemplate], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SchedulingSettings(windows=tuple(windows))


def test_a_window_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="end after"):
        WindowTemplate(start=time(12), end=time(9))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        SchedulingSettings(timezone="Mars/Olympus")


@pytest.mark.parametrize(
    ("snapshot", "paid"),
    [
        (None, False),
        ({}, False),
        ({"status": "out_of_warranty", "entitlements": ["paid_repair"]}, True),
        ({"status": "out_of_warranty"}, True),
        ({"status": "component_warranty", "entitlements": ["paid_repair"]}, True),
        ({"status": "in_warranty", "entitlements": ["free_repair"]}, False),
        ({"status": "in_warranty", "entitlements": ["exchange", "free_repair"]}, False),
        ({"status": "needs_proof", "entitlements": []}, False),
        ({"status": "in_warranty", "entitlements": "paid_repair"}, False),
    ],
)
def test_a_paid_repair_is_read_from_the_warranty_snapshot(
    snapshot: dict[str, object] | None, paid: bool
) -> None:
    assert is_paid_repair(snapshot) is paid
