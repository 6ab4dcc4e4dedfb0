"""Seed section ``survey_templates`` (order 60): the questions asked after each service.

Each item is either ``{file: default}`` (every shipped template) or one template
(``source``, ``name``, ``questions``, as in the shipped file). A template replaces the one
stored for its source; loading the same item twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.seeding import SeedError, register_section
from api.surveys.questions import TemplateDocument
from api.surveys.templates import shipped_templates, store_template

SECTION = "survey_templates"
SECTION_ORDER = 60
SHIPPED_FILES = {"default": lambda: list(shipped_templates().values())}


def _documents(item: dict[str, Any], where: str) -> list[TemplateDocument]:
    if "file" in item:
        if set(item) != {"file"}:
            raise SeedError(f"{where}: an item with `file` must have no other keys")
        load = SHIPPED_FILES.get(item["file"])
        if load is None:
            known = ", ".join(sorted(SHIPPED_FILES))
            raise SeedError(f"{where}: unknown template file {item['file']!r}; shipped: {known}")
        return load()
    try:
        return [TemplateDocument.model_validate(item)]
    except ValidationError as error:
        raise SeedError(f"{where}: {error}") from error


async def load_templates(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    """Store every item's templates; returns how many were new or changed."""
    changed = 0
    for index, item in enumerate(items):
        for document in _documents(item, f"{SECTION}[{index}]"):
            changed += await store_template(session, document)
    return changed


register_section(SECTION, SECTION_ORDER, load_templates)
