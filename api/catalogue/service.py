"""Catalogue rules and queries: categories, brands, product models and model resolution.

Functions other domains call: `find_model` / `get_model` (by code; case, width and separators
are ignored) and `resolve_models` (free text to ranked models). Units, repairs and serial
lookup live in `api.catalogue.unit_service`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.models import Brand, Category, ProductModel
from api.catalogue.schemas import (
    BrandCreate,
    CategoryOut,
    ModelCandidate,
    ModelCreate,
    ModelRef,
    ModelResolution,
)
from api.catalogue.serial_patterns import SerialPatternError, compile_serial_pattern
from api.catalogue.snapshot import catalogue_snapshot
from api.catalogue.text import compact
from api.catalogue.vocabulary import DEFAULT_CATEGORY_NAMES, CategoryCode
from api.errors import ApiError, invalid_field, not_found


async def flush_or_conflict(session: AsyncSession, code: str, detail: str) -> None:
    """Flush; a unique or foreign-key race with another writer becomes a 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise ApiError(409, code, detail) from error


# Categories


async def list_categories(session: AsyncSession) -> list[CategoryOut]:
    """Every fixed category, with the operator's names where they were changed."""
    stored = {row.code: row for row in await session.scalars(select(Category))}
    return [
        CategoryOut.of(stored[code.value])
        if code.value in stored
        else CategoryOut(
            code=code,
            name_zh=DEFAULT_CATEGORY_NAMES[code][0],
            name_en=DEFAULT_CATEGORY_NAMES[code][1],
        )
        for code in CategoryCode
    ]


async def ensure_category(session: AsyncSession, code: CategoryCode) -> Category:
    """The category's row, created with its default names on first use."""
    category = await session.get(Category, code.value)
    if category is None:
        name_zh, name_en = DEFAULT_CATEGORY_NAMES[code]
        category = Category(code=code.value, name_zh=name_zh, name_en=name_en)
        session.add(category)
        await flush_or_conflict(session, "category_exists", f"Category {code} was just created.")
    return category


async def rename_category(
    session: AsyncSession, code: CategoryCode, changes: Mapping[str, Any]
) -> Category:
    category = await ensure_category(session, code)
    for name, value in changes.items():
        setattr(category, name, value)
    await session.flush()
    return category


# Brands


async def list_brands(session: AsyncSession) -> Sequence[Brand]:
    return (await session.scalars(select(Brand).order_by(Brand.code))).all()


async def get_brand(session: AsyncSession, code: str) -> Brand:
    brand = await session.get(Brand, code)
    if brand is None:
        raise not_found("brand", code)
    return brand


async def create_brand(session: AsyncSession, data: BrandCreate) -> Brand:
    if await session.get(Brand, data.code) is not None:
        raise ApiError(409, "brand_exists", f"Brand {data.code} already exists.")
    brand = Brand(code=data.code, name_zh=data.name_zh, name_en=data.name_en)
    _set_brand_fields(brand, data.model_dump(exclude={"code"}))
    session.add(brand)
    await flush_or_conflict(session, "brand_exists", f"Brand {data.code} already exists.")
    return brand


async def update_brand(session: AsyncSession, code: str, changes: Mapping[str, Any]) -> Brand:
    brand = await get_brand(session, code)
    _set_brand_fields(brand, changes)
    await session.flush()
    return brand


def _set_brand_fields(brand: Brand, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(brand, name, _unique(value) if name == "aliases" else value)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# Product models


async def list_models(
    session: AsyncSession, category: CategoryCode | None = None, brand: str | None = None
) -> Sequence[ProductModel]:
    query = select(ProductModel).order_by(ProductModel.code)
    if category is not None:
        query = query.where(ProductModel.category_code == category.value)
    if brand is not None:
        if await session.get(Brand, brand) is None:
            raise invalid_field("query.brand", "unknown_brand", f"There is no brand {brand}.")
        query = query.where(ProductModel.brand_code == brand)
    return (await session.scalars(query)).all()


async def find_model(session: AsyncSession, code: str) -> ProductModel | None:
    """A model by its code; case, full-width characters and separators are ignored."""
    query = select(ProductModel).where(ProductModel.code == code)
    model = (await session.scalars(query)).first()
    if model is not None:
        return model
    record = (await catalogue_snapshot(session)).model(code)
    if record is None:
        return None
    query = select(ProductModel).where(ProductModel.code == record.code)
    return (await session.scalars(query)).first()


async def get_model(session: AsyncSession, code: str) -> ProductModel:
    model = await find_model(session, code)
    if model is None:
        raise not_found("model", code)
    return model


async def create_model(session: AsyncSession, data: ModelCreate) -> ProductModel:
    taken = await _code_taken_by(session, data.code)
    if taken is not None:
        raise ApiError(409, "model_exists", f"Model {data.code} already exists (as {taken.code}).")
    model = ProductModel(code=data.code)
    await _set_model_fields(session, model, data.model_dump(exclude={"code"}))
    session.add(model)
    await flush_or_conflict(session, "model_exists", f"Model {data.code} already exists.")
    return model


async def update_model(
    session: AsyncSession, code: str, changes: Mapping[str, Any]
) -> ProductModel:
    model = await get_model(session, code)
    await _set_model_fields(session, model, changes)
    await session.flush()
    return model


async def _code_taken_by(session: AsyncSession, code: str) -> ProductModel | None:
    """The model whose code equals this one once case, width and separators are ignored."""
    wanted = compact(code)
    for model in await session.scalars(select(ProductModel)):
        if compact(model.code) == wanted:
            return model
    return None


async def _set_model_fields(
    session: AsyncSession, model: ProductModel, fields: Mapping[str, Any]
) -> None:
    for name, value in fields.items():
        if name == "category":
            model.category_code = (await ensure_category(session, CategoryCode(value))).code
        elif name == "brand":
            if await session.get(Brand, value) is None:
                raise invalid_field("body.brand", "unknown_brand", f"There is no brand {value}.")
            model.brand_code = value
        elif name == "launch_date":
            if value is not None and value > date.today():
                raise invalid_field(
                    "body.launch_date", "date_in_future", "The launch date is in the future."
                )
            model.launch_date = value
        elif name == "serial_pattern":
            try:
                compile_serial_pattern(value)
            except SerialPatternError as error:
                raise invalid_field(
                    "body.serial_pattern", "invalid_serial_pattern", str(error)
                ) from error
            model.serial_pattern = value
        elif name == "aliases":
            model.aliases = _unique(value)
        else:
            setattr(model, name, value)
    if (model.serial_hint_zh is None) != (model.serial_hint_en is None):
        missing = "serial_hint_zh" if model.serial_hint_zh is None else "serial_hint_en"
        raise invalid_field(
            f"body.{missing}",
            "serial_hint_incomplete",
            "Give where the serial is printed in both Chinese and English, or in neither.",
        )


# Resolution


async def resolve_models(
    session: AsyncSession, query: str, category: CategoryCode | None = None, limit: int = 5
) -> ModelResolution:
    """Ranked catalogue models for what a consumer typed (``格力 35 挂机``, ``kfr35gw``)."""
    snapshot = await catalogue_snapshot(session)
    resolution = snapshot.resolver.resolve(query, category.value if category else None, limit)
    return ModelResolution(
        query=query,
        kind=resolution.kind,
        brands=list(resolution.brands),
        categories=[CategoryCode(code) for code in resolution.categories],
        candidates=[
            ModelCandidate(
                **ModelRef.of(found.model).model_dump(),
                score=found.score,
                matched_on=found.matched_on,
            )
            for found in resolution.candidates
        ],
    )


# Upserts by natural key (seed files)


async def save_brand(session: AsyncSession, data: BrandCreate) -> Brand:
    brand = await session.get(Brand, data.code)
    if brand is None:
        return await create_brand(session, data)
    _set_brand_fields(brand, data.model_dump(exclude={"code"}))
    await session.flush()
    return brand


async def save_model(session: AsyncSession, data: ModelCreate) -> ProductModel:
    model = (
        await session.scalars(select(ProductModel).where(ProductModel.code == data.code))
    ).first()
    if model is None:
        return await create_model(session, data)
    await _set_model_fields(session, model, data.model_dump(exclude={"code"}))
    await session.flush()
    return model
