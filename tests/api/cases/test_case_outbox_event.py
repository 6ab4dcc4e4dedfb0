"""Opening a case stages a `case.created` event in the same transaction."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth_roles import Role
from api.outbox.models import OutboxEvent
from tests.conftest import ApiClientFactory


async def test_a_new_case_records_one_event_and_a_retry_none(
    api_client_for: ApiClientFactory, api_app: object
) -> None:
    client: httpx.AsyncClient = api_client_for(Role.AGENT)
    registered = await client.put("/api/v1/customers/tg:4242", json={"locale": "zh"})
    assert registered.status_code in (200, 201), registered.text
    body = {
        "customer": "tg:4242",
        "category": "refrigerator",
        "fault_description": "冰箱不制冷",
        "idempotency_key": "outbox-check-1",
    }
    first = await client.post("/api/v1/cases", json=body)
    again = await client.post("/api/v1/cases", json=body)
    assert first.status_code == 201, first.text
    assert again.status_code == 200

    factory: async_sessionmaker[AsyncSession] = api_app.state.session_factory  # type: ignore[attr-defined]
    async with factory() as session:
        events = (await session.scalars(select(OutboxEvent))).all()
    assert [(event.event_type, event.subject) for event in events] == [
        ("case.created", f"case:{first.json()['id']}")
    ]
    assert events[0].payload["category"] == "refrigerator"
