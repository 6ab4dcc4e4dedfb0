"""Recording a consumer's answers: per question, partial answers kept, until expiry.

Answering again replaces an earlier answer while the survey is open. Once it is completed
its answers are final, but questions left unanswered may still be answered until it expires
(a comment typed after the last score). The survey completes when every required question
is answered or when the consumer finishes it; completion is recorded once in the outbox.
A low score opens one follow-up handoff for a supervisor per survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.text_rules import ensure_within_limit
from api.errors import ApiError, invalid_field
from api.outbox.service import EventType, record_event
from api.surveys.follow_up import open_follow_up
from api.surveys.models import Survey, SurveyAnswer
from api.surveys.questions import Question, QuestionKind
from api.surveys.schemas import AnswersIn, answer_value
from api.surveys.service import get_survey
from api.surveys.status import accepts_answers

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    question: Question
    score: int | None = None
    choice: bool | None = None
    text: str | None = None

    @property
    def value(self) -> bool | int | str:
        for value in (self.score, self.choice, self.text):
            if value is not None:
                return value
        raise AssertionError("an answer holds one value")


async def answer_survey(
    session: AsyncSession,
    survey_id: int,
    request: AnswersIn,
    *,
    customer: str | None,
    answered_by: str | None,
    now: datetime,
    max_text_chars: int,
) -> Survey:
    """Record the answers (all or none), then open a follow-up or complete the survey."""
    survey = await get_survey(session, survey_id, customer=customer, lock=True)
    if not accepts_answers(survey, now):
        raise ApiError(
            409,
            "survey_expired",
            f"Survey {survey.id} expired at {survey.expires_at.isoformat()} and takes no "
            "more answers.",
            extra={"expires_at": survey.expires_at.isoformat()},
        )
    parsed = _parse_all(survey, request, max_text_chars)
    _refuse_changes_after_completion(survey, parsed)
    for answer in parsed:
        await _store(session, survey.id, answer, answered_by=answered_by, now=now)

    low_scores = [
        (answer.question, answer.score)
        for answer in parsed
        if answer.score is not None and answer.question.is_low(answer.score)
    ]
    if low_scores and survey.follow_up_handoff_id is None:
        await open_follow_up(session, survey, low_scores)
    survey = await get_survey(session, survey.id, customer=None)
    if survey.completed_at is None and (request.finish or _all_required_answered(survey)):
        await _complete(session, survey, now)
    await _touch(session, survey.id, now)
    return await get_survey(session, survey.id, customer=None)


def _parse_all(survey: Survey, request: AnswersIn, max_text_chars: int) -> list[ParsedAnswer]:
    questions = {q["key"]: Question.model_validate(q) for q in survey.questions}
    seen: set[str] = set()
    parsed: list[ParsedAnswer] = []
    for index, answer in enumerate(request.answers):
        where = f"body.answers.{index}"
        question = questions.get(answer.question)
        if question is None:
            raise invalid_field(
                f"{where}.question",
                "unknown_question",
                f"Survey {survey.id} does not ask {answer.question!r}; it asks "
                f"{', '.join(questions)}.",
            )
        if answer.question in seen:
            raise invalid_field(
                f"{where}.question",
                "duplicate_question",
                f"{answer.question} is answered twice in one request.",
            )
        seen.add(answer.question)
        parsed.append(_parse(question, answer.value, f"{where}.value", max_text_chars))
    return parsed


def _parse(question: Question, value: Any, field: str, max_text_chars: int) -> ParsedAnswer:
    if question.kind is QuestionKind.SCALE:
        assert question.min is not None and question.max is not None
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not is_number
            or not float(value).is_integer()
            or not question.min <= value <= question.max
        ):
            raise invalid_field(
                field,
                "invalid_answer",
                f"{question.key} takes a whole number from {question.min} to {question.max}.",
            )
        return ParsedAnswer(question, score=int(value))
    if question.kind is QuestionKind.YES_NO:
        if not isinstance(value, bool):
            raise invalid_field(field, "invalid_answer", f"{question.key} takes true or false.")
        return ParsedAnswer(question, choice=value)
    if not isinstance(value, str):
        raise invalid_field(field, "invalid_answer", f"{question.key} takes text.")
    if not value.strip():
        raise invalid_field(
            field, "invalid_answer", f"{question.key} needs some text, not only spaces."
        )
    ensure_within_limit(field, value, max_text_chars)
    return ParsedAnswer(question, text=value)


def _refuse_changes_after_completion(survey: Survey, parsed: list[ParsedAnswer]) -> None:
    if survey.completed_at is None:
        return
    earlier = {answer.question_key: answer_value(answer) for answer in survey.answers}
    changed = [
        answer.question.key
        for answer in parsed
        if answer.question.key in earlier and earlier[answer.question.key] != answer.value
    ]
    if changed:
        raise ApiError(
            409,
            "survey_completed",
            f"Survey {survey.id} is completed; its answers to {', '.join(changed)} are final.",
            extra={"questions": changed},
        )


async def _store(
    session: AsyncSession,
    survey_id: int,
    answer: ParsedAnswer,
    *,
    answered_by: str | None,
    now: datetime,
) -> None:
    insert = _INSERTS[session.get_bind().dialect.name]
    values = {
        "score": answer.score,
        "choice": answer.choice,
        "text": answer.text,
        "answered_at": now,
        "answered_by": answered_by,
    }
    statement = insert(SurveyAnswer).values(
        survey_id=survey_id, question_key=answer.question.key, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["survey_id", "question_key"],
            set_=values,
        )
    )


def _all_required_answered(survey: Survey) -> bool:
    answered = {answer.question_key for answer in survey.answers}
    return all(q["key"] in answered for q in survey.questions if q.get("required", True))


async def _complete(session: AsyncSession, survey: Survey, now: datetime) -> None:
    # Guarded, so that of two requests completing at once only one records the event.
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.completed_at.is_(None))
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        record_event(
            session, EventType.SURVEY_COMPLETED, f"survey:{survey.id}", _event(survey, now)
        )


async def _touch(session: AsyncSession, survey_id: int, now: datetime) -> None:
    await session.execute(
        update(Survey)
        .where(Survey.id == survey_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _event(survey: Survey, completed_at: datetime) -> dict[str, Any]:
    """The outbox payload: the scores and choices; free text stays out (it may be personal)."""
    answers: dict[str, bool | int] = {}
    commented: list[str] = []
    for answer in survey.answers:
        if answer.text is not None:
            commented.append(answer.question_key)
        else:
            value = answer_value(answer)
            assert not isinstance(value, str)
            answers[answer.question_key] = value
    return {
        "survey_id": survey.id,
        "source": survey.source,
        "source_id": survey.source_id,
        "case_id": survey.case_id,
        "technician_id": survey.technician_id,
        "conversation_id": survey.conversation_id,
        "service_completed_at": survey.service_completed_at.isoformat(),
        "completed_at": completed_at.isoformat(),
        "answers": answers,
        "text_answered": commented,
        "follow_up_handoff_id": survey.follow_up_handoff_id,
    }
