"""Catalogue fixtures: the shipped demo catalogue, and a small one written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI

from api.catalogue.resolver import BrandRecord, CategoryRecord, ModelRecord
from api.catalogue.snapshot import CatalogueSnapshot, build_snapshot
from api.seeding import DEMO_DATA_DIR, load_seed_files

DEMO_CATALOGUE = DEMO_DATA_DIR / "10_catalogue.yaml"

SMALL_CATALOGUE = r"""
brands:
  - {code: gree, name_zh: 格力, name_en: Gree, aliases: [GREE]}
  - {code: huawei, name_zh: 华为, name_en: Huawei, aliases: []}
  - {code: quanu, name_zh: 全友, name_en: QuanU, aliases: []}
models:
  - code: KFR-35GW/BpR3
    name_zh: 格力云佳 1.5匹 挂机
    name_en: Gree Yunjia 1.5 HP split air conditioner
    category: air_conditioner
    brand: gree
    launch_date: 2019-03-01
    aliases: [格力云佳]
    serial_pattern: 'GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])35BP\d{6}'
    serial_hint_zh: 室内机右侧铭牌
    serial_hint_en: Rating plate on the right side of the indoor unit
  - code: KFR-72LW/NhZbB1W
    name_zh: 格力 3匹 柜机
    name_en: Gree 3 HP floor-standing air conditioner
    category: air_conditioner
    brand: gree
    launch_date: 2020-05-15
    aliases: []
    serial_pattern: 'GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])72LZ\d{6}'
  - code: Mate 60 Pro
    name_zh: 华为 Mate 60 Pro
    name_en: Huawei Mate 60 Pro
    category: phone
    brand: huawei
    launch_date: 2023-08-29
    aliases: [Mate60Pro]
    serial_pattern: 'ALN(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])[A-Z0-9]{8}|86754106\d{7}'
  - code: QY-S102165
    name_zh: 全友 102165 布艺沙发
    name_en: QuanU 102165 fabric sofa
    category: furniture
    brand: quanu
    launch_date: 2021-01-01
    aliases: []
    serial_pattern: 'QY(?P<year>20\d{2})(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])S\d{4}'
  - code: QY-S102166
    name_zh: 全友 102166 布艺沙发
    name_en: QuanU 102166 fabric sofa
    category: furniture
    brand: quanu
    launch_date: 2021-01-01
    aliases: []
    serial_pattern: 'QY\d{8}S\d{4}'
units:
  - serial: GR230535BP000101
    model: KFR-35GW/BpR3
    sale_date: today-3d
    seller: 京东自营
    proof_on_file: true
    repairs:
      - {hand_in: today-2d, hand_back: null, component: compressor, symptom: 不制冷, free: true}
  - serial: "867541060000002"
    model: Mate 60 Pro
    sale_date: today-200d
    proof_on_file: true
    manufacture_date: today-300d
"""


async def load_yaml(app: FastAPI, text: str, directory: Path) -> dict[str, int]:
    path = directory / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    return await load_files(app, [path])


async def load_files(app: FastAPI, paths: list[Path]) -> dict[str, int]:
    async with app.state.session_factory() as session:
        counts = await load_seed_files(session, paths)
        await session.commit()
    return counts


@pytest.fixture
async def small_catalogue(api_app: FastAPI, tmp_path: Path) -> FastAPI:
    await load_yaml(api_app, SMALL_CATALOGUE, tmp_path)
    return api_app


@pytest.fixture
async def demo_catalogue(api_app: FastAPI) -> FastAPI:
    await load_files(api_app, [DEMO_CATALOGUE])
    return api_app


def demo_sections() -> dict[str, list[dict[str, object]]]:
    return yaml.safe_load(DEMO_CATALOGUE.read_text(encoding="utf-8"))


def snapshot_of(sections: dict[str, list[dict[str, object]]]) -> CatalogueSnapshot:
    """The in-memory snapshot the api would build from these seed sections."""
    models = [
        (
            ModelRecord(
                code=str(item["code"]),
                name_zh=str(item["name_zh"]),
                name_en=str(item["name_en"]),
                category=str(item["category"]),
                brand=str(item["brand"]),
                aliases=tuple(str(alias) for alias in item.get("aliases", [])),  # type: ignore[attr-defined]
                launch_date=item.get("launch_date"),  # type: ignore[arg-type]
            ),
            str(item["serial_pattern"]),
        )
        for item in sections["models"]
    ]
    brands = [
        BrandRecord(
            str(item["code"]),
            str(item["name_zh"]),
            str(item["name_en"]),
            tuple(str(alias) for alias in item.get("aliases", [])),  # type: ignore[attr-defined]
        )
        for item in sections["brands"]
    ]
    categories = [
        CategoryRecord(str(item["code"]), str(item["name_zh"]), str(item["name_en"]))
        for item in sections.get("categories", [])
    ]
    return build_snapshot(models, brands, categories)
