"""Reading a registered unit for the warranty check: the one-hand-off SQLite path returns
exactly what SQLAlchemy returns, and the record carries typed dates and authorised repairs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from api.warranty.decision_model import EarlierRepair
from api.warranty.unit_record import UNIT_FACTS, find_registered_unit, unit_rows
from tests.api.warranty_api.warranty_api_data import (
    AC_JUST_SOLD,
    AC_MODEL,
    AC_OLD,
    CATALOGUE,
    FRIDGE_EXCHANGED,
    FRIDGE_REPAIRED_TWICE,
    load_sections,
)


@pytest.fixture
async def catalogue_app(api_app: FastAPI, tmp_path: Path) -> FastAPI:
    await load_sections(api_app, CATALOGUE, tmp_path)
    return api_app


@pytest.mark.parametrize(
    "serial", [AC_JUST_SOLD, AC_OLD, FRIDGE_REPAIRED_TWICE, FRIDGE_EXCHANGED, "NOT-A-UNIT"]
)
async def test_rows_equal_sqlalchemys_own(catalogue_app: FastAPI, serial: str) -> None:
    async with catalogue_app.state.engine.connect() as connection:
        expected = [tuple(row) for row in await connection.execute(UNIT_FACTS, {"serial": serial})]
        found = [tuple(row) for row in await unit_rows(connection, serial)]

    assert found == expected


async def test_a_unit_with_repairs(catalogue_app: FastAPI) -> None:
    async with catalogue_app.state.session_factory() as session:
        unit = await find_registered_unit(session, FRIDGE_REPAIRED_TWICE)

    assert unit is not None
    assert unit.sale_date == date(2026, 1, 10)
    assert unit.proof_on_file is False
    assert unit.exchange_date is None
    assert (unit.model.category, unit.model.brand, unit.model.launch_date) == (
        "refrigerator",
        "haier",
        date(2021, 1, 1),
    )
    # The unauthorised repair on record is left out; the others in hand-in order.
    assert unit.repairs == (
        EarlierRepair(date(2026, 2, 1), date(2026, 2, 5), "compressor", None, paid=False),
        EarlierRepair(date(2026, 4, 1), date(2026, 4, 6), "compressor", None, paid=False),
    )


async def test_a_unit_without_repairs(catalogue_app: FastAPI) -> None:
    async with catalogue_app.state.session_factory() as session:
        unit = await find_registered_unit(session, AC_JUST_SOLD)
        missing = await find_registered_unit(session, "NOT-A-UNIT")

    assert unit is not None
    assert (unit.serial, unit.model.code, unit.proof_on_file) == (AC_JUST_SOLD, AC_MODEL, True)
    assert unit.manufacture_date == date(2026, 6, 1)
    assert unit.repairs == ()
    assert missing is None
