"""Request and response bodies of the survey endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    StrictBool,
    StrictInt,
    model_validator,
)

from api.customers.preferences import Locale
from api.customers.text_rules import FreeText
from api.surveys.models import Survey, SurveyAnswer
from api.surveys.questions import Question, QuestionKey, QuestionKind, SurveySource
from api.surveys.status import SurveyStatus, status_of

MAX_ANSWERS_PER_REQUEST = 30

AnswerValue = Annotated[
    StrictBool | StrictInt | FiniteFloat | FreeText,
    Field(
        description="A whole number for a scale question, true or false for a yes/no "
        "question, text for a text question (limit: max_text_chars).",
        examples=[5, True, "师傅很专业"],
    ),
]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: QuestionKey = Field(description="The question's key.", examples=["overall"])
    value: AnswerValue


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[AnswerIn] = Field(
        default_factory=list,
        max_length=MAX_ANSWERS_PER_REQUEST,
        description="Answers to record; an answer to a question answered before replaces it.",
    )
    finish: bool = Field(
        default=False,
        description="Complete the survey now, even with questions left unanswered.",
    )

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if not self.answers and not self.finish:
            raise ValueError("send at least one answer, or finish: true")
        return self


class QuestionOut(BaseModel):
    key: str
    kind: QuestionKind
    text: str = Field(description="The question in the requested language.")
    required: bool
    min: int | None
    max: int | None
    answer: bool | int | str | None = Field(description="The answer so far; null if none.")
    answered_at: datetime | None

    @classmethod
    def of(cls, question: Question, answer: SurveyAnswer | None, locale: Locale) -> QuestionOut:
        return cls(
            key=question.key,
            kind=question.kind,
            text=question.text.in_language(locale),
            required=question.required,
            min=question.min,
            max=question.max,
            answer=None if answer is None else answer_value(answer),
            answered_at=None if answer is None else answer.answered_at,
        )


class SurveyOut(BaseModel):
    id: int
    source: SurveySource
    source_id: int = Field(description="The visit's or the handoff's id.")
    case_id: int | None
    conversation_id: str
    status: SurveyStatus
    language: Locale = Field(description="Language of the question texts.")
    service_completed_at: datetime
    due_at: datetime
    expires_at: datetime
    first_delivered_at: datetime | None
    reminder_due_at: datetime | None
    completed_at: datetime | None
    follow_up_handoff_id: int | None = Field(
        description="The handoff opened for a supervisor after a low score, if any."
    )
    questions: list[QuestionOut]
    unanswered_required: list[str] = Field(description="Keys of required questions not answered.")

    @classmethod
    def of(cls, survey: Survey, locale: Locale, now: datetime) -> SurveyOut:
        answers = {answer.question_key: answer for answer in survey.answers}
        questions = [Question.model_validate(question) for question in survey.questions]
        return cls(
            id=survey.id,
            source=SurveySource(survey.source),
            source_id=survey.source_id,
            case_id=survey.case_id,
            conversation_id=survey.conversation_id,
            status=status_of(survey, now),
            language=locale,
            service_completed_at=survey.service_completed_at,
            due_at=survey.due_at,
            expires_at=survey.expires_at,
            first_delivered_at=survey.first_delivered_at,
            reminder_due_at=survey.reminder_due_at,
            completed_at=survey.completed_at,
            follow_up_handoff_id=survey.follow_up_handoff_id,
            questions=[QuestionOut.of(q, answers.get(q.key), locale) for q in questions],
            unanswered_required=[q.key for q in questions if q.required and q.key not in answers],
        )


class SurveyPage(BaseModel):
    items: list[SurveyOut]
    next_before_id: int | None = Field(
        description="Pass as before_id for the next (older) page; null on the last page."
    )


def answer_value(answer: SurveyAnswer) -> bool | int | str:
    if answer.score is not None:
        return answer.score
    if answer.choice is not None:
        return answer.choice
    assert answer.text is not None  # the table holds exactly one of the three
    return answer.text
