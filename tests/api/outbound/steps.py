"""Steps the outbound queue tests share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import time_machine

CONSUMER = "tg:7001"
OTHER_CONSUMER = "tg:7002"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HELLO = {"type": "text", "text": {"zh": "您好，我是客服李娜。", "en": "Hello, this is Li Na."}}


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


async def enqueue(
    client: httpx.AsyncClient,
    conversation_id: str = CONSUMER,
    *,
    expected_status: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    body = {"conversation_id": conversation_id, "kind": "agent_reply", "payload": HELLO, **fields}
    response = await client.post("/api/v1/outbound", json=body)
    assert response.status_code == expected_status, response.text
    item: dict[str, Any] = response.json()
    return item


async def lease(
    bot: httpx.AsyncClient, worker_id: str = "bot-1", *, limit: int = 10, lease_seconds: int = 60
) -> list[dict[str, Any]]:
    response = await bot.post(
        "/api/v1/outbound/lease",
        json={"worker_id": worker_id, "limit": limit, "lease_seconds": lease_seconds},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def report(
    bot: httpx.AsyncClient, item: dict[str, Any], outcome: str, **fields: Any
) -> httpx.Response:
    body = {"lease_token": item["lease_token"], **fields}
    return await bot.post(f"/api/v1/outbound/{item['id']}/{outcome}", json=body)
