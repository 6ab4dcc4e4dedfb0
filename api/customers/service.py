"""Customer records: look-up by channel identity and upsert."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.insert_once import insert_once
from api.customers.models import Customer
from api.customers.phones import InvalidPhoneError, normalise_phone
from api.customers.preferences import (
    DEFAULT_REGION,
    DEFAULT_TIMEZONE,
    Locale,
    parse_language_tag,
)
from api.customers.schemas import CustomerUpsert
from api.db import utc_now
from api.errors import invalid_field, not_found


async def find_customer(session: AsyncSession, channel_id: str) -> Customer | None:
    found = await session.execute(select(Customer).where(Customer.channel_id == channel_id))
    return found.scalar_one_or_none()


async def get_customer(session: AsyncSession, channel_id: str) -> Customer:
    customer = await find_customer(session, channel_id)
    if customer is None:
        raise not_found("customer", channel_id)
    return customer


async def upsert_customer(
    session: AsyncSession, channel_id: str, changes: CustomerUpsert
) -> tuple[Customer, bool]:
    """Create or update the customer; returns it and whether it was created."""
    customer = await find_customer(session, channel_id)
    created = False
    if customer is None:
        now = utc_now()
        values = {"channel_id": channel_id, "created_at": now, "updated_at": now}
        created = (
            await insert_once(session, Customer, values, unique_on=("channel_id",)) is not None
        )
        customer = await get_customer(session, channel_id)
    _apply(customer, changes)
    await session.flush()
    return customer, created


def _apply(customer: Customer, changes: CustomerUpsert) -> None:
    sent = changes.model_fields_set
    tag_region: str | None = None
    if "locale" in sent:
        if changes.locale is None:
            customer.locale = Locale.ZH.value
        else:
            locale, tag_region = parse_language_tag(changes.locale)
            customer.locale = locale.value
    if "region" in sent:
        customer.region = changes.region
    elif tag_region is not None and customer.region is None:
        customer.region = tag_region
    if "timezone" in sent:
        customer.timezone = changes.timezone or DEFAULT_TIMEZONE
    if "display_name" in sent:
        customer.display_name = changes.display_name
    if "address" in sent:
        customer.address = changes.address
    if "consent_at" in sent:
        customer.consent_at = changes.consent_at
    if "phone" in sent:
        customer.phone = _normalised_phone(changes.phone, customer.region or DEFAULT_REGION)
    customer.updated_at = utc_now()


def _normalised_phone(raw: str | None, region: str) -> str | None:
    if raw is None:
        return None
    try:
        return normalise_phone(raw, region)
    except InvalidPhoneError as error:
        raise invalid_field("body.phone", "invalid_phone", str(error)) from None
