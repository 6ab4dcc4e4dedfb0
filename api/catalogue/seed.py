"""Seed sections of the catalogue, and the export that writes them back.

Sections, loaded in this order and upserted by natural key (loading a file twice changes
nothing):

``categories`` (order 10)
    ``{code, name_zh, name_en}``; ``code`` is one of the fixed category codes.
``brands`` (11)
    ``{code, name_zh, name_en, aliases: [...]}``.
``models`` (12)
    ``{code, name_zh, name_en, category, brand, launch_date, aliases: [...], serial_pattern,
    serial_hint_zh, serial_hint_en}``; ``serial_pattern`` may encode the manufacture date in
    named groups ``year``, ``month``, ``day``.
``units`` (13)
    ``{serial, model, sale_date, seller, proof_on_file, manufacture_date,
    replaced_unit_serial, exchange_date, repairs: [{hand_in, hand_back, component, symptom,
    free, repaired_by_authorised, note}]}``; ``model`` is a model code. A unit that lists
    ``repairs`` gets exactly that repair history (its dates may be relative, so repairs are
    not matched by date); a unit without the key keeps the repairs it has.

Every date accepts an ISO date (``2024-05-01``) or an expression relative to the day the
file is loaded: ``today``, ``today-3d``, ``today-11m``, ``today-2y``, ``today-400d`` (see
`api.catalogue.seed_dates`). The export writes absolute ISO dates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from api.catalogue import service, unit_service
from api.catalogue.models import Brand, Category, ProductModel, Unit
from api.catalogue.schemas import BrandCreate, CategoryRename, ModelCreate, RepairCreate, UnitCreate
from api.catalogue.seed_dates import SeedDateError, parse_seed_date
from api.catalogue.vocabulary import CategoryCode
from api.errors import ApiError
from api.seeding import SeedError, register_section
from api.settings import ApiSettings

SECTION_ORDER = {"categories": 10, "brands": 11, "models": 12, "units": 13}
Schema = TypeVar("Schema", bound=BaseModel)
Result = TypeVar("Result")
_DATE_FIELDS = frozenset(
    {"launch_date", "sale_date", "manufacture_date", "exchange_date", "hand_in", "hand_back"}
)


def _with_dates(item: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        key: parse_seed_date(value, today) if key in _DATE_FIELDS else value
        for key, value in item.items()
    }


def _parse(schema: type[Schema], item: dict[str, Any], where: str, today: date) -> Schema:
    try:
        return schema.model_validate(_with_dates(item, today))
    except (ValidationError, SeedDateError) as error:
        raise SeedError(f"{where}: {error}") from error


async def _apply(where: str, write: Awaitable[Result]) -> Result:
    try:
        return await write
    except ApiError as error:
        problems = [f"{problem.field}: {problem.message}" for problem in error.errors]
        raise SeedError(f"{where}: {'; '.join(problems) or error.detail}") from error


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: must be a mapping")
    return value


def _where(section: str, index: int, item: dict[str, Any], key: str) -> str:
    return f"{section}[{index}] {item.get(key, '?')}"


async def load_categories(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for index, item in enumerate(items):
        where = _where("categories", index, item, "code")
        fields = dict(item)
        raw_code = fields.pop("code", None)
        try:
            code = CategoryCode(raw_code)
        except ValueError as error:
            known = ", ".join(code.value for code in CategoryCode)
            raise SeedError(f"{where}: unknown category code (known: {known})") from error
        names = _parse(CategoryRename, fields, where, date.today())
        await _apply(where, service.rename_category(session, code, names.changes()))
    return len(items)


async def load_brands(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for index, item in enumerate(items):
        where = _where("brands", index, item, "code")
        data = _parse(BrandCreate, item, where, date.today())
        await _apply(where, service.save_brand(session, data))
    return len(items)


async def load_models(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for index, item in enumerate(items):
        where = _where("models", index, item, "code")
        data = _parse(ModelCreate, item, where, date.today())
        await _apply(where, service.save_model(session, data))
    return len(items)


async def load_units(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    today = date.today()
    max_text_chars = ApiSettings().max_text_chars
    for index, item in enumerate(items):
        where = _where("units", index, item, "serial")
        fields = dict(item)
        listed = fields.pop("repairs", None)
        history = None
        if listed is not None:
            if not isinstance(listed, list):
                raise SeedError(f"{where}: repairs must be a list")
            history = [
                _parse(RepairCreate, _mapping(repair, place), place, today)
                for place, repair in (
                    (f"{where} repairs[{number}]", repair) for number, repair in enumerate(listed)
                )
            ]
        data = _parse(UnitCreate, fields, where, today)
        await _apply(where, unit_service.save_unit(session, data, history, max_text_chars))
    return len(items)


_LOADERS: dict[str, Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[int]]] = {
    "categories": load_categories,
    "brands": load_brands,
    "models": load_models,
    "units": load_units,
}
for _name, _loader in _LOADERS.items():
    register_section(_name, SECTION_ORDER[_name], _loader)


async def export_catalogue(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Every catalogue row as seed sections, in the format the loaders read."""
    order = {code.value: position for position, code in enumerate(CategoryCode)}
    categories = sorted(await session.scalars(select(Category)), key=lambda c: order[c.code])
    brands = await session.scalars(select(Brand).order_by(Brand.code))
    models = await session.scalars(select(ProductModel).order_by(ProductModel.code))
    units = await session.scalars(
        select(Unit)
        .options(joinedload(Unit.model), selectinload(Unit.repairs))
        .order_by(Unit.serial)
    )
    return {
        "categories": [
            {"code": row.code, "name_zh": row.name_zh, "name_en": row.name_en} for row in categories
        ],
        "brands": [
            {
                "code": row.code,
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "aliases": list(row.aliases),
            }
            for row in brands
        ],
        "models": [_model_item(row) for row in models],
        "units": [_unit_item(row) for row in units.unique()],
    }


def _model_item(model: ProductModel) -> dict[str, Any]:
    return {
        "code": model.code,
        "name_zh": model.name_zh,
        "name_en": model.name_en,
        "category": model.category_code,
        "brand": model.brand_code,
        "launch_date": model.launch_date,
        "aliases": list(model.aliases),
        "serial_pattern": model.serial_pattern,
        "serial_hint_zh": model.serial_hint_zh,
        "serial_hint_en": model.serial_hint_en,
    }


def _unit_item(unit: Unit) -> dict[str, Any]:
    item: dict[str, Any] = {
        "serial": unit.serial,
        "model": unit.model.code,
        "sale_date": unit.sale_date,
        "seller": unit.seller,
        "proof_on_file": unit.proof_on_file,
        "manufacture_date": unit.manufacture_date,
        "replaced_unit_serial": unit.replaced_unit_serial,
        "exchange_date": unit.exchange_date,
    }
    if unit.repairs:
        item["repairs"] = [
            {
                "hand_in": repair.hand_in,
                "hand_back": repair.hand_back,
                "component": repair.component,
                "symptom": repair.symptom,
                "free": repair.free,
                "repaired_by_authorised": repair.repaired_by_authorised,
                "note": repair.note,
            }
            for repair in unit.repairs
        ]
    return item


def dump_sections(sections: dict[str, list[dict[str, Any]]]) -> str:
    return yaml.safe_dump(sections, allow_unicode=True, sort_keys=False, width=100)
