"""Quotes of a visit: itemised lines, the total, and the consumer's decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now


class QuoteStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    SUPERSEDED = "superseded"


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(_one_of("status", [s.value for s in QuoteStatus]), name="status"),
        CheckConstraint("total_fen >= 0", name="total"),
        Index("ix_quotes_visit_id_status", "visit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=QuoteStatus.PENDING.value)
    cause: Mapped[dict[str, str]] = mapped_column(JSON)
    work: Mapped[dict[str, str]] = mapped_column(JSON)
    risks: Mapped[dict[str, str] | None] = mapped_column(JSON)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_fen: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    schedule_version: Mapped[str] = mapped_column(String(64))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
