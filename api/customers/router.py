"""Customer endpoints: profile upsert and read, data export and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from api.auth_roles import Role
from api.cases.attachments.storage import BlobStore
from api.customers import privacy, service
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import ChannelIdPath
from api.customers.privacy_schemas import CustomerExport, ErasureReceipt
from api.customers.schemas import CustomerOut, CustomerUpsert
from api.db import DbSession
from api.errors import problem_responses

router = APIRouter(tags=["customers"])

ROLES = (Role.ACTIONS, Role.BOT, Role.AGENT)


@router.put(
    "/customers/{channel_id}",
    summary="Create or update a customer",
    responses={
        201: {"model": CustomerOut, "description": "The customer was created."},
        **problem_responses(400, 403, 422),
    },
)
async def upsert_customer(
    channel_id: ChannelIdPath,
    body: CustomerUpsert,
    response: Response,
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*ROLES)],
) -> CustomerOut:
    caller.ensure_may_act_for(channel_id)
    customer, created = await service.upsert_customer(session, channel_id, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return CustomerOut.of(customer)


@router.get(
    "/customers/{channel_id}",
    summary="A customer's profile",
    responses=problem_responses(400, 403, 404),
)
async def get_customer(
    channel_id: ChannelIdPath,
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*ROLES)],
) -> CustomerOut:
    caller.ensure_may_act_for(channel_id)
    return CustomerOut.of(await service.get_customer(session, channel_id))


@router.get(
    "/customers/{channel_id}/export",
    summary="Everything stored about a customer",
    responses=problem_responses(400, 403, 404),
)
async def export_customer(
    channel_id: ChannelIdPath,
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*ROLES)],
) -> CustomerExport:
    caller.ensure_may_act_for(channel_id)
    return await privacy.export_customer(session, channel_id)


@router.delete(
    "/customers/{channel_id}",
    summary="Erase a customer's personal data; their cases stay, anonymised",
    responses=problem_responses(400, 403, 404),
)
async def erase_customer(
    channel_id: ChannelIdPath,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*ROLES)],
) -> ErasureReceipt:
    caller.ensure_may_act_for(channel_id)
    return await privacy.erase_customer(session, channel_id, BlobStore(settings.attachments_dir))
