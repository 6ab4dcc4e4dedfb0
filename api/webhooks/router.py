"""Webhook endpoints (admin only): subscriptions, deliveries and replays."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import require_roles
from api.auth_roles import Role
from api.db import DbSession
from api.errors import problem_responses
from api.webhooks import service
from api.webhooks.schemas import (
    MAX_ID,
    DeliveryList,
    DeliveryOut,
    DeliveryPage,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionPatch,
)
from api.webhooks.status import DeliveryStatus

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

AdminOnly = Annotated[Role, require_roles()]
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID, description="Subscription id.")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="Delivery id.")]


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe an endpoint to event types; it receives events recorded from now on",
    responses=problem_responses(403, 422),
)
async def create_subscription(
    body: SubscriptionCreate, session: DbSession, _: AdminOnly
) -> SubscriptionCreated:
    subscription, generated_secret = await service.create_subscription(session, body)
    return SubscriptionCreated(
        **SubscriptionOut.of(subscription).model_dump(), generated_secret=generated_secret
    )


@router.get("/subscriptions", summary="Every subscription", responses=problem_responses(403))
async def list_subscriptions(session: DbSession, _: AdminOnly) -> SubscriptionList:
    subscriptions = await service.list_subscriptions(session)
    return SubscriptionList(items=[SubscriptionOut.of(item) for item in subscriptions])


@router.get(
    "/subscriptions/{subscription_id}",
    summary="One subscription",
    responses=problem_responses(403, 404, 422),
)
async def get_subscription(
    subscription_id: SubscriptionId, session: DbSession, _: AdminOnly
) -> SubscriptionOut:
    return SubscriptionOut.of(await service.get_subscription(session, subscription_id))


@router.patch(
    "/subscriptions/{subscription_id}",
    summary="Change a subscription: URL, secret (rotation), event types, active, description",
    responses=problem_responses(403, 404, 422),
)
async def update_subscription(
    subscription_id: SubscriptionId, body: SubscriptionPatch, session: DbSession, _: AdminOnly
) -> SubscriptionOut:
    subscription = await service.update_subscription(session, subscription_id, body)
    return SubscriptionOut.of(subscription)


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a subscription with its deliveries",
    responses=problem_responses(403, 404, 422),
)
async def delete_subscription(
    subscription_id: SubscriptionId, session: DbSession, _: AdminOnly
) -> Response:
    await service.delete_subscription(session, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/deliveries",
    summary="Deliveries with their attempts, newest first",
    responses=problem_responses(403, 422),
)
async def list_deliveries(
    session: DbSession,
    _: AdminOnly,
    status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    event_id: Annotated[uuid.UUID | None, Query(description="Only this event's.")] = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only deliveries older than this id.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    deliveries = await service.list_deliveries(
        session,
        status=status_filter,
        subscription_id=subscription_id,
        event_id=None if event_id is None else str(event_id),
        before_id=before_id,
        limit=limit,
    )
    next_before_id = deliveries[-1].id if len(deliveries) == limit else None
    return DeliveryPage(
        items=[DeliveryOut.of(item) for item in deliveries], next_before_id=next_before_id
    )


@router.get(
    "/deliveries/{delivery_id}",
    summary="One delivery with its attempts",
    responses=problem_responses(403, 404, 422),
)
async def get_delivery(delivery_id: DeliveryId, session: DbSession, _: AdminOnly) -> DeliveryOut:
    return DeliveryOut.of(await service.get_delivery(session, delivery_id))


@router.post(
    "/deliveries/{delivery_id}/replay",
    summary="Send a delivery again now, whatever its status",
    responses=problem_responses(403, 404, 422),
)
async def replay_delivery(delivery_id: DeliveryId, session: DbSession, _: AdminOnly) -> DeliveryOut:
    return DeliveryOut.of(await service.replay_delivery(session, delivery_id))


@router.post(
    "/events/{event_id}/replay",
    summary="Send an event again now to every subscription it was delivered to",
    responses=problem_responses(403, 404, 422),
)
async def replay_event(
    event_id: Annotated[uuid.UUID, Path(description="The event's id (X-Aftersales-Event-Id).")],
    session: DbSession,
    _: AdminOnly,
) -> DeliveryList:
    deliveries = await service.replay_event(session, str(event_id))
    return DeliveryList(items=[DeliveryOut.of(item) for item in deliveries])
