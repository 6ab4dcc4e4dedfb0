"""Booking a visit: one technician's seat in one window, for one case, exactly once.

What only needs reading (the case, the place, the window, the technicians) comes first.
Then the case is held (`lock_case`) before anything is written, so the idempotency check
and the one-active-visit rule see every earlier booking of the case. Seats across cases are
protected by the database alone (`api.scheduling.seats`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.actors import Actor
from api.cases.models import Case
from api.cases.service import get_case
from api.cases.service_kinds import ServiceMode, Urgency
from api.customers.phones import InvalidPhoneError, normalise_phone
from api.customers.preferences import DEFAULT_REGION
from api.errors import ApiError, invalid_field
from api.observability.metrics import VISITS_BOOKED
from api.observability.on_commit import count_on_commit
from api.outbox.service import EventType
from api.scheduling import problems
from api.scheduling.availability import alternatives
from api.scheduling.case_link import booking_path, follow_visit, lock_case
from api.scheduling.crew import CrewMember
from api.scheduling.events import record_visit_event
from api.scheduling.models import Visit, VisitTransition
from api.scheduling.places import Place, load_gazetteer, resolve_place
from api.scheduling.reminders import remind_of_visit
from api.scheduling.rules import checked_window, is_paid_repair, served_crew
from api.scheduling.seats import claim_seat
from api.scheduling.settings import SchedulingSettings
from api.scheduling.visit_queries import active_visit_of, load_visit
from api.scheduling.visit_schemas import VisitBooking, WindowOffer, to_fen
from api.scheduling.visit_status import VisitStatus
from api.scheduling.windows import Window, service_level_deadline, within_service_level


async def book_visit(
    session: AsyncSession,
    settings: SchedulingSettings,
    request: VisitBooking,
    actor: Actor,
    *,
    customer: str | None,
    now: datetime,
) -> tuple[Visit, bool]:
    """Book a visit; returns it and whether it is new (False: the idempotency key was seen).

    Refusals: 404 for a case the caller may not see; 409 ``idempotency_key_reused``,
    ``visit_already_booked``, ``not_onsite``, ``case_not_bookable``, ``window_full`` (with
    alternatives); 422 ``fee_consent_required``, ``address_required``, ``area_not_served``
    and the window checks.
    """
    case = await get_case(session, request.case_id, customer=customer)
    fingerprint = _fingerprint(request)
    # A retry returns the visit as booked, even once its window is no longer bookable.
    earlier = await _earlier_booking(session, case.id, request, fingerprint)
    if earlier is not None:
        return earlier, False
    category = _onsite_category(case)
    paid = is_paid_repair(case.warranty_snapshot)
    consent = request.fee_consent
    if paid and (consent is None or not consent.accepted):
        raise problems.fee_consent_required()
    address = request.address or case.customer.address
    if not address:
        raise problems.address_required()
    phone = _contact_phone(request.contact_phone or case.customer.phone, case.customer.region)
    gazetteer = await load_gazetteer(session)
    address_field = "body.address" if request.address else "customer.address"
    place = resolve_place(gazetteer, address, field=address_field)
    window = checked_window(settings, request.window_start, now, field="body.window_start")
    crew = await served_crew(session, gazetteer, category, place, field=address_field)

    # Everything above only reads; from here the case is held until the transaction ends.
    state = await lock_case(session, case.id)
    earlier = await _earlier_booking(session, case.id, request, fingerprint)
    if earlier is not None:
        return earlier, False
    active = await active_visit_of(session, case.id)
    if active is not None:
        raise problems.visit_already_booked(case.id, active)
    booking_path(case.id, state)
    seat = await claim_seat(session, crew, window, settings.zone, now=now, spread_by=case.id)
    if seat is None:
        raise await window_full(session, settings, crew, place, window, now)

    deadline = service_level_deadline(now, settings.service_level_hours(place.urban))
    consented_at: datetime | None = None
    quoted_fee_fen: int | None = None
    if consent is not None and consent.accepted:
        consented_at = consent.consented_at or now
        quoted_fee_fen = None if consent.quoted_fee is None else to_fen(consent.quoted_fee)
    visit = Visit(
        case_id=case.id,
        technician_id=seat.technician_id,
        slot_id=seat.slot_id,
        status=VisitStatus.BOOKED.value,
        window_start=window.start,
        window_end=window.end,
        area_code=place.area.code,
        address=address,
        contact_phone=phone,
        urgent=case.urgency == Urgency.URGENT.value,
        within_service_level=within_service_level(window, deadline),
        paid_repair=paid,
        quoted_fee_fen=quoted_fee_fen,
        fee_consent_at=consented_at,
        idempotency_key=request.idempotency_key,
        idempotency_fingerprint=fingerprint if request.idempotency_key else None,
        created_at=now,
        updated_at=now,
    )
    session.add(visit)
    await session.flush()
    session.add(
        VisitTransition(
            visit_id=visit.id,
            from_status=None,
            to_status=VisitStatus.BOOKED.value,
            window_start=window.start,
            technician_id=seat.technician_id,
            at=now,
            actor_role=actor.role.value,
            actor_id=actor.id,
        )
    )
    await session.flush()
    await follow_visit(session, case.id, state, VisitStatus.BOOKED, actor, note=f"visit {visit.id}")
    booked = await load_visit(session, visit.id)
    record_visit_event(session, EventType.VISIT_BOOKED, booked, booked.technician)
    await remind_of_visit(session, booked, reminder_time=settings.reminder_time, now=now)
    count_on_commit(session, VISITS_BOOKED)
    await session.flush()
    return booked, True


async def window_full(
    session: AsyncSession,
    settings: SchedulingSettings,
    crew: Sequence[CrewMember],
    place: Place,
    window: Window,
    now: datetime,
) -> ApiError:
    """409 ``window_full`` carrying the next open windows of the same technicians."""
    offers = await alternatives(
        session, settings, crew=crew, place=place, now=now, excluding=window.start
    )
    listed = [WindowOffer.of_offer(offer).model_dump(mode="json") for offer in offers]
    local = window.start.astimezone(settings.zone).isoformat(timespec="minutes")
    return problems.window_full(local, listed)


def _onsite_category(case: Case) -> str:
    """The category of a case served onsite; 409 or 422 for a case no visit can serve."""
    if case.service_mode != ServiceMode.ONSITE.value:
        raise problems.not_onsite(case.id, case.service_mode)
    if case.category_code is None:
        raise problems.category_required(case.id)
    return case.category_code


def _contact_phone(raw: str | None, region: str | None) -> str:
    if raw is None:
        raise invalid_field(
            "body.contact_phone",
            "contact_phone_required",
            "A contact phone is needed: send one, or store it on the customer's profile.",
        )
    try:
        return normalise_phone(raw, region or DEFAULT_REGION)
    except InvalidPhoneError as error:
        raise invalid_field("body.contact_phone", "invalid_phone", str(error)) from None


def _fingerprint(request: VisitBooking) -> str:
    document = request.model_dump(mode="json", exclude={"idempotency_key"})
    document["window_start"] = request.window_start.astimezone(UTC).isoformat()
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def _earlier_booking(
    session: AsyncSession, case_id: int, request: VisitBooking, fingerprint: str
) -> Visit | None:
    """The visit booked before with the request's idempotency key, if any; 409 when the key
    was used for a different booking."""
    if request.idempotency_key is None:
        return None
    query = select(Visit.id).where(
        Visit.case_id == case_id, Visit.idempotency_key == request.idempotency_key
    )
    visit_id = (await session.execute(query)).scalar_one_or_none()
    if visit_id is None:
        return None
    visit = await load_visit(session, visit_id)
    if visit.idempotency_fingerprint != fingerprint:
        raise ApiError(
            409,
            "idempotency_key_reused",
            f"The idempotency key {visit.idempotency_key} was used for a different booking "
            f"(visit {visit.id}); send a new key for a new booking.",
            extra={"visit_id": visit.id},
        )
    return visit
