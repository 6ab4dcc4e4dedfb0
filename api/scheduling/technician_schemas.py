"""Request and response bodies of the technician and service-area endpoints."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.customers.text_rules import Code, PersonName
from api.scheduling.models import (
    AREA_CODE_LENGTH,
    MAX_CAPACITY_PER_WINDOW,
    STAFF_NUMBER_LENGTH,
    ServiceArea,
    Technician,
)

AREA_CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
AreaCode = Annotated[str, StringConstraints(pattern=AREA_CODE_PATTERN, max_length=AREA_CODE_LENGTH)]
"""A gazetteer code: ``shanghai``, ``shanghai.pudong``, ``guangdong``."""

StaffNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=STAFF_NUMBER_LENGTH),
]
PostcodePrefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]
PhoneText = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:
        return list(Weekday).index(self)

    @classmethod
    def of(cls, index: int) -> Weekday:
        return list(cls)[index]


class WorkingHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: time = Field(description="Local time, e.g. 09:00.", examples=["09:00"])
    end: time = Field(description="Local time, e.g. 19:00.", examples=["19:00"])

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local times without an offset")
        if self.start >= self.end:
            raise ValueError("working hours must end after they start")
        return self


class ServiceAreaRef(BaseModel):
    """A gazetteer area (covering everything below it) or a postcode prefix; exactly one."""

    model_config = ConfigDict(extra="forbid")

    area: AreaCode | None = Field(default=None, examples=["shanghai.pudong"])
    postcode_prefix: PostcodePrefix | None = Field(default=None, examples=["2012"])

    @model_validator(mode="after")
    def _exactly_one(self) -> ServiceAreaRef:
        if (self.area is None) == (self.postcode_prefix is None):
            raise ValueError("give exactly one of area and postcode_prefix")
        return self


Skills = Annotated[list[Code], Field(min_length=1, max_length=20)]
Areas = Annotated[list[ServiceAreaRef], Field(min_length=1, max_length=100)]
Schedule = Annotated[dict[Weekday, WorkingHours], Field(min_length=1)]
Capacity = Annotated[int, Field(ge=1, le=MAX_CAPACITY_PER_WINDOW)]

_DESCRIPTIONS = {
    "skills": "Category codes the technician repairs, e.g. air_conditioner.",
    "areas": "Where the technician works.",
    "working_hours": "Working hours by weekday; days left out are days off.",
    "capacity_per_window": "Visits the technician can take in one window.",
    "phone": "Phone number as typed; stored in E.164 (numbers without +: read as CN).",
}


class TechnicianCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_number: StaffNumber = Field(examples=["SH-0001"])
    name: PersonName = Field(examples=["王建国"])
    phone: PhoneText = Field(description=_DESCRIPTIONS["phone"], examples=["139 1234 5678"])
    skills: Skills = Field(description=_DESCRIPTIONS["skills"])
    areas: Areas = Field(description=_DESCRIPTIONS["areas"])
    working_hours: Schedule = Field(description=_DESCRIPTIONS["working_hours"])
    capacity_per_window: Capacity = Field(
        default=1, description=_DESCRIPTIONS["capacity_per_window"]
    )
    active: bool = True


class TechnicianUpdate(BaseModel):
    """Fields to change; lists replace the stored ones. Fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    phone: PhoneText | None = Field(default=None, description=_DESCRIPTIONS["phone"])
    skills: Skills | None = Field(default=None, description=_DESCRIPTIONS["skills"])
    areas: Areas | None = Field(default=None, description=_DESCRIPTIONS["areas"])
    working_hours: Schedule | None = Field(default=None, description=_DESCRIPTIONS["working_hours"])
    capacity_per_window: Capacity | None = Field(
        default=None, description=_DESCRIPTIONS["capacity_per_window"]
    )
    active: bool | None = None

    @model_validator(mode="after")
    def _nothing_cleared(self) -> TechnicianUpdate:
        cleared = [name for name in self.model_fields_set if getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(sorted(cleared))} cannot be cleared, only changed")
        return self


class TechnicianOut(BaseModel):
    id: int
    staff_number: str
    name: str
    phone: str = Field(description="E.164.")
    skills: list[str]
    areas: list[ServiceAreaRef]
    working_hours: dict[Weekday, WorkingHours]
    capacity_per_window: int
    active: bool
    created_at: datetime
    updated_at: datetime
    deactivated_at: datetime | None

    @classmethod
    def of(cls, technician: Technician) -> TechnicianOut:
        return cls(
            id=technician.id,
            staff_number=technician.staff_number,
            name=technician.name,
            phone=technician.phone,
            skills=[skill.category_code for skill in technician.skills],
            areas=[
                ServiceAreaRef(area=item.area_code, postcode_prefix=item.postcode_prefix)
                for item in technician.areas
            ],
            working_hours={
                Weekday.of(day.weekday): WorkingHours(start=day.starts_at, end=day.ends_at)
                for day in technician.working_days
            },
            capacity_per_window=technician.capacity_per_window,
            active=technician.active,
            created_at=technician.created_at,
            updated_at=technician.updated_at,
            deactivated_at=technician.deactivated_at,
        )


class TechnicianPage(BaseModel):
    items: list[TechnicianOut] = Field(description="By id.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class Deactivation(BaseModel):
    technician: TechnicianOut
    visits_to_reassign: list[int] = Field(
        description="Ids of the technician's booked visits that have not started yet."
    )


class ServiceAreaOut(BaseModel):
    code: str
    kind: str = Field(description="province, city or district.")
    parent: str | None
    name_zh: str
    name_en: str
    aliases: list[str]
    postcode_prefixes: list[str]
    urban: bool = Field(
        description="City service level (visit within 24 h by default) rather than 48 h."
    )

    @classmethod
    def of(cls, area: ServiceArea) -> ServiceAreaOut:
        return cls(
            code=area.code,
            kind=area.kind,
            parent=area.parent_code,
            name_zh=area.name_zh,
            name_en=area.name_en,
            aliases=list(area.aliases or ()),
            postcode_prefixes=list(area.postcode_prefixes or ()),
            urban=area.urban,
        )


class AreaName(BaseModel):
    code: str
    name_zh: str
    name_en: str


class AddressResolution(BaseModel):
    city: AreaName
    district: AreaName | None
    postcode: str | None
