"""Registered units and their repairs: create, read, update, validation and roles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from tests.conftest import ApiClientFactory

V1 = "/api/v1"
TODAY = date.today()
SERIAL = "GR230535BP000777"


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _field_errors(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {problem["field"] for problem in response.json()["errors"]}


@pytest.fixture
def backend(small_catalogue: FastAPI, api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BACKEND)


async def _register(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    body = {"serial": SERIAL, "model": "KFR-35GW/BpR3", "sale_date": days_ago(30)} | fields
    return await client.post(f"{V1}/units", json=body)


async def test_register_and_read_a_unit(
    backend: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    created = await _register(
        backend, serial="gr2305 35bp-000777", seller="苏宁易购", proof_on_file=True
    )
    assert created.status_code == 201
    record = created.json()
    assert record["serial"] == SERIAL
    assert record["manufacture_date"] == "2023-05-01"
    assert (record["category"], record["brand"], record["in_repair"]) == (
        "air_conditioner",
        "gree",
        False,
    )
    agent = api_client_for(Role.AGENT)
    fetched = await agent.get(f"{V1}/units/gr2305-35bp000777")
    assert fetched.json() == record
    assert fetched.json()["seller"] == "苏宁易购"


async def test_a_unit_is_registered_once(backend: httpx.AsyncClient) -> None:
    assert (await _register(backend)).status_code == 201
    again = await _register(backend, serial="gr230535bp000777")
    assert (again.status_code, again.json()["code"]) == (409, "unit_exists")


async def test_unit_sale_data_is_not_for_consumer_facing_roles(
    backend: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    await _register(backend)
    for role in (Role.ACTIONS, Role.BOT, Role.SUPERVISOR):
        response = await api_client_for(role).get(f"{V1}/units/{SERIAL}")
        assert response.status_code == 403, role
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR):
        client = api_client_for(role)
        assert (await _register(client, serial="GR230535BP000778")).status_code == 403
        assert (await client.patch(f"{V1}/units/{SERIAL}", json={})).status_code == 403
        repair = {"hand_in": days_ago(1), "free": True}
        response = await client.post(f"{V1}/units/{SERIAL}/repairs", json=repair)
        assert response.status_code == 403


async def test_missing_units_and_repairs_are_404(backend: httpx.AsyncClient) -> None:
    for response in (
        await backend.get(f"{V1}/units/NOPE0000"),
        await backend.patch(f"{V1}/units/NOPE0000", json={"seller": "x"}),
        await backend.post(
            f"{V1}/units/NOPE0000/repairs", json={"hand_in": days_ago(1), "free": True}
        ),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "unit_not_found")
    await _register(backend)
    missing = await backend.patch(f"{V1}/units/{SERIAL}/repairs/999", json={"note": "x"})
    assert (missing.status_code, missing.json()["code"]) == (404, "repair_not_found")


UNIT_VALIDATION: list[tuple[dict[str, Any], str, str]] = [
    ({"serial": "GR23\x0735BP000777"}, "body.serial", "validation_failed"),
    ({"serial": "   "}, "body.serial", "validation_failed"),
    ({"serial": "- -"}, "body.serial", "empty_serial"),
    ({"serial": "GR2305X5BP000777"}, "body.serial", "wrong_characters"),
    ({"serial": "GR230535BP0007"}, "body.serial", "wrong_length"),
    ({"serial": "GR230572LZ000777"}, "body.serial", "model_mismatch"),
    ({"serial": "GR991235BP000777"}, "body.serial", "impossible_date"),
    ({"model": "NO-SUCH-MODEL"}, "body.model", "unknown_model"),
    ({"sale_date": days_ago(-1)}, "body.sale_date", "date_in_future"),
    ({"sale_date": "2019-02-28"}, "body.sale_date", "sale_before_launch"),
    ({"sale_date": None, "proof_on_file": True}, "body.proof_on_file", "proof_without_sale_date"),
    ({"manufacture_date": days_ago(10)}, "body.manufacture_date", "manufacture_after_sale"),
    ({"manufacture_date": days_ago(-3)}, "body.manufacture_date", "date_in_future"),
    ({"exchange_date": days_ago(5)}, "body.replaced_unit_serial", "exchange_incomplete"),
    ({"replaced_unit_serial": "GR230535BP000001"}, "body.exchange_date", "exchange_incomplete"),
    (
        {"replaced_unit_serial": "GR230535BP000001", "exchange_date": days_ago(40)},
        "body.exchange_date",
        "exchange_before_sale",
    ),
    (
        {"replaced_unit_serial": SERIAL, "exchange_date": days_ago(5)},
        "body.replaced_unit_serial",
        "replaces_itself",
    ),
    ({"seller": "x" * 201}, "body.seller", "validation_failed"),
]


async def test_unit_validation(backend: httpx.AsyncClient) -> None:
    for fields, field, code in UNIT_VALIDATION:
        response = await _register(backend, **fields)
        assert field in _field_errors(response), fields
        assert response.json()["code"] == code, fields
    assert (await backend.get(f"{V1}/units/{SERIAL}")).status_code == 404


async def test_phone_units_are_registered_by_imei_with_a_valid_check_digit(
    backend: httpx.AsyncClient,
) -> None:
    phone = {"model": "Mate 60 Pro", "sale_date": days_ago(10), "manufacture_date": days_ago(60)}
    bad = await _register(backend, serial="867541060000011", **phone)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_check_digit")
    good = await _register(backend, serial="8675 4106 0000 010", **phone)
    assert good.status_code == 201
    assert good.json()["serial"] == "867541060000010"


async def test_an_exchanged_unit_records_what_it_replaced(backend: httpx.AsyncClient) -> None:
    created = await _register(
        backend, replaced_unit_serial="gr2305-35bp000001", exchange_date=days_ago(5)
    )
    assert created.status_code == 201
    assert created.json()["replaced_unit_serial"] == "GR230535BP000001"
    assert created.json()["exchange_date"] == days_ago(5)


async def test_unit_update(backend: httpx.AsyncClient) -> None:
    await _register(backend, proof_on_file=True)
    url = f"{V1}/units/{SERIAL}"
    updated = await backend.patch(url, json={"seller": "国美电器", "proof_on_file": False})
    assert (updated.json()["seller"], updated.json()["proof_on_file"]) == ("国美电器", False)
    cleared = await backend.patch(url, json={"sale_date": None})
    assert cleared.json()["sale_date"] is None
    assert _field_errors(await backend.patch(url, json={"model": None})) == {"body"}
    moved = await backend.patch(url, json={"model": "KFR-72LW/NhZbB1W"})
    assert (moved.status_code, moved.json()["code"]) == (422, "model_mismatch")
    assert _field_errors(await backend.patch(url, json={"sale_date": days_ago(-2)})) == {
        "body.sale_date"
    }
    assert (await backend.get(url)).json()["sale_date"] is None


async def test_repair_history(backend: httpx.AsyncClient, api_client_for: ApiClientFactory) -> None:
    await _register(backend)
    url = f"{V1}/units/{SERIAL}/repairs"
    first = await backend.post(
        url,
        json={
            "hand_in": days_ago(20),
            "hand_back": days_ago(15),
            "component": "compressor",
            "symptom": "不制冷",
            "free": True,
            "note": "更换压缩机电容",
        },
    )
    assert first.status_code == 201
    assert first.json()["repaired_by_authorised"] is True
    open_repair = await backend.post(
        url, json={"hand_in": days_ago(2), "component": "fan_motor", "free": True}
    )
    assert open_repair.status_code == 201
    second_open = await backend.post(url, json={"hand_in": days_ago(1), "free": True})
    assert (second_open.status_code, second_open.json()["code"]) == (409, "repair_already_open")
    same_day = await backend.post(
        url, json={"hand_in": days_ago(20), "hand_back": days_ago(19), "free": False}
    )
    assert (same_day.status_code, same_day.json()["code"]) == (409, "repair_exists")
    unit = (await api_client_for(Role.AGENT).get(f"{V1}/units/{SERIAL}")).json()
    assert unit["in_repair"] is True
    assert [repair["hand_in"] for repair in unit["repairs"]] == [days_ago(20), days_ago(2)]
    assert unit["repairs"][0]["note"] == "更换压缩机电容"
    closed = await backend.patch(
        f"{url}/{open_repair.json()['id']}", json={"hand_back": days_ago(0), "free": False}
    )
    assert (closed.json()["hand_back"], closed.json()["free"]) == (days_ago(0), False)
    unit = (await api_client_for(Role.AGENT).get(f"{V1}/units/{SERIAL}")).json()
    assert unit["in_repair"] is False
    later_sale = await backend.patch(f"{V1}/units/{SERIAL}", json={"sale_date": days_ago(10)})
    assert (later_sale.status_code, later_sale.json()["code"]) == (422, "sale_after_repair")


async def test_repair_validation(backend: httpx.AsyncClient, api_app: FastAPI) -> None:
    await _register(backend)
    url = f"{V1}/units/{SERIAL}/repairs"
    limit = api_app.state.settings.max_text_chars
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"hand_in": days_ago(-1)}, "body.hand_in", "date_in_future"),
        ({"hand_in": days_ago(5), "hand_back": days_ago(-1)}, "body.hand_back", "date_in_future"),
        (
            {"hand_in": days_ago(5), "hand_back": days_ago(6)},
            "body.hand_back",
            "hand_back_before_hand_in",
        ),
        ({"hand_in": days_ago(31)}, "body.hand_in", "repair_before_sale"),
        (
            {"hand_in": days_ago(5), "component": "flux_capacitor"},
            "body.component",
            "validation_failed",
        ),
        ({"hand_in": days_ago(5), "note": "x" * (limit + 1)}, "body.note", "text_too_long"),
        ({"hand_in": days_ago(5), "symptom": "y" * (limit + 1)}, "body.symptom", "text_too_long"),
        ({"hand_in": days_ago(5), "symptom": "bad\x00byte"}, "body.symptom", "validation_failed"),
        ({"hand_in": days_ago(5), "free": None}, "body.free", "validation_failed"),
    ]
    for fields, field, code in cases:
        response = await backend.post(url, json={"free": True} | fields)
        assert field in _field_errors(response), fields
        assert response.json()["code"] == code, fields
    at_limit = await backend.post(
        url, json={"hand_in": days_ago(5), "free": True, "note": "多行\n备注" + "x" * (limit - 5)}
    )
    assert at_limit.status_code == 201
    assert len(at_limit.json()["note"]) == limit


async def test_control_characters_in_paths_and_queries_are_422(
    backend: httpx.AsyncClient,
) -> None:
    for url, field in (
        (f"{V1}/units/GR23%0035BP", "path.serial"),
        (f"{V1}/catalogue/models/KFR%00", "path.code"),
        (f"{V1}/catalogue/brands/gr%00ee", "path.code"),
        (f"{V1}/catalogue/models?brand=gr%00ee", "query.brand"),
    ):
        assert field in _field_errors(await backend.get(url)), url
