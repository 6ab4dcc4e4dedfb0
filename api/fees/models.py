"""Stored fee schedule versions: the schedule is data, one version active at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now
from api.warranty.models import JsonDocument

VERSION_LENGTH = 64


class FeeScheduleVersion(Base):
    """One uploaded version of the schedule document (the shape of `default_schedule.yaml`)."""

    __tablename__ = "fee_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# At most one version is active: a partial unique index over the active row (both backends).
Index(
    "ix_fee_schedules_one_active",
    FeeScheduleVersion.active,
    unique=True,
    sqlite_where=FeeScheduleVersion.active,
    postgresql_where=FeeScheduleVersion.active,
)
