"""Cases and their status history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.cases.service_kinds import ServiceMode, ServiceType, Urgency
from api.cases.status import CaseStatus
from api.customers.models import Customer
from api.db import Base, UtcDateTime, utc_now


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


_STATUSES = [status.value for status in CaseStatus]

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_one_of("status", _STATUSES), name="status"),
        CheckConstraint(_one_of("escalated_from", _STATUSES), name="escalated_from"),
        CheckConstraint(
            "(status = 'escalated') = (escalated_from IS NOT NULL)", name="escalation_origin"
        ),
        CheckConstraint(
            _one_of("service_type", [t.value for t in ServiceType]), name="service_type"
        ),
        CheckConstraint(
            _one_of("service_mode", [m.value for m in ServiceMode]), name="service_mode"
        ),
        CheckConstraint(_one_of("urgency", [u.value for u in Urgency]), name="urgency"),
        UniqueConstraint("customer_id", "idempotency_key"),
        Index("ix_cases_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_cases_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN.value)
    escalated_from: Mapped[str | None] = mapped_column(String(20))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    brand: Mapped[str | None] = mapped_column(String(64))
    model_code: Mapped[str | None] = mapped_column(String(64))
    serial: Mapped[str | None] = mapped_column(String(64))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    symptom_key: Mapped[str | None] = mapped_column(String(64))
    component: Mapped[str | None] = mapped_column(String(64))
    fault_description: Mapped[str | None] = mapped_column(Text)
    fault_onset_text: Mapped[str | None] = mapped_column(Text)
    fault_onset_date: Mapped[date | None] = mapped_column(Date)
    external_damage_reported: Mapped[bool | None] = mapped_column(Boolean)
    service_type: Mapped[str] = mapped_column(String(20), default=ServiceType.REPAIR.value)
    service_mode: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10), default=Urgency.NORMAL.value)
    warranty_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    conversation_id: Mapped[str | None] = mapped_column(String(80))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    customer: Mapped[Customer] = relationship(lazy="raise")
    transitions: Mapped[list[CaseTransition]] = relationship(
        lazy="raise", order_by="CaseTransition.id", back_populates="case"
    )


class CaseTransition(Base):
    """One status change; the first row of a case records its creation (no ``from_status``)."""

    __tablename__ = "case_transitions"
    __table_args__ = (
        CheckConstraint(_one_of("from_status", _STATUSES), name="from_status"),
        CheckConstraint(_one_of("to_status", _STATUSES), name="to_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(lazy="raise", back_populates="transitions")
