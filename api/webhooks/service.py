"""Subscriptions, and what admins see and do with deliveries: list them and replay them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from api.db import utc_now
from api.errors import not_found
from api.outbox.models import OutboxEvent
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.schemas import SubscriptionCreate, SubscriptionPatch
from api.webhooks.status import DeliveryStatus

GENERATED_SECRET_BYTES = 32


async def create_subscription(
    session: AsyncSession, request: SubscriptionCreate
) -> tuple[WebhookSubscription, str | None]:
    """The new subscription, and its secret when it was generated here (shown once)."""
    generated = None if request.secret else secrets.token_urlsafe(GENERATED_SECRET_BYTES)
    secret = request.secret.get_secret_value() if request.secret else generated
    assert secret is not None
    now = utc_now()
    subscription = WebhookSubscription(
        url=str(request.url),
        secret=secret,
        event_types=[event_type.value for event_type in request.event_types],
        active=request.active,
        description=request.description,
        starts_after_event_id=await _newest_event_id(session),
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    await session.flush()
    return subscription, generated


async def list_subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    found = await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    return list(found.all())


async def get_subscription(session: AsyncSession, subscription_id: int) -> WebhookSubscription:
    subscription = await session.get(WebhookSubscription, subscription_id, populate_existing=True)
    if subscription is None:
        raise not_found("webhook_subscription", subscription_id)
    return subscription


async def update_subscription(
    session: AsyncSession, subscription_id: int, patch: SubscriptionPatch
) -> WebhookSubscription:
    subscription = await get_subscription(session, subscription_id)
    changes = patch.model_dump(include=patch.model_fields_set)
    if patch.active and not subscription.active:
        # Like a new subscription, a reactivated one receives the events from now on.
        changes["starts_after_event_id"] = await _newest_event_id(session)
    if patch.url is not None:
        changes["url"] = str(patch.url)
    if patch.secret is not None:
        changes["secret"] = patch.secret.get_secret_value()
    if patch.event_types is not None:
        changes["event_types"] = [event_type.value for event_type in patch.event_types]
    for name, value in changes.items():
        setattr(subscription, name, value)
    if changes:
        subscription.updated_at = utc_now()
    await session.flush()
    return subscription


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    """Delete the subscription; its deliveries and their attempts go with it."""
    deleted = await session.execute(
        delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    )
    if deleted.rowcount != 1:
        raise not_found("webhook_subscription", subscription_id)


async def _newest_event_id(session: AsyncSession) -> int:
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    return newest or 0


def _with_details() -> Any:
    return (joinedload(WebhookDelivery.event), selectinload(WebhookDelivery.attempts))


async def list_deliveries(
    session: AsyncSession,
    *,
    status: DeliveryStatus | None = None,
    subscription_id: int | None = None,
    event_id: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[WebhookDelivery]:
    """Deliveries with their attempts, newest first."""
    query = select(WebhookDelivery).options(*_with_details())
    if status is not None:
        query = query.where(WebhookDelivery.status == status.value)
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if event_id is not None:
        query = query.join(WebhookDelivery.event).where(OutboxEvent.event_id == event_id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    query = query.order_by(WebhookDelivery.id.desc()).limit(limit)
    return list((await session.scalars(query)).unique().all())


async def get_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery:
    found = await _deliveries_by_id(session, [delivery_id])
    if not found:
        raise not_found("webhook_delivery", delivery_id)
    return found[0]


async def replay_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery:
    """Make the delivery due now, whatever its status; a send in flight no longer counts."""
    if not await _make_due(session, [delivery_id]):
        raise not_found("webhook_delivery", delivery_id)
    return await get_delivery(session, delivery_id)


async def replay_event(session: AsyncSession, event_id: str) -> list[WebhookDelivery]:
    """Make every delivery of the event due now: it goes again to all its subscriptions."""
    outbox_id = await session.scalar(select(OutboxEvent.id).where(OutboxEvent.event_id == event_id))
    if outbox_id is None:
        raise not_found("event", event_id)
    delivery_ids = (
        await session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.outbox_event_id == outbox_id)
        )
    ).all()
    await _make_due(session, delivery_ids)
    return await _deliveries_by_id(session, delivery_ids)


async def _make_due(session: AsyncSession, delivery_ids: Sequence[int]) -> int:
    """Start the deliveries afresh: due now, a new retry window, no lease."""
    if not delivery_ids:
        return 0
    now = utc_now()
    replayed = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .values(
            status=DeliveryStatus.PENDING.value,
            next_attempt_at=now,
            attempt_count=0,
            first_attempted_at=None,
            leased_until=None,
            lease_owner=None,
            delivered_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(replayed.rowcount)


async def _deliveries_by_id(
    session: AsyncSession, delivery_ids: Sequence[int]
) -> list[WebhookDelivery]:
    if not delivery_ids:
        return []
    found = await session.scalars(
        select(WebhookDelivery)
        .options(*_with_details())
        .where(WebhookDelivery.id.in_(delivery_ids))
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(found.unique().all())
