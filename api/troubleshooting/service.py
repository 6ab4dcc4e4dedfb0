"""Troubleshooting rules and queries: guides, brand error codes, and matching a fault."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.catalogue.models import Brand, ProductModel
from api.catalogue.service import ensure_category
from api.catalogue.vocabulary import CategoryCode
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import ApiError, invalid_field, not_found
from api.troubleshooting.index_cache import GuideIndexCache
from api.troubleshooting.models import ErrorCode, TroubleshootingGuide, TroubleshootingStep
from api.troubleshooting.safety import detect_hazards
from api.troubleshooting.schemas import (
    ErrorCodeBody,
    ErrorCodeHit,
    ErrorCodeOut,
    GuideBody,
    GuideOut,
    GuideReplace,
    LocalizedText,
    LocalizedTitle,
    MatchCandidate,
    MatchResponse,
    SafetyAlert,
)

# Guides


def _guide_query() -> Select[tuple[TroubleshootingGuide]]:
    return select(TroubleshootingGuide).options(selectinload(TroubleshootingGuide.steps))


async def list_guides(
    session: AsyncSession,
    *,
    category: CategoryCode | None = None,
    symptom: str | None = None,
    brand: str | None = None,
) -> Sequence[TroubleshootingGuide]:
    query = _guide_query().order_by(
        TroubleshootingGuide.category_code,
        TroubleshootingGuide.symptom,
        TroubleshootingGuide.brand_code.is_not(None),
        TroubleshootingGuide.brand_code,
    )
    if category is not None:
        query = query.where(TroubleshootingGuide.category_code == category.value)
    if symptom is not None:
        query = query.where(TroubleshootingGuide.symptom == symptom)
    if brand is not None:
        query = query.where(TroubleshootingGuide.brand_code == brand)
    return (await session.scalars(query)).all()


async def get_guide(session: AsyncSession, guide_id: int) -> TroubleshootingGuide:
    guide = (
        await session.scalars(_guide_query().where(TroubleshootingGuide.id == guide_id))
    ).first()
    if guide is None:
        raise not_found("guide", guide_id)
    return guide


async def find_guide(
    session: AsyncSession, category: str, symptom: str, brand: str | None
) -> TroubleshootingGuide | None:
    """The guide of exactly this (category, symptom, brand); brand None is the generic one."""
    query = _guide_query().where(
        TroubleshootingGuide.category_code == category,
        TroubleshootingGuide.symptom == symptom,
        TroubleshootingGuide.brand_code.is_(None)
        if brand is None
        else TroubleshootingGuide.brand_code == brand,
    )
    return (await session.scalars(query)).first()


async def create_guide(session: AsyncSession, data: GuideBody) -> TroubleshootingGuide:
    await _check_guide_references(session, data)
    if await find_guide(session, data.category, data.symptom, data.brand) is not None:
        raise _guide_exists(data)
    guide = TroubleshootingGuide(version=1, steps=[])
    _write_guide(guide, data)
    session.add(guide)
    await _flush_or_conflict(session, _guide_exists(data))
    return guide


async def replace_guide(
    session: AsyncSession, guide_id: int, data: GuideReplace
) -> TroubleshootingGuide:
    guide = await get_guide(session, guide_id)
    if data.expected_version is not None and data.expected_version != guide.version:
        raise ApiError(
            409,
            "guide_version_conflict",
            f"Guide {guide_id} is at version {guide.version}, not {data.expected_version}; "
            "reload it and apply your change again.",
            extra={"version": guide.version},
        )
    await _check_guide_references(session, data)
    key_changed = (data.category, data.symptom, data.brand) != (
        guide.category_code,
        guide.symptom,
        guide.brand_code,
    )
    if key_changed:
        if await find_guide(session, data.category, data.symptom, data.brand):
            raise _guide_exists(data)
        await _check_codes_keep_a_guide(session, guide)
    if _guide_changes(guide, data):
        _write_guide(guide, data)
        guide.version += 1
        await _flush_or_conflict(session, _guide_exists(data))
    return guide


async def _check_codes_keep_a_guide(session: AsyncSession, leaving: TroubleshootingGuide) -> None:
    """Refuse to move a guide away from a symptom that error codes still need it for."""
    same_symptom = (
        TroubleshootingGuide.category_code == leaving.category_code,
        TroubleshootingGuide.symptom == leaving.symptom,
    )
    remaining_brands = set(
        await session.scalars(
            select(TroubleshootingGuide.brand_code).where(
                *same_symptom, TroubleshootingGuide.id != leaving.id
            )
        )
    )
    served = select(ErrorCode).where(
        ErrorCode.category_code == leaving.category_code, ErrorCode.symptom == leaving.symptom
    )
    if leaving.brand_code is not None:
        served = served.where(ErrorCode.brand_code == leaving.brand_code)
    codes = await session.scalars(served)
    stranded = [
        f"{code.brand_code} {code.code}"
        for code in codes
        if None not in remaining_brands and code.brand_code not in remaining_brands
    ]
    if stranded:
        raise ApiError(
            409,
            "guide_in_use",
            f"Error codes {', '.join(stranded)} point at {leaving.category_code}/"
            f"{leaving.symptom}; move them first, or keep this guide's category and symptom.",
        )


async def save_guide(session: AsyncSession, data: GuideBody) -> TroubleshootingGuide:
    """Insert or update the guide of (category, symptom, brand): the seed files' upsert."""
    guide = await find_guide(session, data.category, data.symptom, data.brand)
    if guide is None:
        return await create_guide(session, data)
    await _check_guide_references(session, data)
    if _guide_changes(guide, data):
        _write_guide(guide, data)
        guide.version += 1
        await session.flush()
    return guide


def _guide_changes(guide: TroubleshootingGuide, data: GuideBody) -> bool:
    current = GuideBody.model_validate(guide_out(guide).model_dump(include=_BODY_FIELDS))
    return current.model_dump(mode="json") != GuideBody.model_validate(
        data.model_dump(include=_BODY_FIELDS)
    ).model_dump(mode="json")


_BODY_FIELDS = set(GuideBody.model_fields)


def _write_guide(guide: TroubleshootingGuide, data: GuideBody) -> None:
    guide.category_code = data.category
    guide.symptom = data.symptom
    guide.brand_code = data.brand
    guide.title_zh = data.title.zh
    guide.title_en = data.title.en
    guide.match_phrases_zh = list(data.match_phrases.zh)
    guide.match_phrases_en = list(data.match_phrases.en)
    guide.safety_notes = [note.model_dump() for note in data.safety_notes]
    guide.needs_visit_when = [item.model_dump() for item in data.needs_visit_when]
    guide.ends_remotely_when = data.ends_remotely_when.value
    guide.urgency = data.urgency.value
    guide.updated_at = utc_now()
    # Steps are rewritten in place by position: deleting and re-inserting rows with the same
    # (guide, position) in one flush could trip the unique constraint.
    for position, step in enumerate(data.steps, start=1):
        if position <= len(guide.steps):
            row = guide.steps[position - 1]
        else:
            row = TroubleshootingStep(position=position)
            guide.steps.append(row)
        row.instruction_zh = step.instruction.zh
        row.instruction_en = step.instruction.en
        row.safety = step.safety
        row.image_url = str(step.image_url) if step.image_url is not None else None
    del guide.steps[len(data.steps) :]


async def _check_guide_references(session: AsyncSession, data: GuideBody) -> None:
    await _ensure_category(session, data.category, "body.category")
    if data.brand is not None:
        await _require_brand(session, data.brand, "body.brand")


def _guide_exists(data: GuideBody) -> ApiError:
    scope = f"brand {data.brand}" if data.brand else "no brand"
    return ApiError(
        409,
        "guide_exists",
        f"A guide for {data.category}/{data.symptom} with {scope} exists already; "
        "change it with PUT instead.",
    )


def guide_out(guide: TroubleshootingGuide) -> GuideOut:
    return GuideOut.model_validate(
        {
            "id": guide.id,
            "category": guide.category_code,
            "symptom": guide.symptom,
            "brand": guide.brand_code,
            "title": {"zh": guide.title_zh, "en": guide.title_en},
            "match_phrases": {"zh": guide.match_phrases_zh, "en": guide.match_phrases_en},
            "steps": [
                {
                    "instruction": {"zh": step.instruction_zh, "en": step.instruction_en},
                    "safety": step.safety,
                    "image_url": step.image_url,
                }
                for step in guide.steps
            ],
            "safety_notes": guide.safety_notes,
            "needs_visit_when": guide.needs_visit_when,
            "ends_remotely_when": guide.ends_remotely_when,
            "urgency": guide.urgency,
            "version": guide.version,
            "created_at": guide.created_at,
            "updated_at": guide.updated_at,
        }
    )


# Error codes


async def list_error_codes(
    session: AsyncSession, *, brand: str | None = None, category: CategoryCode | None = None
) -> Sequence[ErrorCode]:
    query = select(ErrorCode).order_by(
        ErrorCode.brand_code,
        ErrorCode.category_code,
        ErrorCode.model_code.is_not(None),
        ErrorCode.model_code,
        ErrorCode.code,
    )
    if brand is not None:
        query = query.where(ErrorCode.brand_code == brand)
    if category is not None:
        query = query.where(ErrorCode.category_code == category.value)
    return (await session.scalars(query)).all()


async def get_error_code(session: AsyncSession, error_code_id: int) -> ErrorCode:
    row = await session.get(ErrorCode, error_code_id)
    if row is None:
        raise not_found("error_code", error_code_id)
    return row


async def find_error_code(session: AsyncSession, data: ErrorCodeBody) -> ErrorCode | None:
    query = select(ErrorCode).where(
        ErrorCode.brand_code == data.brand,
        ErrorCode.category_code == data.category,
        ErrorCode.code == data.code,
        ErrorCode.model_code.is_(None)
        if data.model is None
        else ErrorCode.model_code == data.model,
    )
    return (await session.scalars(query)).first()


async def create_error_code(session: AsyncSession, data: ErrorCodeBody) -> ErrorCode:
    await _check_error_code_references(session, data)
    if await find_error_code(session, data) is not None:
        raise _error_code_exists(data)
    row = ErrorCode()
    _write_error_code(row, data)
    session.add(row)
    await _flush_or_conflict(session, _error_code_exists(data))
    return row


async def replace_error_code(
    session: AsyncSession, error_code_id: int, data: ErrorCodeBody
) -> ErrorCode:
    row = await get_error_code(session, error_code_id)
    await _check_error_code_references(session, data)
    same = await find_error_code(session, data)
    if same is not None and same.id != row.id:
        raise _error_code_exists(data)
    if ErrorCodeBody.model_validate(error_code_out(row).model_dump(include=_CODE_FIELDS)) != data:
        _write_error_code(row, data)
        await _flush_or_conflict(session, _error_code_exists(data))
    return row


_CODE_FIELDS = set(ErrorCodeBody.model_fields)


async def save_error_code(session: AsyncSession, data: ErrorCodeBody) -> ErrorCode:
    """Insert or update the code of (brand, category, model, code): the seed files' upsert."""
    row = await find_error_code(session, data)
    if row is None:
        return await create_error_code(session, data)
    return await replace_error_code(session, row.id, data)


def _write_error_code(row: ErrorCode, data: ErrorCodeBody) -> None:
    row.brand_code = data.brand
    row.category_code = data.category
    row.model_code = data.model
    row.code = data.code
    row.symptom = data.symptom
    row.meaning_zh = data.meaning.zh
    row.meaning_en = data.meaning.en
    row.updated_at = utc_now()


async def _check_error_code_references(session: AsyncSession, data: ErrorCodeBody) -> None:
    await _ensure_category(session, data.category, "body.category")
    await _require_brand(session, data.brand, "body.brand")
    if data.model is not None:
        model = (
            await session.scalars(select(ProductModel).where(ProductModel.code == data.model))
        ).first()
        if model is None:
            raise invalid_field(
                "body.model", "unknown_model", f"The catalogue has no model {data.model}."
            )
        if (model.brand_code, model.category_code) != (data.brand, data.category):
            raise invalid_field(
                "body.model",
                "model_mismatch",
                f"Model {data.model} is a {model.brand_code} {model.category_code}, "
                f"not a {data.brand} {data.category}.",
            )
    symptoms = select(TroubleshootingGuide.id).where(
        TroubleshootingGuide.category_code == data.category,
        TroubleshootingGuide.symptom == data.symptom,
        TroubleshootingGuide.brand_code.is_(None) | (TroubleshootingGuide.brand_code == data.brand),
    )
    if (await session.scalars(symptoms.limit(1))).first() is None:
        raise invalid_field(
            "body.symptom",
            "unknown_symptom",
            f"No {data.category} guide handles the symptom {data.symptom}; add the guide first.",
        )


def _error_code_exists(data: ErrorCodeBody) -> ApiError:
    scope = f"model {data.model}" if data.model else "all models"
    return ApiError(
        409,
        "error_code_exists",
        f"{data.brand} {data.category} code {data.code} ({scope}) exists already; "
        "change it with PUT instead.",
    )


def error_code_out(row: ErrorCode) -> ErrorCodeOut:
    return ErrorCodeOut(
        id=row.id,
        brand=row.brand_code,
        model=row.model_code,
        category=row.category_code,
        code=row.code,
        symptom=row.symptom,
        meaning=LocalizedText(zh=row.meaning_zh, en=row.meaning_en),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# Matching a fault


async def match_fault(
    session: AsyncSession,
    cache: GuideIndexCache,
    *,
    text: str,
    category: CategoryCode | None,
    brand: str | None,
    model: str | None,
    max_text_chars: int,
) -> MatchResponse:
    """The guide that fits the consumer's words best, after checking them for danger.

    The danger check comes first and does not depend on the category. A request refused for
    its other fields still carries the alert in its problem's `extra`, so a danger is never
    lost to a bad parameter.
    """
    # Both the danger check and the matching are CPU work that grows with the text (tens of
    # milliseconds at the length limit): they run off the event loop.
    finding = await asyncio.to_thread(detect_hazards, text)
    safety = (
        SafetyAlert(
            hazards=list(finding.hazards),
            triggers=list(finding.triggers),
            message=LocalizedText(zh=finding.message.zh, en=finding.message.en),
        )
        if finding is not None
        else None
    )
    try:
        ensure_within_limit("query.text", text, max_text_chars)
    except ApiError as error:
        if safety is not None:
            error.extra.update(safety_alert=True, safety=safety.model_dump(mode="json"))
        raise

    index = await cache.index(session)
    outcome = await asyncio.to_thread(
        partial(
            index.match,
            text,
            category=category.value if category else None,
            brand=brand,
            model=model,
        )
    )
    best = outcome.best
    guide = guide_out(await get_guide(session, best.guide.id)) if best is not None else None
    hit = outcome.error_code
    return MatchResponse(
        safety_alert=safety is not None,
        safety=safety,
        guide=guide,
        score=best.score if best else None,
        matched_phrase=best.matched_phrase if best else None,
        error_code=ErrorCodeHit(
            id=hit.id,
            code=hit.code,
            brand=hit.brand,
            model=hit.model,
            category=hit.category,
            symptom=hit.symptom,
            meaning=LocalizedText(zh=hit.meaning_zh, en=hit.meaning_en),
        )
        if hit is not None
        else None,
        category=outcome.category,
        brand=outcome.brand,
        brand_source=outcome.brand_source,
        alternatives=[
            MatchCandidate(
                guide_id=candidate.guide.id,
                category=candidate.guide.category,
                symptom=candidate.guide.symptom,
                brand=candidate.guide.brand,
                title=LocalizedTitle(zh=candidate.guide.title_zh, en=candidate.guide.title_en),
                score=candidate.score,
                matched_phrase=candidate.matched_phrase,
            )
            for candidate in outcome.alternatives
        ],
        reason=outcome.reason,
    )


# References


async def _ensure_category(session: AsyncSession, code: str, field: str) -> None:
    try:
        category = CategoryCode(code)
    except ValueError:
        known = ", ".join(item.value for item in CategoryCode)
        raise invalid_field(
            field, "unknown_category", f"There is no category {code}; known: {known}."
        ) from None
    await ensure_category(session, category)


async def _require_brand(session: AsyncSession, code: str, field: str) -> None:
    if await session.get(Brand, code) is None:
        raise invalid_field(field, "unknown_brand", f"The catalogue has no brand {code}.")


async def _flush_or_conflict(session: AsyncSession, conflict: ApiError) -> None:
    """Flush; a unique race with another writer becomes the given 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise conflict from error
