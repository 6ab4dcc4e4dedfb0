"""The customer record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.customers.preferences import DEFAULT_TIMEZONE, Locale
from api.db import Base, UtcDateTime, utc_now


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("locale IN ('zh', 'en')", name="locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8), default=Locale.ZH.value)
    region: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
