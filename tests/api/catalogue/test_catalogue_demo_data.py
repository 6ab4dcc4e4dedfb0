"""The shipped demo catalogue: it loads, it is large enough, and its edge cases are there."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from api.auth_roles import Role
from api.catalogue.models import Unit
from api.catalogue.seed_dates import add_months
from api.catalogue.serial_patterns import luhn_valid
from api.catalogue.vocabulary import CategoryCode
from tests.api.catalogue.conftest import DEMO_CATALOGUE, demo_sections, load_files
from tests.api.catalogue.resolve_table import RESOLVE_TABLE
from tests.api.catalogue.test_model_resolver import assert_meets
from tests.conftest import ApiClientFactory

VOCABULARY_BRANDS = {
    "gree", "midea", "haier", "hisense", "tcl", "xiaomi", "huawei", "lenovo", "changhong",
    "aux", "siemens", "panasonic", "vatti", "aosmith", "galanz", "quanu", "kuka",
}  # fmt: skip


def test_demo_file_has_every_category_brand_and_enough_models_and_units() -> None:
    sections = demo_sections()
    assert [item["code"] for item in sections["categories"]] == [
        code.value for code in CategoryCode
    ]
    assert {item["code"] for item in sections["brands"]} == VOCABULARY_BRANDS
    models = sections["models"]
    assert len(models) >= 32
    per_category = Counter(item["category"] for item in models)
    assert set(per_category) == {code.value for code in CategoryCode}
    assert min(per_category.values()) >= 3
    assert all(
        item["launch_date"] and item["aliases"] and item["serial_pattern"] for item in models
    )
    units = sections["units"]
    assert len(units) >= 210
    per_model = Counter(item["model"] for item in units)
    assert {item["code"] for item in models} == set(per_model)
    assert min(per_model.values()) >= 3


def test_demo_dates_are_relative_so_edge_cases_stay_edge_cases() -> None:
    units = demo_sections()["units"]
    sale_dates = {item["sale_date"] for item in units}
    for expression in ("today-3d", "today-10d", "today-20d", "today-11m", "today-13m"):
        assert expression in sale_dates
    for expression in ("today-2y", "today-3y", "today-5y"):
        assert expression in sale_dates
    assert not any(isinstance(item["sale_date"], date) for item in units)


async def _units(app: FastAPI) -> list[Unit]:
    async with app.state.session_factory() as session:
        query = select(Unit).options(joinedload(Unit.model), joinedload(Unit.repairs))
        return list((await session.scalars(query)).unique())


async def test_demo_units_cover_the_warranty_edge_cases(demo_catalogue: FastAPI) -> None:
    units = await _units(demo_catalogue)
    assert len(units) >= 210
    today = date.today()
    sold = Counter(unit.sale_date for unit in units)
    for days in (3, 10, 20):
        assert sold[today - timedelta(days=days)], days
    for months in (11, 13, 24, 36, 60):
        assert sold[add_months(today, -months)], months

    def repaired_twice(same_fault: bool) -> list[Unit]:
        return [
            unit
            for unit in units
            if len(unit.repairs) == 2
            and all(repair.free and repair.hand_back for repair in unit.repairs)
            and (len({repair.component for repair in unit.repairs}) == 1) == same_fault
        ]

    assert repaired_twice(same_fault=True)
    assert repaired_twice(same_fault=False)
    assert any(repair.hand_back is None for unit in units for repair in unit.repairs)
    assert any(
        repair.hand_back and (repair.hand_back - repair.hand_in).days > 30
        for unit in units
        for repair in unit.repairs
    )
    assert any(not repair.repaired_by_authorised for unit in units for repair in unit.repairs)
    serials = {unit.serial for unit in units}
    exchanged = [unit for unit in units if unit.replaced_unit_serial]
    assert exchanged and all(unit.exchange_date for unit in exchanged)
    assert any(unit.replaced_unit_serial in serials for unit in exchanged)
    assert any(unit.sale_date and not unit.proof_on_file for unit in units)
    assert any(unit.sale_date is None for unit in units)
    phones_by_imei = [
        unit
        for unit in units
        if unit.model.category_code == "phone" and len(unit.serial) == 15 and unit.serial.isdigit()
    ]
    assert phones_by_imei and all(luhn_valid(unit.serial) for unit in phones_by_imei)
    assert any(unit.sale_date is None for unit in phones_by_imei)
    assert all(unit.manufacture_date for unit in phones_by_imei)


async def test_every_demo_unit_is_found_by_serial_lookup(
    demo_catalogue: FastAPI, api_client_for: ApiClientFactory
) -> None:
    actions = api_client_for(Role.ACTIONS)
    units = await _units(demo_catalogue)
    for unit in units[::7]:
        found = (await actions.post("/api/v1/units/lookup", json={"serial": unit.serial})).json()
        assert (found["result"], found["unit"]["model"]) == ("registered", unit.model.code)


async def test_resolve_table_through_the_api(
    demo_catalogue: FastAPI, api_client_for: ApiClientFactory
) -> None:
    bot = api_client_for(Role.BOT)
    for expectation in RESOLVE_TABLE:
        response = await bot.get(
            "/api/v1/catalogue/models/resolve", params={"q": expectation.query}
        )
        body: dict[str, Any] = response.json()
        codes = [candidate["code"] for candidate in body["candidates"]]
        assert_meets(expectation, body["kind"], codes)
        assert all(0 <= candidate["score"] <= 100 for candidate in body["candidates"])


async def test_loading_the_demo_twice_keeps_the_same_rows(demo_catalogue: FastAPI) -> None:
    before = {(unit.serial, len(unit.repairs)) for unit in await _units(demo_catalogue)}
    await load_files(demo_catalogue, [DEMO_CATALOGUE])
    after = {(unit.serial, len(unit.repairs)) for unit in await _units(demo_catalogue)}
    assert before == after
