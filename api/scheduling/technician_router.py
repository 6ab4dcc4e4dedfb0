"""Technician administration and the gazetteer of served areas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.auth import require_roles
from api.auth_roles import Role
from api.customers.text_rules import Code
from api.db import DbSession, utc_now
from api.errors import problem_responses
from api.scheduling import technician_service as service
from api.scheduling.gazetteer import AreaKind
from api.scheduling.places import load_gazetteer, resolve_place
from api.scheduling.technician_schemas import (
    AddressResolution,
    AreaCode,
    AreaName,
    Deactivation,
    ServiceAreaOut,
    TechnicianCreate,
    TechnicianOut,
    TechnicianPage,
    TechnicianUpdate,
)
from api.scheduling.visit_schemas import MAX_ADDRESS_CHARS

router = APIRouter()

Admin = Annotated[Role, require_roles()]
AreaReader = Annotated[
    Role,
    require_roles(Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND),
]
TechnicianId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Technician id.")]

_READ = problem_responses(404, 422)
_WRITE = problem_responses(404, 409, 422)


@router.post(
    "/technicians",
    tags=["technicians"],
    status_code=status.HTTP_201_CREATED,
    summary="Add a technician",
    responses=_WRITE,
)
async def create_technician(body: TechnicianCreate, session: DbSession, _: Admin) -> TechnicianOut:
    return TechnicianOut.of(await service.create_technician(session, body))


@router.get("/technicians", tags=["technicians"], summary="List technicians", responses=_READ)
async def list_technicians(
    session: DbSession,
    _: Admin,
    active: bool | None = None,
    skill: Annotated[Code | None, Query(description="Category code.")] = None,
    area: Annotated[AreaCode | None, Query(description="Gazetteer code served directly.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> TechnicianPage:
    found, next_cursor = await service.list_technicians(
        session, active=active, skill=skill, area=area, limit=limit, cursor=cursor
    )
    return TechnicianPage(items=[TechnicianOut.of(t) for t in found], next_cursor=next_cursor)


@router.get(
    "/technicians/{technician_id}", tags=["technicians"], summary="A technician", responses=_READ
)
async def get_technician(
    technician_id: TechnicianId, session: DbSession, _: Admin
) -> TechnicianOut:
    return TechnicianOut.of(await service.get_technician(session, technician_id))


@router.patch(
    "/technicians/{technician_id}",
    tags=["technicians"],
    summary="Change a technician; lists given replace the stored ones",
    responses=_WRITE,
)
async def update_technician(
    technician_id: TechnicianId, body: TechnicianUpdate, session: DbSession, _: Admin
) -> TechnicianOut:
    return TechnicianOut.of(await service.update_technician(session, technician_id, body))


@router.post(
    "/technicians/{technician_id}/deactivate",
    tags=["technicians"],
    summary="Take a technician off new bookings; lists the visits to reassign",
    responses=_READ,
)
async def deactivate_technician(
    technician_id: TechnicianId, session: DbSession, _: Admin
) -> Deactivation:
    technician, pending = await service.deactivate_technician(session, technician_id, utc_now())
    return Deactivation(technician=TechnicianOut.of(technician), visits_to_reassign=pending)


@router.get(
    "/service-areas",
    tags=["technicians"],
    summary="The gazetteer: served provinces, cities and districts",
    responses=_READ,
)
async def list_service_areas(
    session: DbSession, _: AreaReader, kind: AreaKind | None = None
) -> list[ServiceAreaOut]:
    areas = await service.list_service_areas(session, kind.value if kind else None)
    return [ServiceAreaOut.of(area) for area in areas]


@router.get(
    "/service-areas/resolve",
    tags=["technicians"],
    summary="The served city and district of a free-text address (422 area_not_served)",
    responses=_READ,
)
async def resolve_address(
    session: DbSession,
    _: AreaReader,
    address: Annotated[str, Query(min_length=1, max_length=MAX_ADDRESS_CHARS)],
) -> AddressResolution:
    place = resolve_place(await load_gazetteer(session), address, field="query.address")
    district = place.district
    return AddressResolution(
        city=AreaName(code=place.city.code, name_zh=place.city.name_zh, name_en=place.city.name_en),
        district=None
        if district is None
        else AreaName(code=district.code, name_zh=district.name_zh, name_en=district.name_en),
        postcode=place.postcode,
    )
