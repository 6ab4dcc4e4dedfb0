"""The fee schedule: shipped default, seed section, upload and activation, validation,
brand overrides, the public schedule per category, and the estimate for a case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from api.catalogue.vocabulary import CategoryCode
from api.fees.schedule_model import default_schedule
from api.fees.schedule_store import shipped_document
from api.seeding import SeedError
from tests.api.scheduling.steps import load_served_areas, open_case, register_customer
from tests.api.warranty_api.warranty_api_data import load_sections
from tests.conftest import ApiClientFactory

FEES = "/api/v1/fees"
SCHEDULES = "/api/v1/fees/schedules"
ESTIMATE = "/api/v1/fees/estimate"
IN_WARRANTY = {
    "status": "in_warranty",
    "entitlements": ["free_repair"],
    "reasons": [
        {"code": "whole_unit_window", "zh": "整机保修期内", "en": "Within the whole-unit warranty"}
    ],
}
OUT_OF_WARRANTY = {"status": "out_of_warranty", "entitlements": ["paid_repair"], "reasons": []}


def _schedule(version: str, **ac_changes: Any) -> dict[str, Any]:
    document = shipped_document()
    document["version"] = version
    document["categories"]["air_conditioner"].update(ac_changes)
    return document


async def _ac_visit_fee(client: httpx.AsyncClient, brand: str | None = None) -> int:
    params = {"category": "air_conditioner", **({"brand": brand} if brand else {})}
    response = await client.get(FEES, params=params)
    assert response.status_code == 200, response.text
    fee: int = response.json()["visit_fee_fen"]
    return fee


def test_the_shipped_schedule_covers_every_category_with_common_parts() -> None:
    schedule = default_schedule()
    assert set(schedule.categories) == set(CategoryCode)
    for fees in schedule.categories.values():
        assert 5 <= len(fees.parts) <= 10
        assert fees.labour_range().min_fen <= fees.labour_range().max_fen
    gree = schedule.fees_for(CategoryCode.AIR_CONDITIONER, "Gree")
    assert gree.visit_fee_fen != schedule.categories[CategoryCode.AIR_CONDITIONER].visit_fee_fen
    assert gree.labour == schedule.categories[CategoryCode.AIR_CONDITIONER].labour


async def test_the_public_schedule_per_category_with_a_brand_override(
    api_client_for: ApiClientFactory,
) -> None:
    consumer = api_client_for(Role.ACTIONS)
    plain = await consumer.get(FEES, params={"category": "air_conditioner"})
    assert plain.status_code == 200, plain.text
    body = plain.json()
    assert (body["currency"], body["brand"], body["schedule_version"]) == ("CNY", None, "2026.1")
    parts = {part["code"]: part for part in body["parts"]}
    assert parts["compressor"]["name"] == {"zh": "压缩机", "en": "Compressor"}
    gree = (
        await consumer.get(FEES, params={"category": "air_conditioner", "brand": "gree"})
    ).json()
    assert gree["brand"] == "gree"
    assert gree["visit_fee_fen"] > body["visit_fee_fen"]
    assert {p["code"]: p["price_fen"] for p in gree["parts"]}["compressor"] > parts["compressor"][
        "price_fen"
    ]
    other = (
        await consumer.get(FEES, params={"category": "air_conditioner", "brand": "haier"})
    ).json()
    assert other == body
    unknown = await consumer.get(FEES, params={"category": "spaceship"})
    assert unknown.status_code == 422
    assert (await api_client_for(None).get(FEES, params={"category": "tv"})).status_code == 401


async def test_upload_activate_and_roll_back_a_schedule(
    api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    agent = api_client_for(Role.AGENT)
    active = (await agent.get(f"{SCHEDULES}/active")).json()
    assert (active["version"], active["loaded_at"]) == ("2026.1", None)
    assert await _ac_visit_fee(agent) == 5000

    first = await admin_client.post(SCHEDULES, json=_schedule("2026.2", visit_fee_fen=6500))
    assert first.status_code == 201, first.text
    assert await _ac_visit_fee(agent) == 6500
    again = await admin_client.post(SCHEDULES, json=_schedule("2026.2", visit_fee_fen=6500))
    assert again.status_code == 200
    changed = await admin_client.post(SCHEDULES, json=_schedule("2026.2", visit_fee_fen=7000))
    assert (changed.status_code, changed.json()["code"]) == (409, "schedule_version_conflict")
    await admin_client.post(SCHEDULES, json=_schedule("2026.3", visit_fee_fen=8000))
    assert await _ac_visit_fee(agent) == 8000

    rolled = await admin_client.post(f"{SCHEDULES}/2026.2/activate")
    assert rolled.status_code == 200, rolled.text
    assert await _ac_visit_fee(agent) == 6500
    listed = [(v["version"], v["active"]) for v in (await agent.get(SCHEDULES)).json()]
    assert sorted(listed) == [("2026.2", True), ("2026.3", False)]
    missing = await admin_client.post(f"{SCHEDULES}/1999.1/activate")
    assert (missing.status_code, missing.json()["code"]) == (404, "schedule_version_not_found")
    assert (await agent.post(SCHEDULES, json=_schedule("2026.4"))).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visit_fee_fen": -1}, "categories.air_conditioner.visit_fee_fen"),
        (
            {
                "labour": {
                    "electrical": {
                        "name": {"zh": "电", "en": "E"},
                        "bands": {"minor": {"min_fen": 900, "max_fen": 100}},
                    }
                }
            },
            "categories.air_conditioner.labour.electrical.bands.minor",
        ),
        (
            {"parts": {"fuse": {"name": {"zh": "保险丝", "en": "Fuse"}, "price_fen": 100}}},
            "categories.air_conditioner.parts",
        ),
        ({"labour": {}}, "categories.air_conditioner.labour"),
    ],
)
async def test_an_invalid_schedule_is_refused_naming_the_field(
    admin_client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await admin_client.post(SCHEDULES, json=_schedule("2026.9", **change))
    assert response.status_code == 422, response.text
    assert any(problem["field"] == f"body.{field}" for problem in response.json()["errors"])


async def test_a_schedule_missing_a_category_is_refused(admin_client: httpx.AsyncClient) -> None:
    document = _schedule("2026.9")
    del document["categories"]["furniture"]
    response = await admin_client.post(SCHEDULES, json=document)
    assert response.status_code == 422
    assert "furniture" in response.text


async def test_the_seed_section_stores_the_shipped_and_inline_schedules(
    api_app: FastAPI, api_client_for: ApiClientFactory, tmp_path: Path
) -> None:
    counts = await load_sections(
        api_app,
        {"fee_schedules": [{"file": "default"}, _schedule("2026.5", visit_fee_fen=5500)]},
        tmp_path,
    )
    assert counts == {"fee_schedules": 2}
    agent = api_client_for(Role.AGENT)
    assert [v["version"] for v in (await agent.get(SCHEDULES)).json()] == ["2026.5", "2026.1"]
    assert await _ac_visit_fee(agent) == 5500
    with pytest.raises(SeedError, match="unknown schedule file"):
        await load_sections(api_app, {"fee_schedules": [{"file": "missing"}]}, tmp_path)


async def test_the_estimate_says_free_and_why_or_gives_the_schedule(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    await load_served_areas(api_app)
    await register_customer(admin_client, "tg:7101")
    await register_customer(admin_client, "tg:7102")
    free = await open_case(admin_client, "tg:7101", warranty_snapshot=IN_WARRANTY)
    paid = await open_case(admin_client, "tg:7101", brand="gree", warranty_snapshot=OUT_OF_WARRANTY)
    undecided = await open_case(admin_client, "tg:7101")
    consumer = api_client_for(Role.ACTIONS, customer="tg:7101")

    covered = (await consumer.get(ESTIMATE, params={"case_id": free["id"]})).json()
    assert (covered["basis"], covered["visit_fee_fen"], covered["labour_min_fen"]) == (
        "free",
        0,
        None,
    )
    assert covered["reason"] == {"zh": "整机保修期内", "en": "Within the whole-unit warranty"}

    charged = (await consumer.get(ESTIMATE, params={"case_id": paid["id"]})).json()
    gree = default_schedule().fees_for(CategoryCode.AIR_CONDITIONER, "gree")
    assert charged["basis"] == "paid"
    assert (charged["brand"], charged["visit_fee_fen"]) == ("gree", gree.visit_fee_fen)
    assert (charged["labour_min_fen"], charged["labour_max_fen"]) == (
        gree.labour_range().min_fen,
        gree.labour_range().max_fen,
    )
    assert charged["price_factors"]["zh"] and charged["price_factors"]["en"]

    open_question = (await consumer.get(ESTIMATE, params={"case_id": undecided["id"]})).json()
    assert open_question["basis"] == "undecided" and open_question["visit_fee_fen"] == 5000

    by_status = await consumer.get(
        ESTIMATE, params={"category": "phone", "warranty_status": "in_warranty"}
    )
    assert by_status.json()["basis"] == "free"
    stranger = api_client_for(Role.ACTIONS, customer="tg:7102")
    assert (await stranger.get(ESTIMATE, params={"case_id": free["id"]})).status_code == 404
    both = await consumer.get(ESTIMATE, params={"case_id": free["id"], "category": "tv"})
    assert (both.status_code, both.json()["code"]) == (422, "case_or_category")
