"""Request and response bodies of the availability and visit endpoints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from api.cases.schemas import IDEMPOTENCY_KEY_PATTERN, MAX_ID
from api.customers.text_rules import FreeText, Identifier
from api.db import utc_now
from api.scheduling.availability import Availability, Offer
from api.scheduling.models import Technician, Visit, VisitTransition
from api.scheduling.technician_schemas import AreaName
from api.scheduling.visit_status import VisitStatus
from api.scheduling.windows import Window

CONSENT_CLOCK_SKEW_SECONDS = 300
MAX_ADDRESS_CHARS = 500
MAX_FEE = Decimal("1000000")

CaseId = Annotated[int, Field(ge=1, le=MAX_ID, description="Case id.")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=IDEMPOTENCY_KEY_PATTERN)]
Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_FEE, max_digits=9, decimal_places=2, description="CNY, e.g. 120.00."),
]
Address = Annotated[FreeText, StringConstraints(min_length=1, max_length=MAX_ADDRESS_CHARS)]
PhoneText = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def to_fen(amount: Decimal) -> int:
    return int(amount * 100)


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


UtcInstant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""A moment with its offset, converted to UTC (times that cannot be are refused)."""


def _not_in_future(value: datetime) -> datetime:
    if (value - utc_now()).total_seconds() > CONSENT_CLOCK_SKEW_SECONDS:
        raise ValueError("consent time must not be in the future")
    return value


class FeeConsent(BaseModel):
    """The consumer's answer to the quoted fee of a paid repair."""

    model_config = ConfigDict(extra="forbid")

    accepted: bool = Field(description="True when the consumer accepted the quoted fee.")
    quoted_fee: Money | None = Field(
        default=None, description="The fee the consumer was quoted and accepted."
    )
    consented_at: Annotated[UtcInstant, AfterValidator(_not_in_future)] | None = Field(
        default=None, description="When the consumer accepted; the booking time if left out."
    )


class VisitBooking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: CaseId
    window_start: UtcInstant = Field(
        description="Start of a window offered by availability, with its offset.",
        examples=["2026-12-01T09:00:00+08:00"],
    )
    address: Address | None = Field(
        default=None,
        description="Service address (Chinese or English); the customer's stored address "
        "when left out.",
        examples=["上海市浦东新区张江路100号"],
    )
    contact_phone: PhoneText | None = Field(
        default=None,
        description="Phone the technician calls, as typed; the customer's stored phone when "
        "left out. Stored in E.164.",
    )
    idempotency_key: IdempotencyKey | None = Field(
        default=None,
        description="Repeating a booking with the same key returns the visit booked first; "
        "may be sent in the Idempotency-Key header instead.",
    )
    fee_consent: FeeConsent | None = Field(
        default=None, description="Required for a paid repair (out of warranty)."
    )


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_start: UtcInstant = Field(description="Start of the new window.")
    note: FreeText | None = Field(default=None, description="Why; stored verbatim.")


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[FreeText, StringConstraints(min_length=1)] = Field(
        description="Why the visit is cancelled; stored verbatim."
    )


class PartUsed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Identifier = Field(description="Component code or part number.", examples=["compressor"])
    quantity: int = Field(default=1, ge=1, le=99)


class StatusReport(BaseModel):
    """What happened in the field. ``completed`` needs a resolution."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["en_route", "started", "completed", "no_show"]
    note: FreeText | None = Field(default=None, description="Stored verbatim.")
    resolution: FreeText | None = Field(default=None, description="What was done (completed).")
    parts_used: Annotated[list[PartUsed], Field(max_length=50)] | None = None
    fee_charged: Money | None = Field(
        default=None, description="Charged to the consumer; never above the accepted quote."
    )

    @model_validator(mode="after")
    def _completion_fields(self) -> StatusReport:
        completion = ("resolution", "parts_used", "fee_charged")
        if self.status == "completed":
            if not self.resolution or not self.resolution.strip():
                raise ValueError("a completed visit needs a resolution")
        elif any(getattr(self, name) is not None for name in completion):
            raise ValueError(f"{', '.join(completion)} belong to a completed visit only")
        return self


class WindowOut(BaseModel):
    start: datetime
    end: datetime
    local_date: date
    label: str = Field(description="Local time, e.g. 09:00–12:00.", examples=["09:00–12:00"])

    @classmethod
    def fields_of(cls, window: Window) -> dict[str, Any]:
        return {
            "start": window.start,
            "end": window.end,
            "local_date": window.local_date,
            "label": window.label,
        }

    @classmethod
    def of(cls, window: Window) -> WindowOut:
        return cls(**cls.fields_of(window))

    @classmethod
    def of_times(cls, start: datetime, end: datetime, zone: ZoneInfo) -> WindowOut:
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        return cls(
            start=start,
            end=end,
            local_date=local_start.date(),
            label=f"{local_start:%H:%M}–{local_end:%H:%M}",
        )


class WindowOffer(WindowOut):
    within_service_level: bool
    remaining_capacity: int = Field(ge=1, description="Visits that can still be booked.")

    @classmethod
    def of_offer(cls, offer: Offer) -> WindowOffer:
        return cls(
            **WindowOut.fields_of(offer.window),
            within_service_level=offer.within_service_level,
            remaining_capacity=offer.remaining,
        )


class PlaceOut(BaseModel):
    city: AreaName
    district: AreaName | None
    postcode: str | None


class AvailabilityOut(BaseModel):
    case_id: int | None
    category: str
    place: PlaceOut
    urgent: bool = Field(description="The case is urgent: offer the earliest window first.")
    timezone: str
    service_level_hours: int
    service_level_deadline: datetime
    windows: list[WindowOffer] = Field(description="Open windows, earliest first.")
    service_level_met: bool = Field(description="Some window from now on meets the service level.")
    no_capacity_flagged_at: datetime | None = Field(
        description="When the case was flagged for having no window within the service level."
    )

    @classmethod
    def of(
        cls,
        found: Availability,
        *,
        case_id: int | None,
        urgent: bool,
        timezone: str,
        flagged_at: datetime | None,
    ) -> AvailabilityOut:
        place = found.place
        return cls(
            case_id=case_id,
            category=found.category,
            place=PlaceOut(
                city=_name(place.city),
                district=_name(place.district) if place.district else None,
                postcode=place.postcode,
            ),
            urgent=urgent,
            timezone=timezone,
            service_level_hours=found.service_level_hours,
            service_level_deadline=found.deadline,
            windows=[WindowOffer.of_offer(offer) for offer in found.offers],
            service_level_met=found.service_level_met,
            no_capacity_flagged_at=flagged_at,
        )


def _name(area: Any) -> AreaName:
    return AreaName(code=area.code, name_zh=area.name_zh, name_en=area.name_en)


class TechnicianBrief(BaseModel):
    id: int
    staff_number: str
    name: str
    phone: str

    @classmethod
    def of(cls, technician: Technician) -> TechnicianBrief:
        return cls(
            id=technician.id,
            staff_number=technician.staff_number,
            name=technician.name,
            phone=technician.phone,
        )


class VisitTransitionOut(BaseModel):
    from_status: VisitStatus | None = Field(description="Null for the booking.")
    to_status: VisitStatus
    window_start: datetime | None
    at: datetime
    actor_role: str
    actor_id: str | None
    note: str | None

    @classmethod
    def of(cls, transition: VisitTransition) -> VisitTransitionOut:
        return cls(
            from_status=VisitStatus(transition.from_status) if transition.from_status else None,
            to_status=VisitStatus(transition.to_status),
            window_start=transition.window_start,
            at=transition.at,
            actor_role=transition.actor_role,
            actor_id=transition.actor_id,
            note=transition.note,
        )


class VisitOut(BaseModel):
    id: int
    case_id: int
    status: VisitStatus
    window: WindowOut
    area: str = Field(description="Gazetteer code of the place, e.g. shanghai.pudong.")
    address: str
    contact_phone: str = Field(description="E.164.")
    urgent: bool
    within_service_level: bool = Field(description="The window met the service level when booked.")
    paid_repair: bool
    quoted_fee: Decimal | None
    fee_consent_at: datetime | None
    technician: TechnicianBrief | None = Field(
        description="Staff and dispatch roles only; null for the consumer's assistant."
    )
    resolution: str | None
    parts_used: list[PartUsed] | None
    fee_charged: Decimal | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fields_of(
        cls, visit: Visit, zone: ZoneInfo, technician: Technician | None
    ) -> dict[str, Any]:
        return {
            "id": visit.id,
            "case_id": visit.case_id,
            "status": VisitStatus(visit.status),
            "window": WindowOut.of_times(visit.window_start, visit.window_end, zone),
            "area": visit.area_code,
            "address": visit.address,
            "contact_phone": visit.contact_phone,
            "urgent": visit.urgent,
            "within_service_level": visit.within_service_level,
            "paid_repair": visit.paid_repair,
            "quoted_fee": from_fen(visit.quoted_fee_fen),
            "fee_consent_at": visit.fee_consent_at,
            "technician": TechnicianBrief.of(technician) if technician else None,
            "resolution": visit.resolution,
            "parts_used": visit.parts_used,
            "fee_charged": from_fen(visit.fee_charged_fen),
            "cancel_reason": visit.cancel_reason,
            "created_at": visit.created_at,
            "updated_at": visit.updated_at,
        }

    @classmethod
    def of(cls, visit: Visit, zone: ZoneInfo, technician: Technician | None) -> VisitOut:
        return cls(**cls.fields_of(visit, zone, technician))


class VisitDetailOut(VisitOut):
    transitions: list[VisitTransitionOut] = Field(description="Status history, oldest first.")

    @classmethod
    def of_detail(
        cls, visit: Visit, zone: ZoneInfo, technician: Technician | None
    ) -> VisitDetailOut:
        return cls(
            **cls.fields_of(visit, zone, technician),
            transitions=[VisitTransitionOut.of(item) for item in visit.transitions],
        )


class VisitChanges(BaseModel):
    items: list[VisitOut] = Field(description="Ordered by (updated_at, id).")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to continue after the last item (also to poll for later "
        "changes); null only when nothing was returned and no cursor was sent."
    )
    has_more: bool = Field(description="More changes are ready now.")
