"""POST /warranty/check: decisions from the unit's record, the named model, the serial or the
category, on a purpose-built catalogue (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from tests.api.warranty_api.warranty_api_data import (
    AC_JUST_SOLD,
    AC_MODEL,
    AC_OLD,
    CATALOGUE,
    FRIDGE_EXCHANGED,
    FRIDGE_MODEL,
    FRIDGE_REPAIRED_TWICE,
    NOW,
    PHONE_MODEL,
    TODAY,
    check,
    load_sections,
    reason_codes,
    window_end,
)
from tests.conftest import ApiClientFactory


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def actions(
    api_app: FastAPI, api_client_for: ApiClientFactory, tmp_path: Path
) -> httpx.AsyncClient:
    await load_sections(api_app, {"warranty_policies": [{"file": "default"}]}, tmp_path)
    await load_sections(api_app, CATALOGUE, tmp_path)
    return api_client_for(Role.ACTIONS)


async def test_registered_unit_in_its_return_window(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=AC_JUST_SOLD, fault_description="空调不制冷")

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["return", "exchange", "free_repair"]
    assert decision["as_of"] == TODAY.isoformat()
    assert decision["policy_version"] == "2026.1"
    assert window_end(decision, "return") == "2026-06-17"
    assert window_end(decision, "whole_unit") == "2027-06-10"
    assert "return_window" in reason_codes(decision)
    product = decision["product"]
    assert product["unit_registered"] is True
    assert product["identified_by"] == "unit"
    assert product["serial_status"] == "registered"
    assert product["model"]["code"] == AC_MODEL
    assert (product["category"], product["brand"]) == ("air_conditioner", "gree")
    assert product["sale_date"] == "2026-06-10"
    assert product["manufacture_date"] == "2026-06-01"


async def test_serial_is_matched_in_its_normal_form(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial="gr-2606 t1 000001")

    assert decision["product"]["serial"] == AC_JUST_SOLD
    assert decision["product"]["unit_registered"] is True


async def test_registered_unit_past_every_window(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=AC_OLD, fault_description="压缩机不启动")

    assert decision["status"] == "out_of_warranty"
    assert decision["entitlements"] == ["paid_repair"]
    assert decision["fault_component"] == "compressor"
    assert window_end(decision, "main_component.compressor") == "2025-06-01"
    assert "no_free_window" in reason_codes(decision)


async def test_registered_sale_date_wins_over_the_stated_one(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=AC_JUST_SOLD, purchase_date="2025-05-01")

    assert decision["status"] == "in_warranty"
    assert window_end(decision, "return") == "2026-06-17"
    differs = next(r for r in decision["reasons"] if r["code"] == "registered_date_differs")
    assert "2025-05-01" in differs["en"] and "2026-06-10" in differs["en"]
    assert differs["zh"]


async def test_repeated_repair_from_the_units_history(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=FRIDGE_REPAIRED_TWICE, fault_description="压缩机又坏了")

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["return", "exchange", "free_repair"]
    assert "repeated_repair" in reason_codes(decision)
    # The unauthorised repair on record is not counted.
    assert decision["product"]["earlier_repairs"] == 2
    # Nine days in repair stretch the whole-unit window (2027-01-10 + 4 + 5 days).
    assert window_end(decision, "whole_unit") == "2027-01-19"


async def test_a_past_date_sees_only_the_repairs_made_by_then(actions: httpx.AsyncClient) -> None:
    decision = await check(
        actions, serial=FRIDGE_REPAIRED_TWICE, fault_description="压缩机又坏了", as_of="2026-03-01"
    )

    assert decision["as_of"] == "2026-03-01"
    assert decision["product"]["earlier_repairs"] == 1
    assert "repeated_repair" not in reason_codes(decision)
    assert decision["entitlements"] == ["free_repair"]


async def test_a_repair_handed_back_after_the_date_was_still_under_way(
    actions: httpx.AsyncClient,
) -> None:
    decision = await check(
        actions, serial=FRIDGE_REPAIRED_TWICE, fault_description="压缩机又坏了", as_of="2026-04-03"
    )

    assert decision["product"]["earlier_repairs"] == 2
    assert "repeated_repair" not in reason_codes(decision)
    extensions = [r["en"] for r in decision["reasons"] if r["code"] == "repair_time_extension"]
    assert any("still under way on 2026-04-03" in text for text in extensions)


async def test_exchanged_unit_restarts_its_warranty(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=FRIDGE_EXCHANGED, fault_description="冷藏室不制冷")

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["free_repair"]
    assert window_end(decision, "whole_unit") == "2026-09-01"
    assert window_end(decision, "return") == "2024-02-08"
    assert "exchange_restart" in reason_codes(decision)
    assert decision["product"]["exchange_date"] == "2025-09-01"


async def test_unregistered_serial_with_a_named_model(actions: httpx.AsyncClient) -> None:
    decision = await check(
        actions,
        serial="GR2603T1999999",
        model_code="kfr 35gw t1",
        purchase_date="2026-05-20",
        has_proof=True,
    )

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["free_repair"]
    assert window_end(decision, "whole_unit") == "2027-05-20"
    product = decision["product"]
    assert product["unit_registered"] is False
    assert product["identified_by"] == "model_code"
    assert product["serial_status"] == "unregistered_valid"
    assert product["model"]["code"] == AC_MODEL
    assert product["manufacture_date"] == "2026-03-01"


async def test_a_serial_that_does_not_fit_the_named_model_still_decides(
    actions: httpx.AsyncClient,
) -> None:
    decision = await check(
        actions,
        serial="HR260150000077",
        model_code=AC_MODEL,
        purchase_date="2026-05-20",
        has_proof=True,
    )

    assert decision["status"] == "in_warranty"
    product = decision["product"]
    assert product["model"]["code"] == AC_MODEL
    assert product["serial_status"] == "invalid"
    assert product["serial_reason"] == "model_mismatch"
    assert product["serial_reason_zh"] and product["serial_reason_en"]
    assert product["manufacture_date"] is None


async def test_model_resolved_from_the_serial_pattern(actions: httpx.AsyncClient) -> None:
    decision = await check(
        actions, serial="HR260150000077", purchase_date="2026-03-01", has_proof=True
    )

    product = decision["product"]
    assert product["identified_by"] == "serial_pattern"
    assert product["model"]["code"] == FRIDGE_MODEL
    assert decision["status"] == "in_warranty"


async def test_unregistered_without_proof_needs_proof(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial="HR260150000077", purchase_date="2026-03-01")

    assert decision["status"] == "needs_proof"
    assert decision["entitlements"] == []
    assert "needs_proof" in reason_codes(decision)


async def test_phone_without_proof_starts_from_the_serials_manufacture_date(
    actions: httpx.AsyncClient,
) -> None:
    decision = await check(actions, serial="HWP2509123456", fault_description="手机无法开机")

    assert decision["product"]["model"]["code"] == PHONE_MODEL
    assert decision["product"]["manufacture_date"] == "2025-09-01"
    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["free_repair"]
    # 90 days after 2025-09-01 is 2025-11-30; twelve months on is 2026-11-30.
    assert window_end(decision, "whole_unit") == "2026-11-30"
    assert "manufacture_date_start" in reason_codes(decision)


async def test_only_a_category_still_decides(actions: httpx.AsyncClient) -> None:
    decision = await check(
        actions,
        serial="UNKNOWN123",
        category="tv",
        brand="hisense",
        purchase_date="2026-06-12",
        has_proof=True,
        fault_description="屏幕有竖线",
    )

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["return", "exchange", "free_repair"]
    product = decision["product"]
    assert (product["identified_by"], product["category"], product["brand"]) == (
        "category",
        "tv",
        "hisense",
    )
    assert product["model"] is None


async def test_nothing_identified_is_unknown_product(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial="ZZ1", purchase_date="2026-06-01", has_proof=True)

    assert decision["status"] == "unknown_product"
    assert decision["entitlements"] == []
    assert decision["windows"] == []
    assert reason_codes(decision) == ["unknown_product"]
    product = decision["product"]
    assert product["identified_by"] == "nothing"
    assert product["serial_status"] == "invalid"
    assert product["model"] is None and product["category"] is None


async def test_the_consumers_words_only_suspect_an_exclusion(actions: httpx.AsyncClient) -> None:
    decision = await check(actions, serial=AC_JUST_SOLD, fault_description="遥控器摔了以后不制冷")

    assert decision["status"] == "in_warranty"
    assert decision["entitlements"] == ["return", "exchange", "free_repair"]
    assert [item["code"] for item in decision["suspected_exclusions"]] == ["accident"]


async def test_an_agent_confirmed_exclusion_decides(
    api_client_for: ApiClientFactory, actions: httpx.AsyncClient
) -> None:
    agent = api_client_for(Role.AGENT)

    decision = await check(agent, serial=AC_JUST_SOLD, confirmed_exclusions=["accident"])

    assert decision["status"] == "out_of_warranty"
    assert decision["entitlements"] == ["paid_repair"]
    assert "exclusion_confirmed" in reason_codes(decision)


async def test_a_liquid_exclusion_outside_its_categories_is_explained(
    api_client_for: ApiClientFactory, actions: httpx.AsyncClient
) -> None:
    backend = api_client_for(Role.BACKEND)

    decision = await check(backend, serial=AC_JUST_SOLD, confirmed_exclusions=["liquid_damage"])

    assert decision["status"] == "in_warranty"
    assert "exclusion_not_in_category" in reason_codes(decision)
