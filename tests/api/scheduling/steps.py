"""Steps most scheduling tests share: the served areas, technicians, consumers, cases, and
visit windows named by local day and hour."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml
from fastapi import FastAPI

from api.catalogue.models import Category
from api.scheduling.seed import load_service_areas

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_FILE = Path(__file__).parents[3] / "api" / "demo_data" / "50_scheduling.yaml"
# A Tuesday, 07:00 in Shanghai: every window of the week is still ahead.
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()

CATEGORIES = {
    "air_conditioner": ("空调", "Air conditioner"),
    "refrigerator": ("冰箱", "Refrigerator"),
    "washing_machine": ("洗衣机", "Washing machine"),
    "tv": ("电视", "TV"),
    "microwave": ("微波炉", "Microwave oven"),
    "water_heater": ("热水器", "Water heater"),
    "phone": ("手机", "Mobile phone"),
    "laptop": ("笔记本电脑", "Laptop"),
    "furniture": ("家具", "Furniture"),
}
EVERY_DAY = {
    day: {"start": "09:00", "end": "19:00"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
PUDONG = "上海市浦东新区张江路100号"


def demo_document() -> dict[str, list[dict[str, Any]]]:
    document: dict[str, list[dict[str, Any]]] = yaml.safe_load(DEMO_FILE.read_text("utf-8"))
    return document


async def load_served_areas(app: FastAPI) -> None:
    """The catalogue's categories and the demo gazetteer, without any technician."""
    async with app.state.session_factory() as session:
        session.add_all(
            Category(code=code, name_zh=zh, name_en=en) for code, (zh, en) in CATEGORIES.items()
        )
        await session.flush()
        await load_service_areas(session, demo_document()["service_areas"])
        await session.commit()


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def window_start(days_ahead: int, hour: int) -> str:
    """A window start, ISO with the Shanghai offset, ``days_ahead`` days after TODAY."""
    return local(TODAY + timedelta(days=days_ahead), hour).isoformat()


async def add_technician(
    client: httpx.AsyncClient, staff_number: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "staff_number": staff_number,
        "name": f"技师{staff_number}",
        "phone": f"139 1600 {int(staff_number.rsplit('-', 1)[-1]) % 10000:04d}",
        "skills": ["air_conditioner"],
        "areas": [{"area": "shanghai.pudong"}],
        "working_hours": EVERY_DAY,
        **fields,
    }
    response = await client.post("/api/v1/technicians", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def register_customer(
    client: httpx.AsyncClient, channel_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"phone": "138 0013 8000", "address": PUDONG, **fields}
    response = await client.put(f"/api/v1/customers/{channel_id}", json=body)
    assert response.status_code in (200, 201), response.text
    customer: dict[str, Any] = response.json()
    return customer


async def open_case(client: httpx.AsyncClient, customer: str, **fields: Any) -> dict[str, Any]:
    payload = {"customer": customer, "category": "air_conditioner", **fields}
    response = await client.post("/api/v1/cases", json=payload)
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


async def book(
    client: httpx.AsyncClient, case_id: int, start: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/visits", json={"case_id": case_id, "window_start": start, **fields}
    )


async def booked(
    client: httpx.AsyncClient, case_id: int, start: str, **fields: Any
) -> dict[str, Any]:
    response = await book(client, case_id, start, **fields)
    assert response.status_code == 201, response.text
    visit: dict[str, Any] = response.json()
    return visit
