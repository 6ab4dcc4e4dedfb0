"""Technician records: create, change, list, deactivate; and the service areas they cover."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.customers.insert_once import insert_once
from api.customers.phones import InvalidPhoneError, normalise_phone
from api.customers.preferences import DEFAULT_REGION
from api.db import utc_now
from api.errors import ApiError, invalid_field, not_found
from api.scheduling.models import (
    ServiceArea,
    Technician,
    TechnicianArea,
    TechnicianSkill,
    TechnicianWorkingDay,
    Visit,
)
from api.scheduling.paging import decode_id_cursor, encode_id_cursor
from api.scheduling.technician_schemas import (
    ServiceAreaRef,
    TechnicianCreate,
    TechnicianUpdate,
    Weekday,
    WorkingHours,
)
from api.scheduling.visit_status import VisitStatus

# The catalogue owns categories; technicians only need to know which codes exist.
_categories = table("categories", column("code"))

_FULL = (
    selectinload(Technician.skills),
    selectinload(Technician.areas),
    selectinload(Technician.working_days),
)


async def create_technician(session: AsyncSession, data: TechnicianCreate) -> Technician:
    """A new technician; 409 ``staff_number_taken`` when the staff number is in use."""
    await _ensure_known_skills(session, data.skills)
    await _ensure_known_areas(session, data.areas)
    now = utc_now()
    values = {
        "staff_number": data.staff_number,
        "name": data.name,
        "phone": _phone(data.phone),
        "capacity_per_window": data.capacity_per_window,
        "active": data.active,
        "created_at": now,
        "updated_at": now,
        "deactivated_at": None if data.active else now,
    }
    technician_id = await insert_once(session, Technician, values, unique_on=("staff_number",))
    if technician_id is None:
        raise ApiError(
            409,
            "staff_number_taken",
            f"Staff number {data.staff_number} belongs to another technician.",
            extra={"staff_number": data.staff_number},
        )
    technician = await get_technician(session, technician_id)
    _replace_lists(technician, data.skills, data.areas, data.working_hours)
    await session.flush()
    return technician


async def get_technician(session: AsyncSession, technician_id: int) -> Technician:
    query = (
        select(Technician)
        .where(Technician.id == technician_id)
        .options(*_FULL)
        .execution_options(populate_existing=True)
    )
    technician = (await session.execute(query)).scalar_one_or_none()
    if technician is None:
        raise not_found("technician", technician_id)
    return technician


async def find_by_staff_number(session: AsyncSession, staff_number: str) -> Technician | None:
    query = select(Technician.id).where(Technician.staff_number == staff_number)
    technician_id = (await session.execute(query)).scalar_one_or_none()
    return None if technician_id is None else await get_technician(session, technician_id)


async def update_technician(
    session: AsyncSession, technician_id: int, changes: TechnicianUpdate
) -> Technician:
    technician = await get_technician(session, technician_id)
    if changes.skills is not None:
        await _ensure_known_skills(session, changes.skills)
    if changes.areas is not None:
        await _ensure_known_areas(session, changes.areas)
    now = utc_now()
    if changes.name is not None:
        technician.name = changes.name
    if changes.phone is not None:
        technician.phone = _phone(changes.phone)
    if changes.capacity_per_window is not None:
        technician.capacity_per_window = changes.capacity_per_window
    if changes.active is not None and changes.active != technician.active:
        technician.active = changes.active
        technician.deactivated_at = None if changes.active else now
    _replace_lists(technician, changes.skills, changes.areas, changes.working_hours)
    technician.updated_at = now
    await session.flush()
    return technician


async def deactivate_technician(
    session: AsyncSession, technician_id: int, now: datetime
) -> tuple[Technician, list[int]]:
    """Take a technician off new bookings; returns the booked visits someone must reassign."""
    technician = await get_technician(session, technician_id)
    if technician.active:
        technician.active = False
        technician.deactivated_at = now
        technician.updated_at = now
        await session.flush()
    pending = await session.execute(
        select(Visit.id)
        .where(
            Visit.technician_id == technician_id,
            Visit.status.in_([VisitStatus.BOOKED.value, VisitStatus.EN_ROUTE.value]),
        )
        .order_by(Visit.window_start, Visit.id)
    )
    return technician, list(pending.scalars())


async def list_technicians(
    session: AsyncSession,
    *,
    active: bool | None,
    skill: str | None,
    area: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Technician], str | None]:
    query = select(Technician).options(*_FULL).order_by(Technician.id).limit(limit + 1)
    if active is not None:
        query = query.where(Technician.active.is_(active))
    if skill is not None:
        query = query.where(
            Technician.id.in_(
                select(TechnicianSkill.technician_id).where(TechnicianSkill.category_code == skill)
            )
        )
    if area is not None:
        query = query.where(
            Technician.id.in_(
                select(TechnicianArea.technician_id).where(TechnicianArea.area_code == area)
            )
        )
    if cursor is not None:
        query = query.where(Technician.id > decode_id_cursor(cursor))
    found = list((await session.execute(query)).scalars())
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    return page, encode_id_cursor(page[-1].id)


async def list_service_areas(session: AsyncSession, kind: str | None) -> list[ServiceArea]:
    query = select(ServiceArea).order_by(ServiceArea.code)
    if kind is not None:
        query = query.where(ServiceArea.kind == kind)
    return list((await session.execute(query)).scalars())


def _replace_lists(
    technician: Technician,
    skills: Sequence[str] | None,
    areas: Sequence[ServiceAreaRef] | None,
    working_hours: dict[Weekday, WorkingHours] | None,
) -> None:
    """Make the stored lists equal to the given ones, keeping rows that stay.

    Rows are changed in place rather than replaced: a flush inserts before it deletes, so
    re-adding an area the technician already has would collide with its own old row.
    """
    if skills is not None:
        wanted_skills = set(skills)
        kept = [skill for skill in technician.skills if skill.category_code in wanted_skills]
        known = {skill.category_code for skill in kept}
        technician.skills = kept + [
            TechnicianSkill(category_code=code) for code in sorted(wanted_skills - known)
        ]
    if areas is not None:
        wanted_areas = {(item.area, item.postcode_prefix) for item in areas}
        kept_areas = [
            item
            for item in technician.areas
            if (item.area_code, item.postcode_prefix) in wanted_areas
        ]
        present = {(item.area_code, item.postcode_prefix) for item in kept_areas}
        technician.areas = kept_areas + [
            TechnicianArea(area_code=area, postcode_prefix=prefix)
            for area, prefix in sorted(wanted_areas - present, key=str)
        ]
    if working_hours is not None:
        hours_by_day = {day.index: hours for day, hours in working_hours.items()}
        days = [day for day in technician.working_days if day.weekday in hours_by_day]
        for day in days:
            day.starts_at = hours_by_day[day.weekday].start
            day.ends_at = hours_by_day[day.weekday].end
        present_days = {day.weekday for day in days}
        technician.working_days = days + [
            TechnicianWorkingDay(weekday=index, starts_at=hours.start, ends_at=hours.end)
            for index, hours in sorted(hours_by_day.items())
            if index not in present_days
        ]


def _phone(raw: str) -> str:
    try:
        return normalise_phone(raw, DEFAULT_REGION)
    except InvalidPhoneError as error:
        raise invalid_field("body.phone", "invalid_phone", str(error)) from None


async def _ensure_known_skills(session: AsyncSession, skills: Sequence[str]) -> None:
    wanted = set(skills)
    found = await session.execute(select(_categories.c.code).where(_categories.c.code.in_(wanted)))
    unknown = sorted(wanted - set(found.scalars()))
    if unknown:
        raise invalid_field(
            "body.skills",
            "unknown_category",
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not catalogue "
            "categories.",
        )


async def _ensure_known_areas(session: AsyncSession, areas: Sequence[ServiceAreaRef]) -> None:
    wanted = {item.area for item in areas if item.area is not None}
    if not wanted:
        return
    found = await session.execute(select(ServiceArea.code).where(ServiceArea.code.in_(wanted)))
    unknown = sorted(wanted - set(found.scalars()))
    if unknown:
        raise invalid_field(
            "body.areas",
            "unknown_area",
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the gazetteer "
            "of service areas.",
        )
