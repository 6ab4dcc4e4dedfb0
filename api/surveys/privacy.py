"""Erasing a consumer's surveys: the scores stay for the statistics, the rest goes."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import utc_now
from api.surveys.models import Survey, SurveyAnswer


async def erase_conversation_surveys(
    session: AsyncSession, conversation_id: str, anonymous_id: str, *, marker: str
) -> int:
    """Replace the conversation's text answers by ``marker`` and its id by ``anonymous_id``
    wherever surveys keep it; returns the number of surveys touched. A survey whose consumer
    is erased can no longer be delivered or answered, as its conversation is gone."""
    of_conversation = select(Survey.id).where(Survey.conversation_id == conversation_id)
    await session.execute(
        update(SurveyAnswer)
        .where(SurveyAnswer.survey_id.in_(of_conversation), SurveyAnswer.text.is_not(None))
        .values(text=marker)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(SurveyAnswer)
        .where(
            SurveyAnswer.survey_id.in_(of_conversation),
            SurveyAnswer.answered_by == conversation_id,
        )
        .values(answered_by=anonymous_id)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(Survey)
        .where(Survey.conversation_id == conversation_id)
        .values(conversation_id=anonymous_id, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
