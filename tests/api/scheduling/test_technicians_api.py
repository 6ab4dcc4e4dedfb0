"""Technician administration: create, change, list, deactivate; the seed sections and the
demo technicians."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from api.scheduling.seed import load_service_areas, load_technicians
from api.seeding import SeedError
from tests.api.scheduling.steps import EVERY_DAY, add_technician, demo_document
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")


async def test_a_technician_is_created_changed_and_deactivated(
    admin_client: httpx.AsyncClient,
) -> None:
    created = await add_technician(
        admin_client,
        "SH-0100",
        name="王建国",
        phone="139-1600-0100",
        skills=["refrigerator", "air_conditioner", "air_conditioner"],
        areas=[{"area": "shanghai.pudong"}, {"postcode_prefix": "2012"}],
        working_hours={"mon": {"start": "09:00", "end": "18:00"}},
        capacity_per_window=2,
    )
    assert created["phone"] == "+8613916000100"
    assert created["skills"] == ["air_conditioner", "refrigerator"]
    assert created["areas"] == [
        {"area": "shanghai.pudong", "postcode_prefix": None},
        {"area": None, "postcode_prefix": "2012"},
    ]
    assert created["working_hours"] == {"mon": {"start": "09:00:00", "end": "18:00:00"}}
    assert (created["capacity_per_window"], created["active"]) == (2, True)
    url = f"/api/v1/technicians/{created['id']}"
    assert (await admin_client.get(url)).json() == created

    taken = await admin_client.post(
        "/api/v1/technicians", json={**_valid_body(), "staff_number": "SH-0100"}
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "staff_number_taken"

    changed = await admin_client.patch(
        url,
        json={
            "skills": ["tv", "refrigerator"],
            "areas": [{"postcode_prefix": "2012"}, {"area": "shanghai.xuhui"}],
            "working_hours": {"sat": {"start": "10:00", "end": "16:00"}},
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["skills"] == ["refrigerator", "tv"]
    assert sorted(str(item) for item in body["areas"]) == sorted(
        str(item)
        for item in [
            {"area": None, "postcode_prefix": "2012"},
            {"area": "shanghai.xuhui", "postcode_prefix": None},
        ]
    )
    assert body["working_hours"] == {"sat": {"start": "10:00:00", "end": "16:00:00"}}
    assert (body["name"], body["phone"]) == (created["name"], created["phone"])
    assert body["updated_at"] > created["updated_at"]
    assert (await admin_client.patch(url, json={"skills": None})).status_code == 422
    missing = await admin_client.patch("/api/v1/technicians/999999", json={"name": "x"})
    assert missing.status_code == 404

    first = await admin_client.post(f"{url}/deactivate")
    assert first.status_code == 200, first.text
    off = first.json()["technician"]
    assert off["active"] is False and off["deactivated_at"] is not None
    assert first.json()["visits_to_reassign"] == []
    again = (await admin_client.post(f"{url}/deactivate")).json()["technician"]
    assert again["deactivated_at"] == off["deactivated_at"]
    active = (await admin_client.get("/api/v1/technicians", params={"active": "true"})).json()
    assert active["items"] == []
    back = (await admin_client.patch(url, json={"active": True})).json()
    assert (back["active"], back["deactivated_at"]) == (True, None)


def _valid_body() -> dict[str, Any]:
    return {
        "staff_number": "SH-0200",
        "name": "李明",
        "phone": "13916000200",
        "skills": ["air_conditioner"],
        "areas": [{"area": "shanghai.pudong"}],
        "working_hours": EVERY_DAY,
    }


INVALID = [
    ({"skills": ["spaceship"]}, "body.skills", "unknown_category"),
    ({"areas": [{"area": "chengdu"}]}, "body.areas", "unknown_area"),
    ({"phone": "12345"}, "body.phone", "invalid_phone"),
    ({"areas": [{"area": "shanghai", "postcode_prefix": "200"}]}, "body.areas.0", None),
    ({"areas": [{}]}, "body.areas.0", None),
    ({"areas": [{"postcode_prefix": "2"}]}, "body.areas.0.postcode_prefix", None),
    ({"skills": []}, "body.skills", None),
    ({"working_hours": {}}, "body.working_hours", None),
    ({"working_hours": {"mon": {"start": "19:00", "end": "09:00"}}}, "body.working_hours", None),
    ({"working_hours": {"someday": {"start": "09:00"}}}, "body.working_hours", None),
    ({"capacity_per_window": 9}, "body.capacity_per_window", None),
    ({"capacity_per_window": 0}, "body.capacity_per_window", None),
    ({"name": "王\x00"}, "body.name", None),
    ({"staff_number": "SH 01"}, "body.staff_number", None),
]


async def test_invalid_technicians_are_refused(admin_client: httpx.AsyncClient) -> None:
    for fields, field, code in INVALID:
        response = await admin_client.post("/api/v1/technicians", json={**_valid_body(), **fields})
        assert response.status_code == 422, (fields, response.text)
        problem = response.json()
        if code is not None:
            assert problem["code"] == code, fields
        assert problem["errors"][0]["field"].startswith(field), (fields, problem)
    listed = (await admin_client.get("/api/v1/technicians")).json()
    assert listed["items"] == []


async def test_listing_filters_and_pages(admin_client: httpx.AsyncClient) -> None:
    for number in range(1, 6):
        skills = ["tv"] if number % 2 else ["air_conditioner"]
        await add_technician(admin_client, f"SH-05{number:02d}", skills=skills)
    await add_technician(admin_client, "BJ-0501", areas=[{"area": "beijing.chaoyang"}])
    first = (await admin_client.get("/api/v1/technicians", params={"limit": 4})).json()
    assert [item["staff_number"] for item in first["items"]] == [
        "SH-0501",
        "SH-0502",
        "SH-0503",
        "SH-0504",
    ]
    rest = (
        await admin_client.get(
            "/api/v1/technicians", params={"limit": 4, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [item["staff_number"] for item in rest["items"]] == ["SH-0505", "BJ-0501"]
    assert rest["next_cursor"] is None
    tv = (await admin_client.get("/api/v1/technicians", params={"skill": "tv"})).json()
    assert [item["staff_number"] for item in tv["items"]] == ["SH-0501", "SH-0503", "SH-0505"]
    chaoyang = await admin_client.get("/api/v1/technicians", params={"area": "beijing.chaoyang"})
    assert [item["staff_number"] for item in chaoyang.json()["items"]] == ["BJ-0501"]
    bad = await admin_client.get("/api/v1/technicians", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


async def test_only_admins_manage_technicians_and_everyone_reads_the_gazetteer(
    api_client_for: ApiClientFactory,
) -> None:
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND):
        client = api_client_for(role, customer="tg:1")
        assert (await client.get("/api/v1/technicians")).status_code == 403, role
        assert (await client.post("/api/v1/technicians", json={})).status_code == 403, role
        cities = await client.get("/api/v1/service-areas", params={"kind": "city"})
        assert [city["code"] for city in cities.json()] == ["beijing", "guangzhou", "shanghai"]
    client = api_client_for(Role.ACTIONS, customer="tg:1")
    resolved = await client.get(
        "/api/v1/service-areas/resolve", params={"address": "100 Zhangjiang Rd, Pudong, Shanghai"}
    )
    assert resolved.json() == {
        "city": {"code": "shanghai", "name_zh": "上海市", "name_en": "Shanghai"},
        "district": {
            "code": "shanghai.pudong",
            "name_zh": "浦东新区",
            "name_en": "Pudong New Area",
        },
        "postcode": None,
    }
    unknown = await client.get("/api/v1/service-areas/resolve", params={"address": "成都市"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "area_not_served"


async def test_the_demo_technicians_cover_three_cities_and_load_idempotently(
    api_app: FastAPI, admin_client: httpx.AsyncClient
) -> None:
    items = demo_document()["technicians"]
    for _ in range(2):
        async with api_app.state.session_factory() as session:
            assert await load_technicians(session, items) == len(items)
            await session.commit()
    assert len(items) >= 12
    listed = (await admin_client.get("/api/v1/technicians", params={"limit": 200})).json()["items"]
    assert len(listed) == len(items)
    cities = {item["area"].split(".")[0] for t in listed for item in t["areas"] if item["area"]}
    assert {"shanghai", "beijing", "guangdong"} <= cities
    assert len({skill for t in listed for skill in t["skills"]}) >= 6
    assert any(not t["active"] for t in listed)
    async with api_app.state.session_factory() as session:
        with pytest.raises(SeedError, match="not in the gazetteer"):
            await load_technicians(session, [{**items[0], "areas": [{"area": "chengdu"}]}])
        with pytest.raises(SeedError, match="belongs under its city"):
            await load_service_areas(
                session, [{"kind": "district", "code": "x", "name_zh": "某区", "name_en": "X"}]
            )
        with pytest.raises(SeedError, match=r"service_areas\[0\] chengdu"):
            await load_service_areas(session, [{"kind": "city", "code": "chengdu"}])
