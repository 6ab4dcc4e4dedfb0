"""Seed sections `troubleshooting_guides` (order 30) and `error_codes` (31).

Both upsert by natural key: guides by (category, symptom, brand), error codes by (brand,
category, model, code). A guide whose content did not change keeps its version.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import ApiError
from api.seeding import SeedError, register_section
from api.troubleshooting import service
from api.troubleshooting.schemas import ErrorCodeBody, GuideCreate

GUIDES_SECTION = "troubleshooting_guides"
ERROR_CODES_SECTION = "error_codes"

_Body = TypeVar("_Body", bound=BaseModel)


def _parse(section: str, position: int, item: dict[str, Any], schema: type[_Body]) -> _Body:
    try:
        return schema.model_validate(item)
    except ValidationError as error:
        raise SeedError(f"{section}[{position}]: {error}") from error


async def load_guides(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for position, item in enumerate(items):
        data = _parse(GUIDES_SECTION, position, item, GuideCreate)
        try:
            await service.save_guide(session, data)
        except ApiError as error:
            where = f"{data.category}/{data.symptom}" + (f"/{data.brand}" if data.brand else "")
            raise SeedError(f"{GUIDES_SECTION}[{position}] ({where}): {error.detail}") from error
    return len(items)


async def load_error_codes(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    for position, item in enumerate(items):
        data = _parse(ERROR_CODES_SECTION, position, item, ErrorCodeBody)
        try:
            await service.save_error_code(session, data)
        except ApiError as error:
            where = f"{data.brand}/{data.category}/{data.code}"
            raise SeedError(
                f"{ERROR_CODES_SECTION}[{position}] ({where}): {error.detail}"
            ) from error
    return len(items)


register_section(GUIDES_SECTION, 30, load_guides)
register_section(ERROR_CODES_SECTION, 31, load_error_codes)
