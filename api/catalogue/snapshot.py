"""The in-memory view of the catalogue that resolution and serial checks run on.

Building it reads every category, brand and model (a few hundred rows), so it is kept per
database engine and rebuilt only when the catalogue changed:

* a commit in this process that wrote a category, brand or model bumps a generation counter
  (SQLAlchemy session events), so this process sees its own writes at once;
* writes by other processes (another api worker, ``aftersales seed``) are noticed by a cheap
  fingerprint query (row counts and latest ``updated_at`` of the three tables), run at most
  every `REVALIDATE_SECONDS` per process.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.catalogue.models import Brand, Category, ProductModel
from api.catalogue.resolver import BrandRecord, CategoryRecord, ModelRecord, ModelResolver
from api.catalogue.serial_check import SerialRule
from api.catalogue.serial_patterns import SerialPatternError, compile_serial_pattern
from api.catalogue.text import compact
from api.catalogue.vocabulary import DEFAULT_CATEGORY_NAMES, CategoryCode

REVALIDATE_SECONDS = 2.0
_INDEXED_TYPES = (Category, Brand, ProductModel)
_CHANGED_FLAG = "catalogue_changed"


@dataclass(frozen=True, slots=True)
class CatalogueSnapshot:
    resolver: ModelResolver
    models_by_code: dict[str, ModelRecord]
    models_by_compact_code: dict[str, ModelRecord]
    serial_rules: dict[str, SerialRule]
    """By model code; models whose stored pattern no longer compiles are left out."""

    def model(self, code: str) -> ModelRecord | None:
        """A model by its code, ignoring case, width and separators."""
        return self.models_by_code.get(code) or self.models_by_compact_code.get(compact(code))


def build_snapshot(
    models: list[tuple[ModelRecord, str]],
    brands: list[BrandRecord],
    categories: list[CategoryRecord],
) -> CatalogueSnapshot:
    """A snapshot from plain records: (model, serial pattern) pairs, brands and categories."""
    records = [record for record, _pattern in models]
    rules: dict[str, SerialRule] = {}
    for record, pattern in models:
        try:
            compiled = compile_serial_pattern(pattern)
        except SerialPatternError:
            continue
        is_phone = record.category == CategoryCode.PHONE
        rules[record.code] = SerialRule(record.code, is_phone, compiled)
    return CatalogueSnapshot(
        resolver=ModelResolver(records, brands, categories),
        models_by_code={record.code: record for record in records},
        models_by_compact_code={compact(record.code): record for record in records},
        serial_rules=rules,
    )


_generation = 0


@event.listens_for(Session, "after_flush")
def _note_catalogue_writes(session: Session, _flush_context: Any) -> None:
    if any(
        isinstance(instance, _INDEXED_TYPES)
        for instance in chain(session.new, session.dirty, session.deleted)
    ):
        session.info[_CHANGED_FLAG] = True


@event.listens_for(Session, "after_commit")
def _bump_generation_on_commit(session: Session) -> None:
    global _generation
    if session.info.pop(_CHANGED_FLAG, False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    session.info.pop(_CHANGED_FLAG, None)


@dataclass(slots=True)
class _CachedSnapshot:
    snapshot: CatalogueSnapshot | None = None
    fingerprint: tuple[Any, ...] = ()
    generation: int = -1
    checked_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_cache: weakref.WeakKeyDictionary[Engine, _CachedSnapshot] = weakref.WeakKeyDictionary()


async def catalogue_snapshot(session: AsyncSession) -> CatalogueSnapshot:
    """The current snapshot for the session's database, rebuilt if the catalogue changed."""
    engine = session.sync_session.get_bind()
    assert isinstance(engine, Engine)
    cached = _cache.get(engine)
    if cached is None:
        cached = _cache[engine] = _CachedSnapshot()
    if cached.snapshot is not None and _is_fresh(cached):
        return cached.snapshot
    async with cached.lock:
        if cached.snapshot is not None and _is_fresh(cached):
            return cached.snapshot
        generation = _generation
        fingerprint = await _fingerprint(session)
        if cached.snapshot is None or fingerprint != cached.fingerprint:
            cached.snapshot = await _load_snapshot(session)
            cached.fingerprint = fingerprint
        cached.generation = generation
        cached.checked_at = time.monotonic()
        return cached.snapshot


def _is_fresh(cached: _CachedSnapshot) -> bool:
    age = time.monotonic() - cached.checked_at
    return cached.generation == _generation and age < REVALIDATE_SECONDS


async def _fingerprint(session: AsyncSession) -> tuple[Any, ...]:
    columns = []
    for table in _INDEXED_TYPES:
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        columns.append(select(func.max(table.updated_at)).scalar_subquery())
    row = (await session.execute(select(*columns))).one()
    return tuple(row)


async def _load_snapshot(session: AsyncSession) -> CatalogueSnapshot:
    categories = {
        code.value: CategoryRecord(code.value, *DEFAULT_CATEGORY_NAMES[code])
        for code in CategoryCode
    }
    for category in await session.scalars(select(Category)):
        categories[category.code] = CategoryRecord(
            category.code, category.name_zh, category.name_en
        )
    brands = [
        BrandRecord(brand.code, brand.name_zh, brand.name_en, tuple(brand.aliases))
        for brand in await session.scalars(select(Brand).order_by(Brand.code))
    ]
    models = [
        (model_record(model), model.serial_pattern)
        for model in await session.scalars(select(ProductModel).order_by(ProductModel.code))
    ]
    return build_snapshot(models, brands, list(categories.values()))


def model_record(model: ProductModel) -> ModelRecord:
    return ModelRecord(
        code=model.code,
        name_zh=model.name_zh,
        name_en=model.name_en,
        category=model.category_code,
        brand=model.brand_code,
        aliases=tuple(model.aliases),
        launch_date=model.launch_date,
    )
