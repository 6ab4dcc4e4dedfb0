"""The process's matching index, rebuilt only when the knowledge base changed.

Building the index segments every match phrase (jieba takes about a second to load its
dictionary the first time), so it is built once per process and kept. Each match first asks
the database for a fingerprint of what the index is made of: row counts, summed guide
versions and the latest `updated_at` of guides, error codes, brands and categories. Any
write, by this process or another (a second api worker, `aftersales seed`), changes it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.models import Brand, Category
from api.catalogue.vocabulary import CATEGORY_TERMS, DEFAULT_CATEGORY_NAMES
from api.troubleshooting.matching import ErrorCodeEntry, GuideEntry, GuideIndex, Vocabulary
from api.troubleshooting.models import ErrorCode, TroubleshootingGuide


class GuideIndexCache:
    def __init__(self) -> None:
        self._index: GuideIndex | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._lock = asyncio.Lock()

    @property
    def is_built(self) -> bool:
        return self._index is not None

    async def index(self, session: AsyncSession) -> GuideIndex:
        fingerprint = await _fingerprint(session)
        if self._index is not None and fingerprint == self._fingerprint:
            return self._index
        async with self._lock:
            if self._index is None or fingerprint != self._fingerprint:
                guides, codes, vocabulary = await _index_sources(session)
                # Segmenting every phrase is CPU work; keep the event loop free meanwhile.
                self._index = await asyncio.to_thread(GuideIndex, guides, codes, vocabulary)
                self._fingerprint = fingerprint
            return self._index


def _scalar(expression: Any) -> ScalarSelect[Any]:
    return select(expression).scalar_subquery()


async def _fingerprint(session: AsyncSession) -> tuple[Any, ...]:
    return tuple((await session.execute(_fingerprint_query())).one())


@cache
def _fingerprint_query() -> Select[Any]:
    # Built once: every match runs it, and composing nine subqueries costs more CPU than
    # the database spends answering them.
    guide, code = TroubleshootingGuide, ErrorCode
    return select(
        _scalar(func.count(guide.id)),
        _scalar(func.coalesce(func.sum(guide.version), 0)),
        _scalar(func.max(guide.updated_at)),
        _scalar(func.count(code.id)),
        _scalar(func.max(code.updated_at)),
        _scalar(func.count(Brand.code)),
        _scalar(func.max(Brand.updated_at)),
        _scalar(func.count(Category.code)),
        _scalar(func.max(Category.updated_at)),
    )


async def _index_sources(
    session: AsyncSession,
) -> tuple[list[GuideEntry], list[ErrorCodeEntry], Vocabulary]:
    guides = [
        GuideEntry(
            id=row.id,
            category=row.category_code,
            symptom=row.symptom,
            brand=row.brand_code,
            title_zh=row.title_zh,
            title_en=row.title_en,
            phrases_zh=tuple(row.match_phrases_zh),
            phrases_en=tuple(row.match_phrases_en),
        )
        for row in await session.scalars(select(TroubleshootingGuide))
    ]
    codes = [
        ErrorCodeEntry(
            id=row.id,
            brand=row.brand_code,
            model=row.model_code,
            category=row.category_code,
            code=row.code,
            symptom=row.symptom,
            meaning_zh=row.meaning_zh,
            meaning_en=row.meaning_en,
        )
        for row in await session.scalars(select(ErrorCode))
    ]
    return guides, codes, await _vocabulary(session)


async def _vocabulary(session: AsyncSession) -> Vocabulary:
    categories = {
        row.code: (row.name_zh, row.name_en) for row in await session.scalars(select(Category))
    }
    brands = {
        row.code: (row.code, row.name_zh, row.name_en, *row.aliases)
        for row in await session.scalars(select(Brand))
    }
    return matching_vocabulary(category_names=categories, brand_names=brands)


def matching_vocabulary(
    *,
    category_names: Mapping[str, Sequence[str]],
    brand_names: Mapping[str, Sequence[str]],
) -> Vocabulary:
    """The words that name each category and brand: the catalogue's names and its everyday
    category terms ("AC", 冷气), plus the operator's names and brand aliases."""
    category_terms: dict[str, list[str]] = defaultdict(list)
    for term, meaning in CATEGORY_TERMS.items():
        category_terms[meaning.category.value].append(term)
    for code, default_names in DEFAULT_CATEGORY_NAMES.items():
        category_terms[code.value].extend(default_names)
    for code, names in category_names.items():
        category_terms[code].extend(names)
    return Vocabulary(
        category_terms=dict(category_terms),
        brand_terms={code: list(names) for code, names in brand_names.items()},
    )
