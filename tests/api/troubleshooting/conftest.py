"""The shipped knowledge base, as pure data for the matcher and loaded into a database."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI

from api.catalogue.models import Brand
from api.seeding import DEMO_DATA_DIR, load_seed_files, read_seed_file
from api.troubleshooting.index_cache import matching_vocabulary
from api.troubleshooting.matching import ErrorCodeEntry, GuideEntry, GuideIndex
from api.troubleshooting.schemas import ErrorCodeBody, GuideCreate
from api.troubleshooting.seed import (
    ERROR_CODES_SECTION,
    GUIDES_SECTION,
    load_error_codes,
    load_guides,
)

SHIPPED_KNOWLEDGE_BASE = DEMO_DATA_DIR / "30_troubleshooting.yaml"

# The brands the tests name, as the catalogue would hold them.
BRANDS: dict[str, tuple[str, str]] = {
    "gree": ("格力", "Gree"),
    "midea": ("美的", "Midea"),
    "haier": ("海尔", "Haier"),
    "hisense": ("海信", "Hisense"),
    "xiaomi": ("小米", "Xiaomi"),
    "huawei": ("华为", "Huawei"),
    "lenovo": ("联想", "Lenovo"),
    "vatti": ("华帝", "Vatti"),
}


@cache
def _shipped_sections() -> dict[str, list[dict[str, Any]]]:
    return read_seed_file(SHIPPED_KNOWLEDGE_BASE)


def shipped_guides() -> list[GuideCreate]:
    return [GuideCreate.model_validate(item) for item in _shipped_sections()[GUIDES_SECTION]]


def shipped_error_codes() -> list[ErrorCodeBody]:
    return [ErrorCodeBody.model_validate(item) for item in _shipped_sections()[ERROR_CODES_SECTION]]


def guide_entry(guide_id: int, guide: GuideCreate) -> GuideEntry:
    return GuideEntry(
        id=guide_id,
        category=guide.category,
        symptom=guide.symptom,
        brand=guide.brand,
        title_zh=guide.title.zh,
        title_en=guide.title.en,
        phrases_zh=tuple(guide.match_phrases.zh),
        phrases_en=tuple(guide.match_phrases.en),
    )


def error_code_entry(code_id: int, code: ErrorCodeBody) -> ErrorCodeEntry:
    return ErrorCodeEntry(
        id=code_id,
        brand=code.brand,
        model=code.model,
        category=code.category,
        code=code.code,
        symptom=code.symptom,
        meaning_zh=code.meaning.zh,
        meaning_en=code.meaning.en,
    )


def build_index(
    guides: list[GuideCreate], codes: list[ErrorCodeBody], brands: dict[str, tuple[str, str]]
) -> GuideIndex:
    return GuideIndex(
        [guide_entry(number, guide) for number, guide in enumerate(guides, start=1)],
        [error_code_entry(number, code) for number, code in enumerate(codes, start=1)],
        matching_vocabulary(
            category_names={},
            brand_names={code: (code, *names) for code, names in brands.items()},
        ),
    )


@pytest.fixture(scope="session")
def shipped_index() -> GuideIndex:
    return build_index(shipped_guides(), shipped_error_codes(), BRANDS)


def brands_seed_file(directory: Path) -> Path:
    path = directory / "brands.yaml"
    items = [
        {"code": code, "name_zh": name_zh, "name_en": name_en}
        for code, (name_zh, name_en) in BRANDS.items()
    ]
    path.write_text(yaml.safe_dump({"brands": items}, allow_unicode=True), encoding="utf-8")
    return path


async def load_files(app: FastAPI, paths: list[Path]) -> dict[str, int]:
    async with app.state.session_factory() as session:
        counts = await load_seed_files(session, paths)
        await session.commit()
    return counts


@pytest.fixture
async def knowledge_base(api_app: FastAPI) -> None:
    """The catalogue's brands and the shipped knowledge base, loaded by the seed loaders."""
    sections = _shipped_sections()
    async with api_app.state.session_factory() as session:
        session.add_all(
            Brand(code=code, name_zh=name_zh, name_en=name_en, aliases=[])
            for code, (name_zh, name_en) in BRANDS.items()
        )
        await load_guides(session, sections[GUIDES_SECTION])
        await load_error_codes(session, sections[ERROR_CODES_SECTION])
        await session.commit()
