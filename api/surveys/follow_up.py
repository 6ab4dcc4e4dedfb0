"""The follow-up of a low score: one handoff per survey, for a supervisor to call back."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.handoffs.reasons import HandoffReason
from api.handoffs.service import open_handoff
from api.surveys.models import Survey
from api.surveys.questions import Question


def summary_of(survey: Survey, low_scores: list[tuple[Question, int]]) -> str:
    """What the agent sees in the queue, in both languages agents may read."""
    scores = ", ".join(f"{question.key} {score}/{question.max}" for question, score in low_scores)
    return (
        f"满意度回访 {survey.id} 出现低分（{survey.source} {survey.source_id}）：{scores}。\n"
        f"Survey {survey.id} got low scores ({survey.source} {survey.source_id}): {scores}."
    )


async def open_follow_up(
    session: AsyncSession, survey: Survey, low_scores: list[tuple[Question, int]]
) -> int:
    """Open (or join) the conversation's handoff and link it to the survey; its id."""
    handoff, _ = await open_handoff(
        session,
        conversation_id=survey.conversation_id,
        reason=HandoffReason.LOW_SURVEY_SCORE,
        case_id=survey.case_id,
        summary=summary_of(survey, low_scores),
        opened_by=f"survey:{survey.id}",
    )
    await session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.follow_up_handoff_id.is_(None))
        .values(follow_up_handoff_id=handoff.id)
        .execution_options(synchronize_session=False)
    )
    return handoff.id
