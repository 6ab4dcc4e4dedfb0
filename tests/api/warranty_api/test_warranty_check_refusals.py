"""POST /warranty/check: who may call it, who may confirm exclusions, and refused input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from tests.api.warranty_api.warranty_api_data import (
    AC_JUST_SOLD,
    AC_MODEL,
    CATALOGUE,
    CHECK,
    NOW,
    check,
    load_sections,
)
from tests.conftest import ApiClientFactory


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def catalogue(api_app: FastAPI, tmp_path: Path) -> None:
    await load_sections(api_app, CATALOGUE, tmp_path)


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


@pytest.mark.parametrize("role", [Role.ACTIONS, Role.BOT, Role.AGENT, Role.BACKEND, Role.ADMIN])
async def test_service_roles_may_check(
    role: Role, catalogue: None, api_client_for: ApiClientFactory
) -> None:
    decision = await check(api_client_for(role), serial=AC_JUST_SOLD)

    assert decision["status"] == "in_warranty"


async def test_supervisor_and_anonymous_callers_may_not(api_client_for: ApiClientFactory) -> None:
    body = {"serial": AC_JUST_SOLD, "fault_description": "不制冷"}

    _problem(await api_client_for(Role.SUPERVISOR).post(CHECK, json=body), 403, "role_not_allowed")
    _problem(await api_client_for(None).post(CHECK, json=body), 401, "missing_api_key")


@pytest.mark.parametrize("role", [Role.ACTIONS, Role.BOT])
async def test_consumer_facing_roles_may_not_confirm_exclusions(
    role: Role, catalogue: None, api_client_for: ApiClientFactory
) -> None:
    body = {
        "serial": AC_JUST_SOLD,
        "fault_description": "摔了",
        "confirmed_exclusions": ["accident"],
    }

    problem = _problem(
        await api_client_for(role).post(CHECK, json=body), 403, "exclusions_need_agent"
    )

    assert role.value in problem["detail"]


async def test_an_empty_exclusion_list_is_not_a_confirmation(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    decision = await check(api_client_for(Role.BOT), serial=AC_JUST_SOLD, confirmed_exclusions=[])

    assert decision["status"] == "in_warranty"


async def test_purchase_date_in_the_future_is_refused_naming_the_field(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    response = await api_client_for(Role.ACTIONS).post(
        CHECK,
        json={
            "serial": "GR2603T1999999",
            "model_code": AC_MODEL,
            "purchase_date": "2026-06-16",
            "fault_description": "不制冷",
        },
    )

    problem = _problem(response, 422, "purchase_date_in_future")
    assert [error["field"] for error in problem["errors"]] == ["body.purchase_date"]
    assert "2026-06-16" in problem["extra"]["en"]
    assert problem["extra"]["zh"]


async def test_purchase_before_the_models_launch_is_refused(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    response = await api_client_for(Role.ACTIONS).post(
        CHECK,
        json={
            "serial": "GR2603T1999999",
            "model_code": AC_MODEL,
            "purchase_date": "2021-02-28",
            "fault_description": "不制冷",
        },
    )

    problem = _problem(response, 422, "purchase_date_before_launch")
    assert problem["errors"][0]["field"] == "body.purchase_date"


async def test_a_date_before_the_registered_sale_names_as_of(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    response = await api_client_for(Role.AGENT).post(
        CHECK, json={"serial": AC_JUST_SOLD, "fault_description": "不制冷", "as_of": "2026-06-01"}
    )

    problem = _problem(response, 422, "purchase_date_in_future")
    assert problem["errors"][0]["field"] == "body.as_of"


async def test_an_unknown_model_code_is_refused(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    response = await api_client_for(Role.ACTIONS).post(
        CHECK, json={"serial": "X1", "model_code": "NO-SUCH-1", "fault_description": "坏了"}
    )

    problem = _problem(response, 422, "unknown_model")
    assert problem["errors"][0]["field"] == "body.model_code"


async def test_a_fault_description_over_the_limit_is_refused(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    response = await api_client_for(Role.ACTIONS).post(
        CHECK, json={"serial": AC_JUST_SOLD, "fault_description": "坏" * 4001}
    )

    problem = _problem(response, 422, "text_too_long")
    assert problem["errors"][0]["field"] == "body.fault_description"


async def test_a_fault_description_at_the_limit_is_decided(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    decision = await check(
        api_client_for(Role.ACTIONS), serial=AC_JUST_SOLD, fault_description="坏" * 4000
    )

    assert decision["status"] == "in_warranty"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"serial": "GR26\x0006T1"}, "body.serial", id="control-character-in-serial"),
        pytest.param({"serial": "G" * 65}, "body.serial", id="serial-too-long"),
        pytest.param({"serial": "   "}, "body.serial", id="blank-serial"),
        pytest.param({"fault_description": ""}, "body.fault_description", id="empty-fault"),
        pytest.param({"component": "flux_capacitor"}, "body.component", id="unknown-component"),
        pytest.param(
            {"confirmed_exclusions": ["bad_luck"]}, "body.confirmed_exclusions.0", id="exclusion"
        ),
        pytest.param({"purchase_date": "yesterday"}, "body.purchase_date", id="not-a-date"),
        pytest.param({"category": "spaceship"}, "body.category", id="unknown-category"),
        pytest.param({"as_of": "9999-12-31"}, "body.as_of", id="as-of-beyond-the-calendar"),
        pytest.param({"purchase_date": "1900-01-01"}, "body.purchase_date", id="ancient-date"),
        pytest.param({"brand": "Gree!"}, "body.brand", id="malformed-brand"),
        pytest.param({"colour": "red"}, "body.colour", id="unknown-field"),
    ],
)
async def test_malformed_fields_are_named(
    changes: dict[str, Any], field: str, api_client_for: ApiClientFactory
) -> None:
    body = {"serial": AC_JUST_SOLD, "fault_description": "不制冷", **changes}

    problem = _problem(
        await api_client_for(Role.AGENT).post(CHECK, json=body), 422, "validation_failed"
    )

    assert field in [error["field"] for error in problem["errors"]]


async def test_a_serial_of_separators_only_is_refused(api_client_for: ApiClientFactory) -> None:
    response = await api_client_for(Role.ACTIONS).post(
        CHECK, json={"serial": "- -", "fault_description": "坏了"}
    )

    problem = _problem(response, 422, "empty_serial")
    assert problem["errors"][0]["field"] == "body.serial"


async def test_sql_and_html_in_the_fault_text_are_only_text(
    catalogue: None, api_client_for: ApiClientFactory
) -> None:
    decision = await check(
        api_client_for(Role.ACTIONS),
        serial=AC_JUST_SOLD,
        fault_description="'; DROP TABLE units; -- <script>alert(1)</script>",
    )

    assert decision["status"] == "in_warranty"
    again = await check(api_client_for(Role.ACTIONS), serial=AC_JUST_SOLD)
    assert again["product"]["unit_registered"] is True
