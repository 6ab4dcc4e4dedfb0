"""Seed section ``customers`` (order 40): consumer profiles, upserted by channel identity.

Items are ``{channel_id, display_name, phone, address, locale, region, timezone,
consent_at}``; every field but ``channel_id`` is optional and read as in
``PUT /customers/{channel_id}``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.schemas import CustomerUpsert
from api.customers.service import upsert_customer
from api.errors import ApiError
from api.seeding import SeedError, register_section

SECTION_ORDER = 40
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


async def load_customers(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for index, item in enumerate(items):
        fields = dict(item)
        channel_id = fields.pop("channel_id", None)
        where = f"customers[{index}] {channel_id or '?'}"
        if not isinstance(channel_id, str) or not _CHANNEL_ID.match(channel_id):
            raise SeedError(f"{where}: channel_id must be a channel identity such as tg:123")
        try:
            await upsert_customer(session, channel_id, CustomerUpsert.model_validate(fields))
        except ValidationError as error:
            raise SeedError(f"{where}: {error}") from error
        except ApiError as error:
            raise SeedError(f"{where}: {error.detail}") from error
    return len(items)


register_section("customers", SECTION_ORDER, load_customers)
