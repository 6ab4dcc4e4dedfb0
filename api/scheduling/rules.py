"""Checks shared by availability, booking and rescheduling."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.scheduling import problems
from api.scheduling.availability import today
from api.scheduling.crew import CrewMember, crew_for
from api.scheduling.gazetteer import Gazetteer
from api.scheduling.places import Place
from api.scheduling.settings import SchedulingSettings
from api.scheduling.windows import Window, earliest_bookable_start, window_starting_at

_PAID_ONLY = frozenset({"paid_repair"})


def is_paid_repair(warranty_snapshot: Mapping[str, Any] | None) -> bool:
    """Whether the case's warranty decision leaves only a paid repair.

    A case without a decision is not treated as paid: the fee question comes up once a
    decision says so.
    """
    if not warranty_snapshot:
        return False
    if warranty_snapshot.get("status") == "out_of_warranty":
        return True
    entitlements = warranty_snapshot.get("entitlements")
    return isinstance(entitlements, list) and bool(entitlements) and set(entitlements) <= _PAID_ONLY


def checked_window(
    settings: SchedulingSettings, start: datetime, now: datetime, *, field: str
) -> Window:
    """The configured window starting at ``start``; 422 unless it can be booked now."""
    shown = start.isoformat()
    try:
        window = window_starting_at(start, settings.windows, settings.zone)
    except OverflowError:
        window = None
    if window is None:
        raise problems.invalid_window(shown, [w.label for w in settings.windows], field)
    earliest = earliest_bookable_start(now, settings.min_lead_minutes)
    if window.start < earliest:
        local = earliest.astimezone(settings.zone).isoformat(timespec="minutes")
        raise problems.window_too_soon(shown, local, field)
    if window.local_date > today(now, settings) + timedelta(days=settings.max_days_ahead):
        raise problems.window_too_far(shown, settings.max_days_ahead, field)
    return window


async def served_crew(
    session: AsyncSession, gazetteer: Gazetteer, category: str, place: Place, *, field: str
) -> list[CrewMember]:
    """The technicians serving ``place`` for ``category``; 422 when there are none."""
    crew = await crew_for(session, category, place)
    if crew:
        return crew
    if place.district is None:
        raise problems.district_required(place.city, gazetteer.districts_of(place.city), field)
    raise problems.category_not_served(place.area, category, field)
