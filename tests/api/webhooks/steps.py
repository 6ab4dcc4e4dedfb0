"""Steps the webhook tests share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.outbox.service import EventType, record_event
from api.webhooks.models import WebhookAttempt, WebhookDelivery

SECRET = "whsec-test-0123456789abcdef"
OTHER_SECRET = "whsec-other-fedcba9876543210"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions"
DELIVERIES = "/api/v1/webhooks/deliveries"

Sessions = async_sessionmaker[AsyncSession]


async def subscribe(
    admin: httpx.AsyncClient,
    url: str,
    event_types: tuple[str, ...] = ("case.created",),
    *,
    secret: str | None = SECRET,
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, "event_types": list(event_types), **fields}
    if secret is not None:
        body["secret"] = secret
    response = await admin.post(SUBSCRIPTIONS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def record(
    sessions: Sessions,
    event_type: EventType = EventType.CASE_CREATED,
    payload: dict[str, Any] | None = None,
) -> str:
    """Commit one outbox event as a domain would; returns its event id."""
    async with sessions() as session, session.begin():
        event = record_event(session, event_type, "case:1", payload or {"case_id": 1})
    return event.event_id


async def record_many(sessions: Sessions, count: int) -> list[str]:
    return [await record(sessions, payload={"case_id": number}) for number in range(count)]


async def list_deliveries(admin: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await admin.get(DELIVERIES, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def stored_deliveries(sessions: Sessions) -> list[WebhookDelivery]:
    async with sessions() as session:
        found = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return list(found.all())


async def stored_attempts(sessions: Sessions) -> list[WebhookAttempt]:
    async with sessions() as session:
        found = await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id))
        return list(found.all())
