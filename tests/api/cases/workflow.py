"""Steps most case tests share: catalogue categories, a registered consumer, an open case."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from api.catalogue.models import Category

CATEGORY_NAMES = {
    "air_conditioner": ("空调", "Air conditioner"),
    "refrigerator": ("冰箱", "Refrigerator"),
    "phone": ("手机", "Mobile phone"),
    "laptop": ("笔记本电脑", "Laptop"),
    "tv": ("电视", "TV"),
}


async def add_categories(app: FastAPI) -> None:
    async with app.state.session_factory() as session:
        session.add_all(
            Category(code=code, name_zh=zh, name_en=en) for code, (zh, en) in CATEGORY_NAMES.items()
        )
        await session.commit()


async def register_customer(
    client: httpx.AsyncClient, channel_id: str, **fields: Any
) -> dict[str, Any]:
    response = await client.put(f"/api/v1/customers/{channel_id}", json=fields)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def open_case(client: httpx.AsyncClient, customer: str, **fields: Any) -> dict[str, Any]:
    payload = {"customer": customer, "category": "air_conditioner", **fields}
    response = await client.post("/api/v1/cases", json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def move(
    client: httpx.AsyncClient, case_id: int, *statuses: str, note: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for status in statuses:
        response = await client.post(
            f"/api/v1/cases/{case_id}/transitions", json={"to": status, "note": note}
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return body
