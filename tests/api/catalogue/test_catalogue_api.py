"""Catalogue endpoints: categories, brands and models; validation, 404s and roles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from tests.conftest import ApiClientFactory

V1 = "/api/v1"
GREE = {"code": "gree", "name_zh": "格力", "name_en": "Gree", "aliases": ["GREE", "格力电器"]}
SPLIT_AC: dict[str, Any] = {
    "code": "KFR-35GW/BpR3",
    "name_zh": "格力云佳 1.5匹 挂机",
    "name_en": "Gree Yunjia 1.5 HP split air conditioner",
    "category": "air_conditioner",
    "brand": "gree",
    "launch_date": "2019-03-01",
    "aliases": ["格力云佳", "1.5匹挂机"],
    "serial_pattern": r"GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])35BP\d{6}",
    "serial_hint_zh": "室内机右侧铭牌",
    "serial_hint_en": "Rating plate on the right side of the indoor unit",
}


def _field_errors(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {problem["field"] for problem in response.json()["errors"]}


@pytest.fixture
async def admin(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    client = api_client_for(Role.ADMIN)
    assert (await client.post(f"{V1}/catalogue/brands", json=GREE)).status_code == 201
    return client


async def test_categories_are_fixed_and_can_be_renamed(
    admin: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    listed = (await admin.get(f"{V1}/catalogue/categories")).json()
    assert [item["code"] for item in listed] == [
        "air_conditioner",
        "refrigerator",
        "washing_machine",
        "tv",
        "microwave",
        "water_heater",
        "phone",
        "laptop",
        "furniture",
    ]
    assert listed[0] == {"code": "air_conditioner", "name_zh": "空调", "name_en": "Air conditioner"}
    backend = api_client_for(Role.BACKEND)
    renamed = await backend.patch(f"{V1}/catalogue/categories/tv", json={"name_en": "Television"})
    assert renamed.json() == {"code": "tv", "name_zh": "电视", "name_en": "Television"}
    bot = api_client_for(Role.BOT)
    names = {
        item["code"]: item["name_en"]
        for item in (await bot.get(f"{V1}/catalogue/categories")).json()
    }
    assert names["tv"] == "Television"


async def test_unknown_category_codes_are_422_naming_the_field(admin: httpx.AsyncClient) -> None:
    rename = await admin.patch(f"{V1}/catalogue/categories/toaster", json={"name_zh": "烤面包机"})
    assert _field_errors(rename) == {"path.code"}
    create = await admin.post(f"{V1}/catalogue/models", json={**SPLIT_AC, "category": "toaster"})
    assert _field_errors(create) == {"body.category"}
    listing = await admin.get(f"{V1}/catalogue/models", params={"category": "toaster"})
    assert _field_errors(listing) == {"query.category"}
    resolving = await admin.get(
        f"{V1}/catalogue/models/resolve", params={"q": "格力", "category": "toaster"}
    )
    assert _field_errors(resolving) == {"query.category"}


async def test_category_rename_refuses_null_and_blank_names(admin: httpx.AsyncClient) -> None:
    assert _field_errors(
        await admin.patch(f"{V1}/catalogue/categories/tv", json={"name_zh": None})
    ) == {"body"}
    assert _field_errors(
        await admin.patch(f"{V1}/catalogue/categories/tv", json={"name_zh": "   "})
    ) == {"body.name_zh"}


async def test_brand_lifecycle(admin: httpx.AsyncClient) -> None:
    assert (await admin.get(f"{V1}/catalogue/brands/gree")).json() == GREE
    duplicate = await admin.post(f"{V1}/catalogue/brands", json=GREE)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "brand_exists")
    updated = await admin.patch(
        f"{V1}/catalogue/brands/gree", json={"aliases": ["GREE", "GREE", "珠海格力"]}
    )
    assert updated.json()["aliases"] == ["GREE", "珠海格力"]
    missing = await admin.get(f"{V1}/catalogue/brands/nobrand")
    assert (missing.status_code, missing.json()["code"]) == (404, "brand_not_found")
    assert (await admin.patch(f"{V1}/catalogue/brands/nobrand", json={})).status_code == 404
    listed = (await admin.get(f"{V1}/catalogue/brands")).json()
    assert [brand["code"] for brand in listed] == ["gree"]


BRAND_VALIDATION: list[tuple[dict[str, Any], str]] = [
    ({**GREE, "code": "Gree"}, "body.code"),
    ({**GREE, "code": "g"}, "body.code"),
    ({**GREE, "name_zh": ""}, "body.name_zh"),
    ({**GREE, "name_en": "Gree\x00"}, "body.name_en"),
    ({**GREE, "aliases": ["ok", "\t"]}, "body.aliases.1"),
    ({**GREE, "aliases": [f"a{i}" for i in range(31)]}, "body.aliases"),
    ({**GREE, "founded": 1989}, "body.founded"),
]


async def test_brand_validation(admin: httpx.AsyncClient) -> None:
    for body, field in BRAND_VALIDATION:
        response = await admin.post(f"{V1}/catalogue/brands", json=body)
        assert field in _field_errors(response), body


async def test_model_lifecycle(admin: httpx.AsyncClient, api_client_for: ApiClientFactory) -> None:
    created = await admin.post(f"{V1}/catalogue/models", json=SPLIT_AC)
    assert created.status_code == 201
    assert created.json() == SPLIT_AC
    actions = api_client_for(Role.ACTIONS)
    for spelling in (
        "KFR-35GW/BpR3",
        "kfr-35gw%2Fbpr3",
        "kfr35gwbpr3",
        "ＫＦＲ－３５ＧＷ／ＢｐＲ３",
    ):
        fetched = await actions.get(f"{V1}/catalogue/models/{spelling}")
        assert fetched.status_code == 200, spelling
        assert fetched.json()["code"] == "KFR-35GW/BpR3"
    patched = await admin.patch(
        f"{V1}/catalogue/models/KFR-35GW/BpR3",
        json={"aliases": ["云佳"], "serial_hint_zh": None, "serial_hint_en": None},
    )
    assert patched.status_code == 200
    assert (patched.json()["aliases"], patched.json()["serial_hint_zh"]) == (["云佳"], None)
    listed = await actions.get(
        f"{V1}/catalogue/models", params={"category": "air_conditioner", "brand": "gree"}
    )
    assert [model["code"] for model in listed.json()] == ["KFR-35GW/BpR3"]
    assert (await actions.get(f"{V1}/catalogue/models", params={"category": "tv"})).json() == []
    unknown_brand = await actions.get(f"{V1}/catalogue/models", params={"brand": "acme"})
    assert _field_errors(unknown_brand) == {"query.brand"}


async def test_model_codes_equal_once_normalised_conflict(admin: httpx.AsyncClient) -> None:
    assert (await admin.post(f"{V1}/catalogue/models", json=SPLIT_AC)).status_code == 201
    for code in ("KFR-35GW/BpR3", "kfr 35gw bpr3"):
        clash = await admin.post(f"{V1}/catalogue/models", json={**SPLIT_AC, "code": code})
        assert (clash.status_code, clash.json()["code"]) == (409, "model_exists")


async def test_missing_models_are_404(admin: httpx.AsyncClient) -> None:
    for response in (
        await admin.get(f"{V1}/catalogue/models/NO-SUCH-MODEL"),
        await admin.patch(f"{V1}/catalogue/models/NO-SUCH-MODEL", json={"name_en": "x"}),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "model_not_found")


MODEL_VALIDATION: list[tuple[dict[str, Any], str, str]] = [
    ({"code": "KFR\n35"}, "body.code", "validation_failed"),
    ({"code": " \t "}, "body.code", "validation_failed"),
    ({"code": "X" * 65}, "body.code", "validation_failed"),
    ({"brand": "acme"}, "body.brand", "unknown_brand"),
    (
        {"launch_date": (date.today() + timedelta(days=1)).isoformat()},
        "body.launch_date",
        "date_in_future",
    ),
    ({"serial_pattern": r"GR(\d{2}"}, "body.serial_pattern", "invalid_serial_pattern"),
    (
        {"serial_pattern": r"(?P<tac>\d{8})\d{7}"},
        "body.serial_pattern",
        "invalid_serial_pattern",
    ),
    ({"serial_hint_en": None}, "body.serial_hint_en", "serial_hint_incomplete"),
    ({"aliases": ["ok", ""]}, "body.aliases.1", "validation_failed"),
]


async def test_model_validation(admin: httpx.AsyncClient) -> None:
    for changes, field, code in MODEL_VALIDATION:
        response = await admin.post(f"{V1}/catalogue/models", json={**SPLIT_AC, **changes})
        assert field in _field_errors(response), changes
        assert response.json()["code"] == code, changes
    assert (await admin.get(f"{V1}/catalogue/models")).json() == []


async def test_regex_error_is_reported_with_its_position(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        f"{V1}/catalogue/models", json={**SPLIT_AC, "serial_pattern": r"GR(\d{2}"}
    )
    assert "missing ), unterminated subpattern at position 2" in response.json()["detail"]


async def test_model_update_validates_and_refuses_null_for_required_fields(
    admin: httpx.AsyncClient,
) -> None:
    await admin.post(f"{V1}/catalogue/models", json=SPLIT_AC)
    url = f"{V1}/catalogue/models/KFR-35GW/BpR3"
    assert _field_errors(await admin.patch(url, json={"serial_pattern": "("})) == {
        "body.serial_pattern"
    }
    assert _field_errors(await admin.patch(url, json={"name_en": None})) == {"body"}
    assert _field_errors(await admin.patch(url, json={"brand": "acme"})) == {"body.brand"}
    unchanged = (await admin.get(url)).json()
    assert unchanged == SPLIT_AC


async def test_resolve_endpoint(admin: httpx.AsyncClient, api_client_for: ApiClientFactory) -> None:
    await admin.post(f"{V1}/catalogue/models", json=SPLIT_AC)
    bot = api_client_for(Role.BOT)
    found = (await bot.get(f"{V1}/catalogue/models/resolve", params={"q": "格力 35 挂机"})).json()
    assert found["kind"] == "fuzzy"
    assert found["brands"] == ["gree"] and found["categories"] == ["air_conditioner"]
    assert found["candidates"][0] | {"score": 0} == {
        "code": "KFR-35GW/BpR3",
        "name_zh": "格力云佳 1.5匹 挂机",
        "name_en": "Gree Yunjia 1.5 HP split air conditioner",
        "category": "air_conditioner",
        "brand": "gree",
        "score": 0,
        "matched_on": "code",
    }
    nothing = (await bot.get(f"{V1}/catalogue/models/resolve", params={"q": "zzz"})).json()
    assert (nothing["kind"], nothing["candidates"]) == ("none", [])
    for params in (
        {"q": ""},
        {"q": "x" * 201},
        {"q": "格力", "limit": 0},
        {"q": "格力", "limit": 21},
    ):
        assert (await bot.get(f"{V1}/catalogue/models/resolve", params=params)).status_code == 422


async def test_resolve_sees_catalogue_writes_at_once(admin: httpx.AsyncClient) -> None:
    url = f"{V1}/catalogue/models/resolve"
    assert (await admin.get(url, params={"q": "格力云佳"})).json()["kind"] == "brand_only"
    await admin.post(f"{V1}/catalogue/models", json=SPLIT_AC)
    assert (await admin.get(url, params={"q": "格力云佳"})).json()["kind"] == "exact"
    await admin.patch(f"{V1}/catalogue/models/KFR-35GW/BpR3", json={"aliases": ["冷静王"]})
    renamed = (await admin.get(url, params={"q": "冷静王"})).json()
    assert (renamed["kind"], renamed["candidates"][0]["matched_on"]) == ("exact", "alias")
    await admin.patch(f"{V1}/catalogue/brands/gree", json={"aliases": ["珠海格力"]})
    assert (await admin.get(url, params={"q": "珠海格力"})).json()["brands"] == ["gree"]


READ_ROUTES = [
    ("get", "/catalogue/categories"),
    ("get", "/catalogue/brands"),
    ("get", "/catalogue/models"),
    ("get", "/catalogue/models/resolve?q=gree"),
]
WRITE_ROUTES = [
    ("post", "/catalogue/brands", GREE),
    ("patch", "/catalogue/brands/gree", {"name_en": "Gree"}),
    ("post", "/catalogue/models", SPLIT_AC),
    ("patch", "/catalogue/models/KFR-35GW/BpR3", {"name_en": "x"}),
    ("patch", "/catalogue/categories/tv", {"name_en": "TV"}),
]


async def test_every_service_role_may_read(
    admin: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND):
        client = api_client_for(role)
        for method, path in READ_ROUTES:
            response = await getattr(client, method)(f"{V1}{path}")
            assert response.status_code == 200, (role, path)


async def test_only_backend_and_admin_may_write(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR):
        client = api_client_for(role)
        for method, path, body in WRITE_ROUTES:
            response = await getattr(client, method)(f"{V1}{path}", json=body)
            problem = (response.status_code, response.json()["code"])
            assert problem == (403, "role_not_allowed"), (role, path)


async def test_requests_without_a_key_are_refused(api_client_for: ApiClientFactory) -> None:
    anonymous = api_client_for(None)
    assert (await anonymous.get(f"{V1}/catalogue/categories")).status_code == 401


async def test_sql_and_html_in_names_are_stored_verbatim(admin: httpx.AsyncClient) -> None:
    name = "<script>alert(1)</script>'; DROP TABLE brands; --"
    created = await admin.post(
        f"{V1}/catalogue/brands", json={"code": "acme", "name_zh": name, "name_en": "Acme"}
    )
    assert created.json()["name_zh"] == name
    assert (await admin.get(f"{V1}/catalogue/brands/acme")).json()["name_zh"] == name
