"""The technicians who can serve a place and a category, and the seats they hold."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.scheduling.models import (
    Technician,
    TechnicianArea,
    TechnicianSkill,
    TechnicianWorkingDay,
    VisitSlot,
)
from api.scheduling.places import Place, covers
from api.scheduling.windows import Window, WorkingHours, works_during


@dataclass(frozen=True, slots=True)
class CrewMember:
    id: int
    capacity: int
    hours: WorkingHours

    def works_during(self, window: Window) -> bool:
        return works_during(self.hours, window)


SeatKey = tuple[int, datetime]
"""(technician id, window start)."""


async def crew_for(session: AsyncSession, category: str, place: Place) -> list[CrewMember]:
    """Active technicians with the skill whose service areas cover the place, by id.

    Only the technicians serving an area above the place, or some postcode prefix, are read;
    prefixes are then checked against the place.
    """
    skilled = select(TechnicianSkill.technician_id).where(TechnicianSkill.category_code == category)
    areas = await session.execute(
        select(
            Technician.id,
            Technician.capacity_per_window,
            TechnicianArea.area_code,
            TechnicianArea.postcode_prefix,
        )
        .join(TechnicianArea, TechnicianArea.technician_id == Technician.id)
        .where(
            Technician.active.is_(True),
            Technician.id.in_(skilled),
            or_(
                TechnicianArea.area_code.in_(place.lineage),
                TechnicianArea.postcode_prefix.is_not(None),
            ),
        )
    )
    capacities: dict[int, int] = {}
    codes: dict[int, list[str]] = defaultdict(list)
    prefixes: dict[int, list[str]] = defaultdict(list)
    for technician_id, capacity, area_code, prefix in areas.all():
        capacities[technician_id] = capacity
        if area_code is not None:
            codes[technician_id].append(area_code)
        if prefix is not None:
            prefixes[technician_id].append(prefix)
    serving = sorted(
        technician_id
        for technician_id in capacities
        if covers(codes[technician_id], prefixes[technician_id], place)
    )
    if not serving:
        return []
    days = await session.execute(
        select(
            TechnicianWorkingDay.technician_id,
            TechnicianWorkingDay.weekday,
            TechnicianWorkingDay.starts_at,
            TechnicianWorkingDay.ends_at,
        ).where(TechnicianWorkingDay.technician_id.in_(serving))
    )
    hours: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    for technician_id, weekday, starts_at, ends_at in days.all():
        hours[technician_id][weekday] = (starts_at, ends_at)
    return [
        CrewMember(technician_id, capacities[technician_id], hours[technician_id])
        for technician_id in serving
    ]


async def seat_counts(
    session: AsyncSession, technician_ids: Iterable[int], start: datetime, end: datetime
) -> Counter[SeatKey]:
    """Seats held per technician and window, for windows starting in [start, end)."""
    ids = list(technician_ids)
    if not ids:
        return Counter()
    query = (
        select(VisitSlot.technician_id, VisitSlot.window_start, func.count())
        .where(
            VisitSlot.technician_id.in_(ids),
            VisitSlot.window_start >= start,
            VisitSlot.window_start < end,
        )
        .group_by(VisitSlot.technician_id, VisitSlot.window_start)
    )
    rows = await session.execute(query)
    return Counter({(tech, window_start): count for tech, window_start, count in rows.all()})


@dataclass(frozen=True, slots=True)
class HeldSeat:
    technician_id: int
    window_start: datetime
    seat: int


async def held_seats(
    session: AsyncSession, technician_ids: Sequence[int], start: datetime, end: datetime
) -> list[HeldSeat]:
    """Every seat the technicians hold in windows starting in [start, end)."""
    if not technician_ids:
        return []
    query = select(VisitSlot.technician_id, VisitSlot.window_start, VisitSlot.seat).where(
        VisitSlot.technician_id.in_(technician_ids),
        VisitSlot.window_start >= start,
        VisitSlot.window_start < end,
    )
    return [HeldSeat(*row) for row in (await session.execute(query)).all()]
