"""The gauges read from the database at scrape time: two small aggregates over indexed
status columns (queued handoffs; pending webhook deliveries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.handoffs.models import Handoff
from api.handoffs.status import HandoffStatus
from api.observability.metrics import HANDOFF_OLDEST_WAIT, HANDOFFS_WAITING, OUTBOX_LAG
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.status import DeliveryStatus


async def refresh_gauges(session: AsyncSession, now: datetime) -> None:
    waiting, oldest_queued_at = (
        await session.execute(
            select(func.count(), func.min(Handoff.queued_at)).where(
                Handoff.status == HandoffStatus.QUEUED.value
            )
        )
    ).one()
    HANDOFFS_WAITING.set(waiting)
    HANDOFF_OLDEST_WAIT.set(_age(oldest_queued_at, now))
    oldest_delivery = await session.scalar(
        select(func.min(WebhookDelivery.created_at))
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
            WebhookSubscription.active.is_(True),
        )
    )
    OUTBOX_LAG.set(_age(oldest_delivery, now))


def _age(since: datetime | None, now: datetime) -> float:
    if since is None:
        return 0.0
    return max((now - since).total_seconds(), 0.0)
