"""Catalogue seed sections: relative dates, idempotent upserts, errors and the export."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import time_machine
import yaml
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from aftersales.cli import main
from api.catalogue.models import Brand, Category, ProductModel, Unit, UnitRepair
from api.catalogue.seed import dump_sections, export_catalogue
from api.catalogue.seed_dates import SeedDateError, parse_seed_date
from api.seeding import SeedError, known_sections
from tests.api.catalogue.conftest import (
    DEMO_CATALOGUE,
    SMALL_CATALOGUE,
    load_files,
    load_yaml,
)
from tests.support.databases import MigratedSqliteTemplate


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        ("today", date(2026, 11, 23), date(2026, 11, 23)),
        ("today-3d", date(2026, 11, 23), date(2026, 11, 20)),
        ("today-400d", date(2026, 11, 23), date(2025, 10, 19)),
        ("today+2w", date(2026, 11, 23), date(2026, 12, 7)),
        ("today-11m", date(2026, 11, 23), date(2025, 12, 23)),
        ("today-1m", date(2024, 3, 31), date(2024, 2, 29)),
        ("today-2y", date(2026, 11, 23), date(2024, 11, 23)),
        ("today-1y", date(2024, 2, 29), date(2023, 2, 28)),
        ("Today - 3D", date(2026, 11, 23), date(2026, 11, 20)),
        ("2024-05-01", date(2026, 11, 23), date(2024, 5, 1)),
        (date(2020, 1, 2), date(2026, 11, 23), date(2020, 1, 2)),
        (None, date(2026, 11, 23), None),
    ],
)
def test_seed_dates(value: object, today: date, expected: date | None) -> None:
    assert parse_seed_date(value, today) == expected


@pytest.mark.parametrize("value", ["yesterday", "today-3x", "today-", "2024-13-01", 20240501])
def test_bad_seed_dates_are_refused(value: object) -> None:
    with pytest.raises(SeedDateError):
        parse_seed_date(value, date(2026, 11, 23))


def test_catalogue_sections_are_registered_in_order() -> None:
    sections = known_sections()
    positions = [sections.index(name) for name in ("categories", "brands", "models", "units")]
    assert positions == sorted(positions)


async def _counts(app: FastAPI) -> dict[str, int]:
    async with app.state.session_factory() as session:
        return {
            table.__tablename__: await session.scalar(select(func.count()).select_from(table))
            for table in (Category, Brand, ProductModel, Unit, UnitRepair)
        }


async def test_loading_twice_changes_nothing(api_app: FastAPI, tmp_path: Path) -> None:
    first = await load_yaml(api_app, SMALL_CATALOGUE, tmp_path)
    rows = await _counts(api_app)
    second = await load_yaml(api_app, SMALL_CATALOGUE, tmp_path)
    assert first == second == {"brands": 3, "models": 5, "units": 2}
    assert await _counts(api_app) == rows
    assert rows == {
        "categories": 3,
        "brands": 3,
        "product_models": 5,
        "units": 2,
        "unit_repairs": 1,
    }


async def test_relative_dates_follow_the_day_of_loading(api_app: FastAPI, tmp_path: Path) -> None:
    async def sale_and_repair() -> tuple[date | None, date]:
        async with api_app.state.session_factory() as session:
            unit = await session.scalar(select(Unit).where(Unit.serial == "GR230535BP000101"))
            repair = await session.scalar(select(UnitRepair))
            assert unit is not None and repair is not None
            return unit.sale_date, repair.hand_in

    with time_machine.travel(date(2027, 3, 31), tick=False):
        await load_yaml(api_app, SMALL_CATALOGUE, tmp_path)
    assert await sale_and_repair() == (date(2027, 3, 28), date(2027, 3, 29))
    with time_machine.travel(date(2027, 6, 10), tick=False):
        await load_yaml(api_app, SMALL_CATALOGUE, tmp_path)
    assert await sale_and_repair() == (date(2027, 6, 7), date(2027, 6, 8))


SEED_ERRORS: list[tuple[str, str]] = [
    (
        "categories: [{code: toaster, name_zh: 烤面包机, name_en: Toaster}]",
        "categories[0] toaster",
    ),
    ("brands: [{code: Acme, name_zh: 艾克米, name_en: Acme}]", "brands[0] Acme"),
    (
        "models: [{code: X1, name_zh: 甲, name_en: A, category: tv, brand: nobrand,"
        " serial_pattern: 'X\\d+'}]",
        "models[0] X1: body.brand",
    ),
    (
        "models: [{code: X1, name_zh: 甲, name_en: A, category: tv, brand: nobrand,"
        " launch_date: someday, serial_pattern: 'X\\d+'}]",
        "models[0] X1: 'someday' is neither an ISO date",
    ),
    (
        "units: [{serial: 'A1', model: NO-SUCH, proof_on_file: false}]",
        "units[0] A1: body.model",
    ),
    ("units: [{serial: 12345, model: X, proof_on_file: false}]", "units[0] 12345"),
]


async def test_seed_errors_name_the_item(api_app: FastAPI, tmp_path: Path) -> None:
    for text, message in SEED_ERRORS:
        with pytest.raises(SeedError, match=re.escape(message)):
            await load_yaml(api_app, text, tmp_path)
    assert set((await _counts(api_app)).values()) == {0}


async def test_invalid_unit_serial_is_refused_with_the_reason(
    api_app: FastAPI, tmp_path: Path
) -> None:
    broken = SMALL_CATALOGUE.replace("GR230535BP000101", "GR230535BP0001")
    with pytest.raises(SeedError, match=r"units\[0\] GR230535BP0001: body.serial: .*wrong number"):
        await load_yaml(api_app, broken, tmp_path)


async def _empty_catalogue(app: FastAPI) -> None:
    async with app.state.session_factory() as session:
        for table in (UnitRepair, Unit, ProductModel, Brand, Category):
            await session.execute(delete(table))
        await session.commit()


async def test_export_then_import_into_an_empty_database_gives_the_same_rows(
    api_app: FastAPI, tmp_path: Path
) -> None:
    await load_files(api_app, [DEMO_CATALOGUE])
    async with api_app.state.session_factory() as session:
        exported = await export_catalogue(session)
    text = dump_sections(exported)
    assert yaml.safe_load(text) == exported
    await _empty_catalogue(api_app)
    assert set((await _counts(api_app)).values()) == {0}
    path = tmp_path / "export.yaml"
    path.write_text(text, encoding="utf-8")
    await load_files(api_app, [path])
    async with api_app.state.session_factory() as session:
        assert await export_catalogue(session) == exported
    repairs = [repair for unit in exported["units"] for repair in unit.get("repairs", [])]
    assert len(exported["units"]) >= 210 and len(repairs) >= 10


def test_cli_exports_the_catalogue(
    sqlite_template: MigratedSqliteTemplate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AFTERSALES_API_DATABASE_URL", sqlite_template.fresh_url(tmp_path))
    source = tmp_path / "small.yaml"
    source.write_text(SMALL_CATALOGUE, encoding="utf-8")
    assert main(["seed", str(source)]) == 0
    target = tmp_path / "out" / "catalogue.yaml"
    target.parent.mkdir()
    assert main(["seed", "--export", str(target)]) == 0
    assert "units: 2" in capsys.readouterr().out
    exported = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert [model["code"] for model in exported["models"]][:2] == [
        "KFR-35GW/BpR3",
        "KFR-72LW/NhZbB1W",
    ]
    assert exported["units"][1]["serial"] == "GR230535BP000101"
    assert exported["units"][1]["repairs"][0]["component"] == "compressor"
    assert main(["seed", "--export", str(target), str(source)]) == 2
    assert main(["seed", "--export", str(tmp_path / "missing" / "x.yaml")]) == 1
