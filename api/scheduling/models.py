"""Scheduling tables: the gazetteer of served areas, technicians, seats, visits and flags.

A booking holds a seat: a ``visit_slots`` row unique on (technician, window start, seat),
with ``seat`` below the technician's capacity per window. Two transactions can never hold
the same seat, whatever the concurrency, because the database refuses the second row.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utc_now
from api.scheduling.gazetteer import AreaKind
from api.scheduling.visit_status import ACTIVE_STATUSES, VisitStatus

MAX_CAPACITY_PER_WINDOW = 8
AREA_CODE_LENGTH = 64
STAFF_NUMBER_LENGTH = 32
POSTCODE_LENGTH = 6


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


_ACTIVE = _one_of("status", sorted(status.value for status in ACTIVE_STATUSES))


class ServiceArea(Base):
    """One place of the gazetteer: a province, a city or a district, with its names."""

    __tablename__ = "service_areas"
    __table_args__ = (CheckConstraint(_one_of("kind", [k.value for k in AreaKind]), name="kind"),)

    code: Mapped[str] = mapped_column(String(AREA_CODE_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("service_areas.code"))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    postcode_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    urban: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Technician(Base):
    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint(
            f"capacity_per_window BETWEEN 1 AND {MAX_CAPACITY_PER_WINDOW}",
            name="capacity_per_window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_number: Mapped[str] = mapped_column(String(STAFF_NUMBER_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    capacity_per_window: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    skills: Mapped[list[TechnicianSkill]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TechnicianSkill.category_code"
    )
    areas: Mapped[list[TechnicianArea]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TechnicianArea.id"
    )
    working_days: Mapped[list[TechnicianWorkingDay]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TechnicianWorkingDay.weekday"
    )


class TechnicianSkill(Base):
    __tablename__ = "technician_skills"

    technician_id: Mapped[int] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(
        ForeignKey("categories.code"), primary_key=True, index=True
    )


class TechnicianArea(Base):
    """Where a technician works: a gazetteer area (and all below it) or a postcode prefix."""

    __tablename__ = "technician_areas"
    __table_args__ = (
        CheckConstraint(
            "(area_code IS NULL) <> (postcode_prefix IS NULL)", name="area_or_postcode"
        ),
        UniqueConstraint("technician_id", "area_code"),
        UniqueConstraint("technician_id", "postcode_prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), index=True
    )
    area_code: Mapped[str | None] = mapped_column(ForeignKey("service_areas.code"))
    postcode_prefix: Mapped[str | None] = mapped_column(String(POSTCODE_LENGTH))


class TechnicianWorkingDay(Base):
    """Working hours on one weekday (0 = Monday), local time of the scheduling time zone."""

    __tablename__ = "technician_working_days"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("starts_at < ends_at", name="hours_ordered"),
    )

    technician_id: Mapped[int] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class VisitSlot(Base):
    """A seat held by a visit: the database's guarantee against double booking."""

    __tablename__ = "visit_slots"
    __table_args__ = (
        UniqueConstraint("technician_id", "window_start", "seat"),
        CheckConstraint(f"seat >= 0 AND seat < {MAX_CAPACITY_PER_WINDOW}", name="seat"),
        Index("ix_visit_slots_window_start", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    seat: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_one_of("status", [s.value for s in VisitStatus]), name="status"),
        # Every visit but a cancelled one holds its seat (a missed or finished visit used it).
        CheckConstraint("(status = 'cancelled') = (slot_id IS NULL)", name="seat_held"),
        CheckConstraint("quoted_fee_fen >= 0", name="quoted_fee"),
        CheckConstraint("fee_charged_fen >= 0", name="fee_charged"),
        UniqueConstraint("case_id", "idempotency_key"),
        UniqueConstraint("slot_id"),
        Index(
            "uq_visits_active_case",
            "case_id",
            unique=True,
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
        Index("ix_visits_updated_at_id", "updated_at", "id"),
        Index("ix_visits_technician_id_window_start", "technician_id", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("visit_slots.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.BOOKED.value)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime] = mapped_column(UtcDateTime)
    area_code: Mapped[str] = mapped_column(ForeignKey("service_areas.code"))
    address: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    within_service_level: Mapped[bool] = mapped_column(Boolean)
    paid_repair: Mapped[bool] = mapped_column(Boolean, default=False)
    quoted_fee_fen: Mapped[int | None] = mapped_column(Integer)
    fee_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    parts_used: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    fee_charged_fen: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    technician: Mapped[Technician] = relationship(lazy="raise")
    transitions: Mapped[list[VisitTransition]] = relationship(
        lazy="raise", order_by="VisitTransition.id", back_populates="visit"
    )


class VisitTransition(Base):
    """One status change of a visit; the first row records the booking (no ``from_status``)."""

    __tablename__ = "visit_transitions"
    __table_args__ = (
        CheckConstraint(_one_of("from_status", [s.value for s in VisitStatus]), name="from_status"),
        CheckConstraint(_one_of("to_status", [s.value for s in VisitStatus]), name="to_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    window_start: Mapped[datetime | None] = mapped_column(
        UtcDateTime, doc="The visit's window after this change, when it set one."
    )
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(lazy="raise", back_populates="transitions")


class CaseSchedulingFlag(Base):
    """A scheduling problem on a case that needs a person, raised once per case and kind."""

    __tablename__ = "case_scheduling_flags"
    __table_args__ = (
        CheckConstraint(_one_of("flag", ["no_capacity"]), name="flag"),
        UniqueConstraint("case_id", "flag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    flag: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
