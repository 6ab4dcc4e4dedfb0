"""``POST /units/lookup``: registered, unregistered but valid, or invalid with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from tests.conftest import ApiClientFactory

LOOKUP = "/api/v1/units/lookup"
TODAY = date.today()


@pytest.fixture
def actions(small_catalogue: FastAPI, api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.ACTIONS)


async def _lookup(client: httpx.AsyncClient, serial: str, model: str | None = None) -> Any:
    body = {"serial": serial} | ({"model_code": model} if model else {})
    response = await client.post(LOOKUP, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_registered_unit_with_its_repairs(actions: httpx.AsyncClient) -> None:
    found = await _lookup(actions, "gr2305 35bp-000101")
    assert (found["result"], found["serial"], found["reason_code"]) == (
        "registered",
        "GR230535BP000101",
        None,
    )
    unit = found["unit"]
    assert unit["model"] == "KFR-35GW/BpR3"
    assert (unit["category"], unit["brand"]) == ("air_conditioner", "gree")
    assert unit["sale_date"] == (TODAY - timedelta(days=3)).isoformat()
    assert unit["proof_on_file"] is True
    assert unit["in_repair"] is True
    assert unit["repairs"][0]["component"] == "compressor"
    assert "note" not in unit["repairs"][0] and "seller" not in unit
    assert found["manufacture_date"] == "2023-05-01"
    assert [model["code"] for model in found["model_candidates"]] == ["KFR-35GW/BpR3"]


async def test_registered_unit_under_another_model_says_so(actions: httpx.AsyncClient) -> None:
    found = await _lookup(actions, "GR230535BP000101", model="Mate 60 Pro")
    assert (found["result"], found["reason_code"]) == ("registered", "registered_model_differs")
    assert found["unit"]["model"] == "KFR-35GW/BpR3"
    assert found["reason_zh"] and found["reason_en"]


async def test_registered_phone_by_imei_keeps_its_recorded_manufacture_date(
    actions: httpx.AsyncClient,
) -> None:
    found = await _lookup(actions, "8675-4106-0000-002")
    assert found["result"] == "registered"
    assert found["manufacture_date"] == (TODAY - timedelta(days=300)).isoformat()


@pytest.mark.parametrize(
    ("serial", "model", "expected_models", "made"),
    [
        ("GR230535BP000102", None, ["KFR-35GW/BpR3"], "2023-05-01"),
        ("gr230535bp000102", "kfr-35gw/bpr3", ["KFR-35GW/BpR3"], "2023-05-01"),
        ("GR210172LZ123456", None, ["KFR-72LW/NhZbB1W"], "2021-01-01"),
        ("867541060000010", "Mate 60 Pro", ["Mate 60 Pro"], None),
        ("ALN2310AB12CD34", None, ["Mate 60 Pro"], "2023-10-01"),
    ],
)
async def test_unregistered_but_valid(
    actions: httpx.AsyncClient,
    serial: str,
    model: str | None,
    expected_models: list[str],
    made: str | None,
) -> None:
    found = await _lookup(actions, serial, model)
    assert (found["result"], found["unit"], found["reason_code"]) == (
        "unregistered_valid",
        None,
        None,
    )
    assert [item["code"] for item in found["model_candidates"]] == expected_models
    assert found["manufacture_date"] == made


async def test_a_serial_fitting_two_models_asks_which(actions: httpx.AsyncClient) -> None:
    found = await _lookup(actions, "QY20230115S0001")
    assert (found["result"], found["reason_code"]) == ("unregistered_valid", "model_ambiguous")
    assert {item["code"] for item in found["model_candidates"]} == {"QY-S102165", "QY-S102166"}
    named = await _lookup(actions, "QY20230115S0001", model="QY-S102165")
    assert (named["reason_code"], named["manufacture_date"]) == (None, "2023-01-15")


INVALID: list[tuple[str, str | None, str, list[str]]] = [
    ("GR23", None, "wrong_length", []),
    ("GR2305#35BP00010", None, "wrong_characters", []),
    ("格力序列号", None, "wrong_characters", []),
    ("ZZ230535BP000101", None, "no_matching_model", []),
    ("867541060000003", None, "bad_check_digit", ["Mate 60 Pro"]),
    ("867541060000003", "Mate 60 Pro", "bad_check_digit", ["Mate 60 Pro"]),
    ("GR991235BP000101", None, "impossible_date", ["KFR-35GW/BpR3"]),
    ("GR230535BP000102", "Mate 60 Pro", "model_mismatch", ["KFR-35GW/BpR3"]),
    ("GR230572BP000102", "KFR-35GW/BpR3", "model_mismatch", []),
    ("GR230535XX000102", "KFR-35GW/BpR3", "wrong_characters", []),
    ("GR230535BP0001", "KFR-35GW/BpR3", "wrong_length", []),
]


async def test_invalid_serials_say_why_in_both_languages(actions: httpx.AsyncClient) -> None:
    for serial, model, reason, candidates in INVALID:
        found = await _lookup(actions, serial, model)
        assert (found["result"], found["reason_code"]) == ("invalid", reason), (serial, model)
        assert [item["code"] for item in found["model_candidates"]] == candidates, serial
        assert found["reason_zh"] and found["reason_en"], serial
        assert found["unit"] is None


async def test_malformed_requests_are_422(actions: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"serial": "GR23\n05"}, "body.serial", "validation_failed"),
        ({"serial": "   "}, "body.serial", "validation_failed"),
        ({"serial": "X" * 65}, "body.serial", "validation_failed"),
        ({"serial": "— - —"}, "body.serial", "empty_serial"),
        ({}, "body.serial", "validation_failed"),
        (
            {"serial": "GR230535BP000102", "model_code": "NO-SUCH"},
            "body.model_code",
            "unknown_model",
        ),
        ({"serial": "GR230535BP000102", "extra": 1}, "body.extra", "validation_failed"),
    ]
    for body, field, code in cases:
        response = await actions.post(LOOKUP, json=body)
        assert response.status_code == 422, body
        problem = response.json()
        assert field in {error["field"] for error in problem["errors"]}, body
        assert problem["code"] == code, body


async def test_lookup_roles(small_catalogue: FastAPI, api_client_for: ApiClientFactory) -> None:
    body = {"serial": "GR230535BP000101"}
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.BACKEND, Role.ADMIN):
        assert (await api_client_for(role).post(LOOKUP, json=body)).status_code == 200, role
    refused = await api_client_for(Role.SUPERVISOR).post(LOOKUP, json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
