"""Subscriptions, one delivery per (event, subscription), the attempts, and the fan-out cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utc_now
from api.outbox.models import OutboxEvent
from api.webhooks.status import DeliveryStatus

FAN_OUT_CURSOR = "outbox"


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(
        String(256), doc="The signing key; stored to sign deliveries, never returned."
    )
    event_types: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(500))
    starts_after_event_id: Mapped[int] = mapped_column(Integer, default=0)
    """The newest outbox event when the subscription was created or last reactivated: it
    receives later ones."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    def wants(self, event_type: str, outbox_id: int) -> bool:
        return outbox_id > self.starts_after_event_id and event_type in self.event_types


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_event_id", "subscription_id"),
        CheckConstraint(_one_of("status", [s.value for s in DeliveryStatus]), name="status"),
        CheckConstraint("(leased_until IS NULL) = (lease_owner IS NULL)", name="lease"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts since the delivery was created or last replayed; it drives the backoff."""
    first_attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """First attempt since creation or the last replay; the retry window starts here."""
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    event: Mapped[OutboxEvent] = relationship(lazy="raise")
    subscription: Mapped[WebhookSubscription] = relationship(lazy="raise")
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        lazy="raise", order_by="WebhookAttempt.id", passive_deletes=True
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id_id", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str] = mapped_column(String(128))


class WebhookCursor(Base):
    """How far the outbox has been fanned out to deliveries."""

    __tablename__ = "webhook_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    """Every outbox event up to this id has its deliveries."""
    gap_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When a missing id right after ``last_event_id`` was first seen (see fan_out.py)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
