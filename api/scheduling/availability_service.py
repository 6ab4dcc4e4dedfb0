"""Availability for a case (its category, urgency and the consumer's address) or for a
category and an address; a case with no window inside the service level is flagged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import column, exists, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.service import get_case
from api.cases.service_kinds import ServiceMode, Urgency
from api.errors import invalid_field
from api.scheduling import problems
from api.scheduling.availability import Availability, availability, today
from api.scheduling.capacity_alerts import flagged_at, raise_no_capacity
from api.scheduling.places import load_gazetteer, resolve_place
from api.scheduling.rules import served_crew
from api.scheduling.settings import SchedulingSettings
from api.scheduling.visit_queries import active_visit_of
from api.scheduling.visit_schemas import AvailabilityOut

MAX_SPAN_DAYS = 31

_categories = table("categories", column("code"))


def day_range(
    settings: SchedulingSettings, now: datetime, first: date | None, last: date | None
) -> tuple[date, date]:
    """The local days to list: from today (or ``first``) for ``horizon_days`` (or to ``last``)."""
    current = today(now, settings)
    latest = current + timedelta(days=settings.max_days_ahead)
    start = max(first or current, current)
    if start > latest:
        raise invalid_field(
            "query.from",
            "invalid_range",
            f"Visits can be booked at most {settings.max_days_ahead} days ahead.",
        )
    end = last or start + timedelta(days=settings.horizon_days - 1)
    if end < start:
        raise invalid_field("query.to", "invalid_range", "`to` must not be before `from`.")
    if (end - start).days >= MAX_SPAN_DAYS:
        raise invalid_field(
            "query.to", "invalid_range", f"At most {MAX_SPAN_DAYS} days can be listed at once."
        )
    return start, min(end, latest)


async def _find(
    session: AsyncSession,
    settings: SchedulingSettings,
    *,
    category: str,
    address: str,
    address_field: str,
    now: datetime,
    first: date | None,
    last: date | None,
) -> Availability:
    first_day, last_day = day_range(settings, now, first, last)
    gazetteer = await load_gazetteer(session)
    place = resolve_place(gazetteer, address, field=address_field)
    crew = await served_crew(session, gazetteer, category, place, field=address_field)
    return await availability(
        session,
        settings,
        category=category,
        crew=crew,
        place=place,
        now=now,
        first_day=first_day,
        last_day=last_day,
    )


async def availability_for_address(
    session: AsyncSession,
    settings: SchedulingSettings,
    *,
    category: str,
    address: str,
    now: datetime,
    first: date | None,
    last: date | None,
) -> AvailabilityOut:
    known = await session.execute(select(exists().where(_categories.c.code == category)))
    if not known.scalar():
        raise invalid_field(
            "query.category", "unknown_category", f"{category!r} is not a catalogue category."
        )
    found = await _find(
        session,
        settings,
        category=category,
        address=address,
        address_field="query.address",
        now=now,
        first=first,
        last=last,
    )
    return AvailabilityOut.of(
        found, case_id=None, urgent=False, timezone=settings.timezone, flagged_at=None
    )


async def availability_for_case(
    session: AsyncSession,
    settings: SchedulingSettings,
    case_id: int,
    *,
    customer: str | None,
    address: str | None,
    now: datetime,
    first: date | None,
    last: date | None,
) -> AvailabilityOut:
    """Windows for the case; with none inside the service level (and no visit booked), the
    case is flagged ``no_capacity`` once, with the time, and handed to a person."""
    case = await get_case(session, case_id, customer=customer)
    if case.service_mode != ServiceMode.ONSITE.value:
        raise problems.not_onsite(case.id, case.service_mode)
    if case.category_code is None:
        raise problems.category_required(case.id)
    where = address or case.customer.address
    if not where:
        raise problems.address_required()
    found = await _find(
        session,
        settings,
        category=case.category_code,
        address=where,
        address_field="query.address" if address else "customer.address",
        now=now,
        first=first,
        last=last,
    )
    raised_at = await flagged_at(session, case.id)
    if (
        not found.service_level_met
        and raised_at is None
        and await active_visit_of(session, case.id) is None
    ):
        raised_at = await raise_no_capacity(
            session,
            case,
            now,
            {
                "area": found.place.area.code,
                "category": case.category_code,
                "service_level_deadline": found.deadline.isoformat(),
            },
        )
    return AvailabilityOut.of(
        found,
        case_id=case.id,
        urgent=case.urgency == Urgency.URGENT.value,
        timezone=settings.timezone,
        flagged_at=raised_at,
    )
