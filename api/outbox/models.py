"""The transactional outbox: one row per domain event, delivered later by workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_type_id", "event_type", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), doc="e.g. case:12 or visit:7")
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
