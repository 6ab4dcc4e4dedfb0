"""Bookable windows from Chinese and English addresses, service levels counted from now,
unserved areas refused clearly, and cases without capacity handed to a person."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.handoffs.models import Handoff
from api.scheduling.models import CaseSchedulingFlag
from tests.api.scheduling.steps import (
    EVERY_DAY,
    NOW,
    PUDONG,
    TODAY,
    add_technician,
    open_case,
    register_customer,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

AFTERNOONS = {day: {"start": "13:00", "end": "19:00"} for day in EVERY_DAY}
URL = "/api/v1/visits/availability"


async def _available(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(URL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _slots(body: dict[str, Any]) -> list[tuple[str, str, int, bool]]:
    return [
        (w["local_date"], w["label"], w["remaining_capacity"], w["within_service_level"])
        for w in body["windows"]
    ]


async def test_windows_for_chinese_and_english_addresses_never_name_a_technician(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    await add_technician(admin_client, "SH-1001")
    await add_technician(admin_client, "SH-1002", capacity_per_window=2, working_hours=AFTERNOONS)
    await add_technician(admin_client, "SH-1003", skills=["tv"])
    client = api_client_for(Role.ACTIONS, customer="tg:1")

    chinese = await _available(client, category="air_conditioner", address=PUDONG)
    day, next_day = TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()
    assert _slots(chinese)[:6] == [
        (day, "09:00–12:00", 1, True),
        (day, "13:00–16:00", 3, True),
        (day, "16:00–19:00", 3, True),
        (next_day, "09:00–12:00", 1, False),
        (next_day, "13:00–16:00", 3, False),
        (next_day, "16:00–19:00", 3, False),
    ]
    assert len(chinese["windows"]) == 7 * 3
    starts = [w["start"] for w in chinese["windows"]]
    assert starts == sorted(starts)
    assert chinese["windows"][0]["start"] == "2026-12-01T01:00:00Z"
    assert chinese["place"]["district"]["code"] == "shanghai.pudong"
    assert chinese["service_level_hours"] == 24
    assert chinese["service_level_met"] is True
    assert chinese["urgent"] is False
    assert chinese["timezone"] == "Asia/Shanghai"
    assert "technician" not in json.dumps(chinese)
    assert "SH-100" not in json.dumps(chinese)

    for address in ("100 Zhangjiang Rd, Pudong, Shanghai", "Pudnog, Shangahi"):
        english = await _available(client, category="air_conditioner", address=address)
        assert english["windows"] == chinese["windows"], address

    one_day = await _available(
        client,
        category="air_conditioner",
        address=PUDONG,
        **{"from": "2026-12-03", "to": "2026-12-03"},
    )
    assert [w["local_date"] for w in one_day["windows"]] == ["2026-12-03"] * 3
    assert one_day["service_level_met"] is True


async def test_unknown_or_unclear_areas_are_refused_clearly(
    admin_client: httpx.AsyncClient,
) -> None:
    await add_technician(admin_client, "SH-1101")
    cases = [
        ({"address": "四川省成都市锦江区春熙路1号"}, "area_not_served", "query.address"),
        ({"address": "Huangpu District"}, "area_ambiguous", "query.address"),
        ({"address": "上海市"}, "district_required", "query.address"),
        ({"address": "北京市朝阳区"}, "area_not_served", "query.address"),
        ({"address": PUDONG, "category": "spaceship"}, "unknown_category", "query.category"),
        ({"address": PUDONG, "category": None}, "missing_field", "query.category"),
        ({"address": None}, "missing_field", "query.address"),
        ({"address": PUDONG, "case_id": 1}, "case_or_category", "query.category"),
        ({"address": PUDONG, "from": "2026-12-05", "to": "2026-12-04"}, "invalid_range", None),
        ({"address": PUDONG, "from": "2027-06-01"}, "invalid_range", "query.from"),
        ({"address": "x" * 501}, "validation_failed", "query.address"),
    ]
    for fields, code, field in cases:
        params = {"category": "air_conditioner", **fields}
        response = await admin_client.get(
            URL, params={k: v for k, v in params.items() if v is not None}
        )
        assert response.status_code == 422, (fields, response.text)
        problem = response.json()
        assert problem["code"] == code, (fields, problem)
        if field is not None:
            assert problem["errors"][0]["field"] == field, (fields, problem)

    unserved = (await admin_client.get(URL, params={"category": "tv", "address": "成都"})).json()
    assert [c["code"] for c in unserved["extra"]["served_cities"]] == [
        "beijing",
        "guangzhou",
        "shanghai",
    ]
    assert "上海市" in unserved["extra"]["zh"] and "Guangzhou" in unserved["extra"]["en"]
    unclear = (await admin_client.get(URL, params={"category": "tv", "address": "Huangpu"})).json()
    assert [c["code"] for c in unclear["extra"]["candidate_cities"]] == ["guangzhou", "shanghai"]
    district = (
        await admin_client.get(URL, params={"category": "air_conditioner", "address": "上海"})
    ).json()
    assert "shanghai.pudong" in [d["code"] for d in district["extra"]["districts"]]
    assert district["extra"]["zh"] and district["extra"]["en"]


async def test_the_service_level_is_counted_from_now_and_longer_outside_the_city(
    admin_client: httpx.AsyncClient, clock: time_machine.Coordinates
) -> None:
    await add_technician(admin_client, "SH-1201", areas=[{"area": "shanghai"}])
    clock.move_to(NOW.replace(hour=20))
    city = await _available(admin_client, category="air_conditioner", address=PUDONG)
    outlying = await _available(admin_client, category="air_conditioner", address="上海市崇明区")
    assert (city["service_level_hours"], outlying["service_level_hours"]) == (24, 48)
    within_city = [
        (w["local_date"], w["label"]) for w in city["windows"] if w["within_service_level"]
    ]
    assert within_city == [
        ("2026-12-02", label) for label in ("09:00–12:00", "13:00–16:00", "16:00–19:00")
    ]
    within_outlying = [w["local_date"] for w in outlying["windows"] if w["within_service_level"]]
    assert within_outlying == ["2026-12-02"] * 3 + ["2026-12-03"] * 3
    assert city["windows"][0]["local_date"] == "2026-12-02"  # tonight's windows are gone

    clock.move_to(NOW.replace(hour=8, minute=30))
    soon = await _available(admin_client, category="air_conditioner", address=PUDONG)
    # 09:00 starts within the hour of notice a technician needs.
    assert soon["windows"][0]["label"] == "13:00–16:00"


async def test_a_case_brings_its_category_urgency_and_address_and_stays_private(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    await add_technician(admin_client, "SH-1301", skills=["refrigerator"])
    await register_customer(admin_client, "tg:1301")
    await register_customer(admin_client, "tg:1302", address=None)
    case = await open_case(admin_client, "tg:1301", category="refrigerator", urgency="urgent")
    own = api_client_for(Role.BOT, customer="tg:1301")
    body = await _available(own, case_id=case["id"])
    assert (body["case_id"], body["category"], body["urgent"]) == (case["id"], "refrigerator", True)
    assert body["windows"][0]["label"] == "09:00–12:00"
    assert body["place"]["district"]["code"] == "shanghai.pudong"
    elsewhere = await own.get(URL, params={"case_id": case["id"], "address": "北京市朝阳区"})
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "area_not_served"

    stranger = api_client_for(Role.BOT, customer="tg:1302")
    hidden = await stranger.get(URL, params={"case_id": case["id"]})
    assert hidden.status_code == 404

    no_address = await open_case(admin_client, "tg:1302", category="refrigerator")
    missing = await stranger.get(URL, params={"case_id": no_address["id"]})
    assert missing.status_code == 422 and missing.json()["code"] == "address_required"
    carry_in = await open_case(admin_client, "tg:1301", category="phone")
    refused = await own.get(URL, params={"case_id": carry_in["id"]})
    assert refused.status_code == 409 and refused.json()["code"] == "not_onsite"
    uncategorised = await open_case(admin_client, "tg:1301", category=None)
    unknown = await own.get(URL, params={"case_id": uncategorised["id"]})
    assert unknown.status_code == 422 and unknown.json()["code"] == "category_required"


async def test_a_case_without_capacity_in_the_service_level_is_flagged_once_and_handed_over(
    admin_client: httpx.AsyncClient, api_app: FastAPI
) -> None:
    fridays = {"fri": {"start": "09:00", "end": "19:00"}}
    await add_technician(admin_client, "SH-1401", working_hours=fridays)
    await register_customer(admin_client, "tg:1401")
    case = await open_case(admin_client, "tg:1401")

    first = await _available(admin_client, case_id=case["id"])
    assert first["service_level_met"] is False
    assert [w["local_date"] for w in first["windows"]] == ["2026-12-04"] * 3
    assert first["no_capacity_flagged_at"] is not None
    second = await _available(admin_client, case_id=case["id"])
    assert second["no_capacity_flagged_at"] == first["no_capacity_flagged_at"]

    async with api_app.state.session_factory() as session:
        flags = (await session.execute(select(CaseSchedulingFlag))).scalars().all()
        handoffs = (await session.execute(select(Handoff))).scalars().all()
    assert [(flag.case_id, flag.flag) for flag in flags] == [(case["id"], "no_capacity")]
    assert flags[0].details["area"] == "shanghai.pudong"
    assert [(h.case_id, h.reason, h.conversation_id) for h in handoffs] == [
        (case["id"], "no_capacity", "tg:1401")
    ]
    assert handoffs[0].summary is not None and "air_conditioner" in handoffs[0].summary

    by_address = await _available(admin_client, category="air_conditioner", address=PUDONG)
    assert by_address["service_level_met"] is False
    assert by_address["no_capacity_flagged_at"] is None
