"""One logged chat message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class SenderKind(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        CheckConstraint("sender_kind IN ('customer', 'bot', 'agent')", name="sender_kind"),
        CheckConstraint("(direction = 'in') = (sender_kind = 'customer')", name="sender_side"),
        CheckConstraint("(sender_kind = 'agent') = (agent_id IS NOT NULL)", name="agent_sender"),
        CheckConstraint("text IS NOT NULL OR attachment_id IS NOT NULL", name="content"),
        UniqueConstraint(
            "conversation_id",
            "channel",
            "channel_message_id",
            name="uq_conversation_messages_channel_message",
        ),
        Index("ix_conversation_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16), doc="tg or web, from the conversation id")
    direction: Mapped[str] = mapped_column(String(3))
    sender_kind: Mapped[str] = mapped_column(String(10))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("case_attachments.id"))
    channel_message_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
