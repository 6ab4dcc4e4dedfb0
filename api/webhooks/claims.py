"""Claiming due deliveries under a lease, and recording how each attempt went.

A claim is one UPDATE that sets ``lease_owner`` and ``leased_until`` on the due deliveries it
selects; the selection uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas claiming at
the same time take disjoint sets, and on SQLite the statement is one serialised write. A
worker that crashes keeps its deliveries only until the lease runs out, then any worker may
claim them again. The outcome of an attempt changes the delivery only while the worker's
lease still holds (owner and expiry unchanged); the attempt itself is always logged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.observability.metrics import DELIVERY_FAILURES, DeliveryQueue
from api.observability.on_commit import count_on_commit
from api.outbox.models import OutboxEvent
from api.webhooks.attempt import AttemptResult
from api.webhooks.backoff import RetrySchedule
from api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.webhooks.status import DeliveryStatus

_D = WebhookDelivery


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery leased to a worker, with all it needs to send it."""

    delivery_id: int
    lease_owner: str
    leased_until: datetime
    attempt_count: int
    first_attempted_at: datetime | None
    url: str
    secret: str
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]


def _due(now: datetime) -> ColumnElement[bool]:
    active_subscription = exists().where(
        WebhookSubscription.id == _D.subscription_id, WebhookSubscription.active.is_(True)
    )
    return and_(
        _D.status == DeliveryStatus.PENDING.value,
        _D.next_attempt_at <= now,
        or_(_D.leased_until.is_(None), _D.leased_until <= now),
        active_subscription,
    )


async def claim_due(
    session: AsyncSession, *, owner: str, limit: int, lease: timedelta, now: datetime
) -> list[Claim]:
    """Lease up to ``limit`` due deliveries to ``owner``, earliest due first; the caller commits."""
    anything_due = await session.scalar(select(_D.id).where(_due(now)).limit(1))
    if anything_due is None:
        return []  # a read: idle workers do not take SQLite's write lock every poll
    chosen = (
        select(_D.id)
        .where(_due(now))
        .order_by(_D.next_attempt_at, _D.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_D)
        .scalar_subquery()
    )
    leased_until = now + lease
    claimed = (
        await session.scalars(
            update(_D)
            .where(_D.id.in_(chosen))
            .values(lease_owner=owner, leased_until=leased_until, updated_at=now)
            .returning(_D.id),
            execution_options={"synchronize_session": False},
        )
    ).all()
    if not claimed:
        return []
    rows = await session.execute(
        select(_D, OutboxEvent, WebhookSubscription)
        .join(OutboxEvent, OutboxEvent.id == _D.outbox_event_id)
        .join(WebhookSubscription, WebhookSubscription.id == _D.subscription_id)
        .where(_D.id.in_(claimed))
        .order_by(_D.next_attempt_at, _D.id)
        .execution_options(populate_existing=True)
    )
    return [
        Claim(
            delivery_id=delivery.id,
            lease_owner=owner,
            leased_until=leased_until,
            attempt_count=delivery.attempt_count,
            first_attempted_at=delivery.first_attempted_at,
            url=subscription.url,
            secret=subscription.secret,
            event_id=event.event_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            payload=event.payload,
        )
        for delivery, event, subscription in rows
    ]


async def record_attempt(
    session: AsyncSession,
    claim: Claim,
    result: AttemptResult,
    *,
    worker: str,
    schedule: RetrySchedule,
    rng: random.Random,
    now: datetime,
) -> DeliveryStatus | None:
    """Log the attempt and move the delivery on: delivered, due again later, or failed.

    Returns the delivery's new status, or None when the lease was lost meanwhile (the lease
    ran out and another worker claimed it, or an admin replayed it) and the delivery was left
    as it is. The caller commits.
    """
    attempts = claim.attempt_count + 1
    first_attempted_at = claim.first_attempted_at or result.attempted_at
    values: dict[str, Any] = {
        "attempt_count": attempts,
        "first_attempted_at": first_attempted_at,
        "leased_until": None,
        "lease_owner": None,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "updated_at": now,
    }
    if result.succeeded:
        status = DeliveryStatus.DELIVERED
        values["delivered_at"] = now
    elif schedule.gives_up(first_attempted_at, now):
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
        values["next_attempt_at"] = now + schedule.delay(attempts, rng)
    if not result.succeeded:
        count_on_commit(session, DELIVERY_FAILURES, queue=DeliveryQueue.WEBHOOK)
    changed = await session.execute(
        update(_D)
        .where(
            _D.id == claim.delivery_id,
            _D.lease_owner == claim.lease_owner,
            _D.leased_until == claim.leased_until,
        )
        .values(status=status.value, **values)
        .execution_options(synchronize_session=False)
    )
    held = changed.rowcount == 1
    if held or await _still_exists(session, claim.delivery_id):
        session.add(
            WebhookAttempt(
                delivery_id=claim.delivery_id,
                attempted_at=result.attempted_at,
                duration_ms=result.duration_ms,
                status_code=result.status_code,
                error=result.error,
                worker=worker,
            )
        )
    await session.flush()
    return status if held else None


async def _still_exists(session: AsyncSession, delivery_id: int) -> bool:
    """Whether the delivery exists, locked so that deleting its subscription waits for us."""
    found = await session.scalar(select(_D.id).where(_D.id == delivery_id).with_for_update())
    return found is not None
