"""Visit windows in local time, and the service-level rules that judge them (pure functions).

A window is within the service level when it *ends* by the deadline: the technician may
arrive at any moment of the window, so only its end bounds the visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.scheduling.settings import WindowTemplate


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    """UTC."""
    end: datetime
    """UTC."""
    local_date: date
    template: WindowTemplate

    @property
    def label(self) -> str:
        return self.template.label


WorkingHours = Mapping[int, tuple[time, time]]
"""Working hours by weekday (0 = Monday), local time."""


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def window_on(day: date, template: WindowTemplate, zone: ZoneInfo) -> Window:
    return Window(_at(day, template.start, zone), _at(day, template.end, zone), day, template)


def daily_windows(
    first_day: date, last_day: date, templates: Sequence[WindowTemplate], zone: ZoneInfo
) -> list[Window]:
    """Every window of every day from ``first_day`` to ``last_day`` inclusive, in time order."""
    windows: list[Window] = []
    day = first_day
    while day <= last_day:
        windows.extend(window_on(day, template, zone) for template in templates)
        day += timedelta(days=1)
    return windows


def window_starting_at(
    start: datetime, templates: Iterable[WindowTemplate], zone: ZoneInfo
) -> Window | None:
    """The window that starts exactly at ``start`` (an aware time), or None."""
    local = start.astimezone(zone)
    for template in templates:
        if local.time().replace(tzinfo=None) == template.start:
            return window_on(local.date(), template, zone)
    return None


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` begins and the next one begins."""
    return _at(day, time(0), zone), _at(day + timedelta(days=1), time(0), zone)


def earliest_bookable_start(now: datetime, lead_minutes: int) -> datetime:
    return now + timedelta(minutes=lead_minutes)


def service_level_deadline(now: datetime, hours: int) -> datetime:
    return now + timedelta(hours=hours)


def within_service_level(window: Window, deadline: datetime) -> bool:
    return window.end <= deadline


def works_during(hours: WorkingHours, window: Window) -> bool:
    day = hours.get(window.local_date.weekday())
    if day is None:
        return False
    starts, ends = day
    return starts <= window.template.start and window.template.end <= ends
