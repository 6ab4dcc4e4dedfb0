"""Bookable windows for a category at a place: earliest first, with the seats left in each
and whether each meets the service level. Which technician would come is never revealed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.scheduling.crew import CrewMember, SeatKey, seat_counts
from api.scheduling.places import Place
from api.scheduling.settings import SchedulingSettings
from api.scheduling.windows import (
    Window,
    daily_windows,
    earliest_bookable_start,
    service_level_deadline,
    within_service_level,
)


@dataclass(frozen=True, slots=True)
class Offer:
    window: Window
    remaining: int
    within_service_level: bool


@dataclass(frozen=True, slots=True)
class Availability:
    place: Place
    category: str
    service_level_hours: int
    deadline: datetime
    offers: list[Offer]
    """Windows in the requested days with a free seat, earliest first."""
    service_level_met: bool
    """Whether any window from now on meets the service level, whatever days were asked."""


def remaining_seats(window: Window, crew: Sequence[CrewMember], held: Counter[SeatKey]) -> int:
    working = [member for member in crew if member.works_during(window)]
    capacity = sum(member.capacity for member in working)
    used = sum(min(held[(member.id, window.start)], member.capacity) for member in working)
    return capacity - used


def open_offers(
    windows: Sequence[Window],
    crew: Sequence[CrewMember],
    held: Counter[SeatKey],
    deadline: datetime,
) -> list[Offer]:
    offers = []
    for window in windows:
        remaining = remaining_seats(window, crew, held)
        if remaining > 0:
            offers.append(Offer(window, remaining, within_service_level(window, deadline)))
    return offers


def today(now: datetime, settings: SchedulingSettings) -> date:
    return now.astimezone(settings.zone).date()


async def find_offers(
    session: AsyncSession,
    settings: SchedulingSettings,
    *,
    place: Place,
    now: datetime,
    first_day: date,
    last_day: date,
    crew: Sequence[CrewMember],
) -> tuple[list[Offer], datetime]:
    """Open windows of ``crew`` from ``first_day`` to ``last_day`` (local dates) that start
    late enough to be booked now; returns them and the service-level deadline."""
    deadline = service_level_deadline(now, settings.service_level_hours(place.urban))
    earliest = earliest_bookable_start(now, settings.min_lead_minutes)
    windows = [
        window
        for window in daily_windows(first_day, last_day, settings.windows, settings.zone)
        if window.start >= earliest
    ]
    if not windows or not crew:
        return [], deadline
    held = await seat_counts(
        session,
        (member.id for member in crew),
        windows[0].start,
        windows[-1].start + timedelta(seconds=1),
    )
    return open_offers(windows, crew, held, deadline), deadline


async def availability(
    session: AsyncSession,
    settings: SchedulingSettings,
    *,
    category: str,
    crew: Sequence[CrewMember],
    place: Place,
    now: datetime,
    first_day: date,
    last_day: date,
) -> Availability:
    """Open windows of ``crew`` at ``place`` from ``first_day`` to ``last_day``."""
    start_day = today(now, settings)
    # The service level is judged from now, even when later days were asked for.
    hours = settings.service_level_hours(place.urban)
    horizon = max(last_day, today(now + timedelta(hours=hours), settings))
    offers, deadline = await find_offers(
        session,
        settings,
        place=place,
        now=now,
        first_day=start_day,
        last_day=horizon,
        crew=crew,
    )
    return Availability(
        place=place,
        category=category,
        service_level_hours=hours,
        deadline=deadline,
        offers=[offer for offer in offers if first_day <= offer.window.local_date <= last_day],
        service_level_met=any(offer.within_service_level for offer in offers),
    )


async def alternatives(
    session: AsyncSession,
    settings: SchedulingSettings,
    *,
    crew: Sequence[CrewMember],
    place: Place,
    now: datetime,
    excluding: datetime,
) -> list[Offer]:
    """The next open windows from now (``settings.alternatives`` of them), not ``excluding``."""
    start_day = today(now, settings)
    last_day = start_day + timedelta(days=settings.max_days_ahead)
    offers, _ = await find_offers(
        session,
        settings,
        place=place,
        now=now,
        first_day=start_day,
        last_day=last_day,
        crew=crew,
    )
    return [offer for offer in offers if offer.window.start != excluding][: settings.alternatives]
