"""Visit endpoints: availability, booking, changes, the dispatch feed; thin HTTP over the
scheduling services. Technician administration comes from `technician_router`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.auth_roles import Role
from api.cases.actors import Actor
from api.cases.schemas import IDEMPOTENCY_KEY_PATTERN, MAX_ID
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.text_rules import Code
from api.db import DbSession, utc_now
from api.errors import invalid_field, problem_responses
from api.scheduling import booking, visit_changes, visit_queries
from api.scheduling.availability_service import availability_for_address, availability_for_case
from api.scheduling.models import Visit
from api.scheduling.settings import Scheduling
from api.scheduling.technician_router import router as technician_router
from api.scheduling.visit_schemas import (
    MAX_ADDRESS_CHARS,
    AvailabilityOut,
    CancelRequest,
    RescheduleRequest,
    StatusReport,
    UtcInstant,
    VisitBooking,
    VisitChanges,
    VisitDetailOut,
    VisitOut,
)

router = APIRouter()
router.include_router(technician_router)

CONSUMER_SIDE = (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR)
EVERY_SERVICE = (*CONSUMER_SIDE, Role.BACKEND)

VisitId = Annotated[int, Path(ge=1, le=MAX_ID, description="Visit id.")]
CasePathId = Annotated[int, Path(ge=1, le=MAX_ID, description="Case id.")]


def _actor(caller: Caller) -> Actor:
    return Actor(role=caller.role, id=caller.actor_id)


def _detail(visit: Visit, caller: Caller, scheduling: Scheduling) -> VisitDetailOut:
    technician = None if caller.is_consumer_scoped else visit.technician
    return VisitDetailOut.of_detail(visit, scheduling.zone, technician)


@router.get(
    "/visits/availability",
    tags=["visits"],
    summary="Bookable visit windows, earliest first, for a case or a category and address",
    description=(
        "Windows with a free seat, earliest first, each with the seats left and whether it "
        "meets the service level (24 h in city districts, 48 h elsewhere, counted from now). "
        "Which technician would come is never shown. For a case with no window inside the "
        "service level (and no visit booked), the case is flagged `no_capacity` and handed "
        "to a person, once. An address outside the served cities is a 422 `area_not_served` "
        "listing them."
    ),
    responses=problem_responses(400, 404, 409, 422),
)
async def get_availability(
    session: DbSession,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(*EVERY_SERVICE)],
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    category: Annotated[Code | None, Query(description="Without case_id.")] = None,
    address: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ADDRESS_CHARS,
            description="Chinese or English; for a case, the customer's stored one by default.",
        ),
    ] = None,
    first_day: Annotated[
        date | None, Query(alias="from", description="First local day; default today.")
    ] = None,
    last_day: Annotated[
        date | None, Query(alias="to", description="Last local day; default from + horizon.")
    ] = None,
) -> AvailabilityOut:
    now = utc_now()
    if case_id is not None:
        if category is not None:
            raise invalid_field(
                "query.category",
                "case_or_category",
                "Give case_id or category, not both: a case has its own category.",
            )
        return await availability_for_case(
            session,
            scheduling,
            case_id,
            customer=caller.customer,
            address=address,
            now=now,
            first=first_day,
            last=last_day,
        )
    if category is None or address is None:
        missing = "query.category" if category is None else "query.address"
        raise invalid_field(missing, "missing_field", "Give case_id, or both category and address.")
    return await availability_for_address(
        session,
        scheduling,
        category=category,
        address=address,
        now=now,
        first=first_day,
        last=last_day,
    )


@router.post(
    "/visits",
    tags=["visits"],
    status_code=status.HTTP_201_CREATED,
    summary="Book a visit (idempotent with an Idempotency-Key)",
    responses={
        200: {"model": VisitDetailOut, "description": "The visit booked earlier with this key."},
        **problem_responses(400, 403, 404, 409, 422),
    },
)
async def book_visit(
    body: VisitBooking,
    session: DbSession,
    scheduling: Scheduling,
    response: Response,
    caller: Annotated[Caller, caller_with_roles(*CONSUMER_SIDE)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Same as the body field idempotency_key.",
        ),
    ] = None,
) -> VisitDetailOut:
    if idempotency_key is not None:
        if body.idempotency_key not in (None, idempotency_key):
            raise invalid_field(
                "body.idempotency_key",
                "idempotency_key_conflict",
                "The Idempotency-Key header and the body's idempotency_key differ.",
            )
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    visit, created = await booking.book_visit(
        session, scheduling, body, _actor(caller), customer=caller.customer, now=utc_now()
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _detail(visit, caller, scheduling)


@router.get(
    "/visits",
    tags=["visits"],
    summary="Visits changed since a time or cursor, for the dispatch system",
    responses=problem_responses(422),
)
async def list_visit_changes(
    session: DbSession,
    scheduling: Scheduling,
    _: Annotated[Caller, caller_with_roles(Role.BACKEND)],
    updated_since: Annotated[
        UtcInstant | None, Query(description="Only visits changed at or after this moment.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> VisitChanges:
    visits, next_cursor, has_more = await visit_queries.visit_changes(
        session,
        updated_since=updated_since,
        cursor=cursor,
        limit=limit,
        now=utc_now(),
        settle_seconds=scheduling.pull_settle_seconds,
    )
    return VisitChanges(
        items=[VisitOut.of(visit, scheduling.zone, visit.technician) for visit in visits],
        next_cursor=next_cursor,
        has_more=has_more,
    )


@router.get(
    "/visits/{visit_id}",
    tags=["visits"],
    summary="A visit with its history",
    responses=problem_responses(400, 404),
)
async def get_visit(
    visit_id: VisitId,
    session: DbSession,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(*EVERY_SERVICE)],
) -> VisitDetailOut:
    visit = await visit_queries.get_visit(session, visit_id, customer=caller.customer)
    return _detail(visit, caller, scheduling)


@router.get(
    "/cases/{case_id}/visits",
    tags=["visits"],
    summary="A case's visits, oldest first",
    responses=problem_responses(400, 404),
)
async def list_case_visits(
    case_id: CasePathId,
    session: DbSession,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(*EVERY_SERVICE)],
) -> list[VisitDetailOut]:
    visits = await visit_queries.visits_of_case(session, case_id, customer=caller.customer)
    return [_detail(visit, caller, scheduling) for visit in visits]


@router.post(
    "/visits/{visit_id}/reschedule",
    tags=["visits"],
    summary="Move a visit to another window",
    responses=problem_responses(400, 404, 409, 422),
)
async def reschedule_visit(
    visit_id: VisitId,
    body: RescheduleRequest,
    session: DbSession,
    settings: Settings,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(*EVERY_SERVICE)],
) -> VisitDetailOut:
    visit = await visit_changes.reschedule_visit(
        session,
        scheduling,
        visit_id,
        body,
        _actor(caller),
        customer=caller.customer,
        now=utc_now(),
        max_text_chars=settings.max_text_chars,
    )
    return _detail(visit, caller, scheduling)


@router.post(
    "/visits/{visit_id}/cancel",
    tags=["visits"],
    summary="Cancel a visit and free its window",
    responses=problem_responses(400, 404, 409, 422),
)
async def cancel_visit(
    visit_id: VisitId,
    body: CancelRequest,
    session: DbSession,
    settings: Settings,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(*EVERY_SERVICE)],
) -> VisitDetailOut:
    visit = await visit_changes.cancel_visit(
        session,
        visit_id,
        body,
        _actor(caller),
        customer=caller.customer,
        now=utc_now(),
        max_text_chars=settings.max_text_chars,
    )
    return _detail(visit, caller, scheduling)


@router.post(
    "/visits/{visit_id}/status",
    tags=["visits"],
    summary="Report en route, started, completed or no-show from the field",
    responses=problem_responses(404, 409, 422),
)
async def report_visit_status(
    visit_id: VisitId,
    body: StatusReport,
    session: DbSession,
    settings: Settings,
    scheduling: Scheduling,
    caller: Annotated[Caller, caller_with_roles(Role.BACKEND)],
) -> VisitDetailOut:
    visit = await visit_changes.report_status(
        session,
        visit_id,
        body,
        _actor(caller),
        now=utc_now(),
        max_text_chars=settings.max_text_chars,
    )
    return _detail(visit, caller, scheduling)
