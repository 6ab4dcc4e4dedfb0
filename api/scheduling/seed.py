"""Seed sections ``service_areas`` (order 49) and ``technicians`` (order 50).

``service_areas`` is the gazetteer, nested: provinces may list ``cities``, cities list
``districts``; every area has ``code``, ``name_zh``, ``name_en`` and optionally ``aliases``,
``postcode_prefixes`` and ``urban`` (default true; false gives the 48-hour service level).
It loads before ``technicians``, whose service areas name its codes. Areas are upserted by
code; technicians by staff number, with the fields of ``POST /technicians``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import utc_now
from api.errors import ApiError
from api.scheduling.gazetteer import AreaKind
from api.scheduling.models import ServiceArea
from api.scheduling.technician_schemas import (
    AreaCode,
    PostcodePrefix,
    TechnicianCreate,
    TechnicianUpdate,
)
from api.scheduling.technician_service import (
    create_technician,
    find_by_staff_number,
    update_technician,
)
from api.seeding import SeedError, register_section

AREAS_ORDER = 49
TECHNICIANS_ORDER = 50

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class _AreaSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: AreaCode
    name_zh: Name
    name_en: Name
    aliases: list[Name] = Field(default_factory=list)
    postcode_prefixes: list[PostcodePrefix] = Field(default_factory=list)
    urban: bool = True


class _CitySeed(_AreaSeed):
    districts: list[_AreaSeed] = Field(default_factory=list)


class _TopSeed(BaseModel):
    """A top-level item: a province with cities, or a city (a municipality) with districts."""

    model_config = ConfigDict(extra="forbid")

    kind: AreaKind
    code: AreaCode
    name_zh: Name
    name_en: Name
    aliases: list[Name] = Field(default_factory=list)
    postcode_prefixes: list[PostcodePrefix] = Field(default_factory=list)
    urban: bool = True
    cities: list[_CitySeed] = Field(default_factory=list)
    districts: list[_AreaSeed] = Field(default_factory=list)


def _flatten(top: _TopSeed, where: str) -> list[tuple[AreaKind, str | None, _AreaSeed]]:
    if top.kind is AreaKind.DISTRICT:
        raise SeedError(f"{where}: a district belongs under its city's districts")
    if top.kind is AreaKind.PROVINCE and top.districts:
        raise SeedError(f"{where}: a province lists cities, not districts")
    if top.kind is AreaKind.CITY and top.cities:
        raise SeedError(f"{where}: a city lists districts, not cities")
    own = _AreaSeed.model_validate(top.model_dump(exclude={"kind", "cities", "districts"}))
    flat: list[tuple[AreaKind, str | None, _AreaSeed]] = [(top.kind, None, own)]
    cities = [(city, top.code) for city in top.cities]
    if top.kind is AreaKind.CITY:
        flat.extend((AreaKind.DISTRICT, top.code, district) for district in top.districts)
    for city, province in cities:
        flat.append((AreaKind.CITY, province, city))
        flat.extend((AreaKind.DISTRICT, city.code, district) for district in city.districts)
    return flat


_LEVELS = (AreaKind.PROVINCE, AreaKind.CITY, AreaKind.DISTRICT)


async def load_service_areas(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    flat: list[tuple[AreaKind, str | None, _AreaSeed]] = []
    for index, item in enumerate(items):
        where = f"service_areas[{index}] {item.get('code', '?')}"
        try:
            top = _TopSeed.model_validate(item)
        except ValidationError as error:
            raise SeedError(f"{where}: {error}") from error
        flat.extend(_flatten(top, where))
    codes = [area.code for _, _, area in flat]
    existing = await session.execute(select(ServiceArea).where(ServiceArea.code.in_(codes)))
    rows = {row.code: row for row in existing.scalars()}
    now = utc_now()
    # Children refer to their parent by foreign key: each level is written before the next.
    for level in _LEVELS:
        for kind, parent, area in flat:
            if kind is level:
                _upsert_area(session, rows, kind, parent, area, now)
        await session.flush()
    return len(flat)


def _upsert_area(
    session: AsyncSession,
    rows: dict[str, ServiceArea],
    kind: AreaKind,
    parent: str | None,
    area: _AreaSeed,
    now: datetime,
) -> None:
    row = rows.get(area.code)
    if row is None:
        row = rows[area.code] = ServiceArea(code=area.code, created_at=now)
        session.add(row)
    row.kind = kind.value
    row.parent_code = parent
    row.name_zh = area.name_zh
    row.name_en = area.name_en
    row.aliases = list(area.aliases)
    row.postcode_prefixes = list(area.postcode_prefixes)
    row.urban = area.urban
    row.updated_at = now


async def load_technicians(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for index, item in enumerate(items):
        where = f"technicians[{index}] {item.get('staff_number', '?')}"
        try:
            data = TechnicianCreate.model_validate(item)
            existing = await find_by_staff_number(session, data.staff_number)
            if existing is None:
                await create_technician(session, data)
            else:
                changes = TechnicianUpdate.model_validate(data.model_dump(exclude={"staff_number"}))
                await update_technician(session, existing.id, changes)
        except ValidationError as error:
            raise SeedError(f"{where}: {error}") from error
        except ApiError as error:
            problems = [f"{problem.field}: {problem.message}" for problem in error.errors]
            raise SeedError(f"{where}: {'; '.join(problems) or error.detail}") from error
    return len(items)


register_section("service_areas", AREAS_ORDER, load_service_areas)
register_section("technicians", TECHNICIANS_ORDER, load_technicians)
