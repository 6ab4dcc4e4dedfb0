"""The handoff record: one escalation of a conversation to a person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now
from api.handoffs.reasons import HandoffPriority, HandoffReason
from api.handoffs.status import OPEN_STATUSES, HandoffStatus


def one_of(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in sorted(values))})"


OPEN_HANDOFF_PREDICATE = one_of("status", OPEN_STATUSES)
"""The predicate of the partial unique index that allows one open handoff per conversation."""


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(one_of("status", HandoffStatus), name="status"),
        CheckConstraint(one_of("reason", HandoffReason), name="reason"),
        CheckConstraint(one_of("priority", HandoffPriority), name="priority"),
        CheckConstraint("status <> 'claimed' OR agent_id IS NOT NULL", name="claim_holder"),
        Index(
            "uq_handoffs_open_conversation_id",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF_PREDICATE),
            postgresql_where=text(OPEN_HANDOFF_PREDICATE),
        ),
        Index("ix_handoffs_status_created_at", "status", "created_at"),
        Index("ix_handoffs_conversation_id_created_at", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(80))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=HandoffStatus.QUEUED.value)
    summary: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str | None] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    """The agent holding the claim; after resolution, the agent who held it last."""
    agent_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    """When the handoff last entered the queue: at creation, and again on each release."""
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    closing_note: Mapped[str | None] = mapped_column(Text)
