"""Steps the handoff tests share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

CONSUMER = "tg:8001"
OTHER_CONSUMER = "tg:8002"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment in November 2026, Shanghai time (the agents' default time zone)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


async def open_handoff(
    client: httpx.AsyncClient,
    conversation_id: str = CONSUMER,
    *,
    expected_status: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    payload = {"conversation_id": conversation_id, "reason": "requested", **fields}
    response = await client.post("/api/v1/handoffs", json=payload)
    assert response.status_code == expected_status, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: httpx.AsyncClient, handoff_id: int, action: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/handoffs/{handoff_id}/{action}", json=body)
