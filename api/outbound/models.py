"""Outbound items, and the conversations the bot cannot reach."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, String, Text, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now
from api.outbound.status import OutboundStatus

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class OutboundKind(StrEnum):
    SURVEY_DUE = "survey_due"
    SURVEY_REMINDER = "survey_reminder"
    VISIT_REMINDER = "visit_reminder"
    VISIT_STATUS = "visit_status"
    AGENT_REPLY = "agent_reply"
    CASE_UPDATE = "case_update"


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class OutboundItem(Base):
    __tablename__ = "outbound_items"
    __table_args__ = (
        CheckConstraint(_one_of("status", [s.value for s in OutboundStatus]), name="status"),
        CheckConstraint(_one_of("kind", [k.value for k in OutboundKind]), name="kind"),
        CheckConstraint(
            "status <> 'leased' OR (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL)",
            name="lease",
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbound_items_status_not_before", "status", "not_before"),
        Index("ix_outbound_items_conversation_id_status", "conversation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING.value)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    """Leases handed out so far, i.e. delivery attempts started."""
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Delivered even in the consumer's quiet hours (see `api.outbound.quiet_hours`)."""
    lease_token: Mapped[str | None] = mapped_column(String(80))
    leased_by: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnreachableConversation(Base):
    """A conversation whose consumer blocked the bot; cleared when they write again."""

    __tablename__ = "unreachable_conversations"

    conversation_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    last_error: Mapped[str | None] = mapped_column(Text)
