"""Stored survey templates, and the shipped ones used while none is stored."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import utc_now
from api.surveys.models import SurveyTemplate
from api.surveys.questions import Bilingual, Question, SurveySource, TemplateDocument

SHIPPED_TEMPLATES_PATH = Path(__file__).with_name("default_templates.yaml")
_DOCUMENTS = TypeAdapter(list[TemplateDocument])


@cache
def shipped_templates() -> dict[SurveySource, TemplateDocument]:
    documents = _DOCUMENTS.validate_python(
        yaml.safe_load(SHIPPED_TEMPLATES_PATH.read_text(encoding="utf-8"))
    )
    return {document.source: document for document in documents}


def _document_of(row: SurveyTemplate) -> TemplateDocument:
    return TemplateDocument(
        source=SurveySource(row.source),
        name=Bilingual(zh=row.name_zh, en=row.name_en),
        questions=[Question.model_validate(question) for question in row.questions],
    )


async def active_template(session: AsyncSession, source: SurveySource) -> TemplateDocument:
    """The stored template for ``source``, or the shipped one while none is stored."""
    row = await session.get(SurveyTemplate, source.value)
    return shipped_templates()[source] if row is None else _document_of(row)


async def store_template(session: AsyncSession, document: TemplateDocument) -> bool:
    """Create or replace the template of the document's source; returns whether it changed."""
    values: dict[str, Any] = {
        "name_zh": document.name.zh,
        "name_en": document.name.en,
        "questions": [question.model_dump(mode="json") for question in document.questions],
    }
    found = await session.execute(
        select(SurveyTemplate).where(SurveyTemplate.source == document.source.value)
    )
    row = found.scalar_one_or_none()
    now = utc_now()
    if row is None:
        session.add(
            SurveyTemplate(source=document.source.value, created_at=now, updated_at=now, **values)
        )
        await session.flush()
        return True
    if all(getattr(row, field) == value for field, value in values.items()):
        return False
    for field, value in values.items():
        setattr(row, field, value)
    row.updated_at = now
    await session.flush()
    return True
