"""Survey questions as data: what is asked, in zh and en, and which answers are valid.

A template lists its questions; a survey keeps a copy of the questions that apply to it
(the fee question only when a fee was charged), so that editing a template never changes
what an ongoing survey asked.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.customers.preferences import Locale

QUESTION_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
QuestionKey = Annotated[str, StringConstraints(pattern=QUESTION_KEY_PATTERN)]

OVERALL = "overall"
"""The question CSAT is computed from: the share of 4 and 5 on a 1–5 scale."""
NPS = "nps"
"""The question NPS is computed from: 0–10, promoters 9–10, detractors 0–6."""
RESERVED_RANGES = {OVERALL: (1, 5), NPS: (0, 10)}


class QuestionKind(StrEnum):
    SCALE = "scale"
    YES_NO = "yes_no"
    TEXT = "text"


class Condition(StrEnum):
    FEE_CHARGED = "fee_charged"
    """Asked only when the consumer paid for the service."""


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="简体中文"
    )
    en: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="English"
    )

    def in_language(self, locale: Locale) -> str:
        return self.zh if locale is Locale.ZH else self.en


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: QuestionKey
    kind: QuestionKind
    text: Bilingual
    required: bool = True
    min: int | None = Field(default=None, description="Lowest score (scale questions).")
    max: int | None = Field(default=None, description="Highest score (scale questions).")
    low_at_most: int | None = Field(
        default=None,
        description="A score at or below this opens a follow-up for a supervisor.",
    )
    only_when: Condition | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is QuestionKind.SCALE:
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError(f"{self.key}: a scale needs min < max")
            if self.low_at_most is not None and not self.min <= self.low_at_most < self.max:
                raise ValueError(f"{self.key}: low_at_most must lie in [min, max)")
        elif (self.min, self.max, self.low_at_most) != (None, None, None):
            raise ValueError(f"{self.key}: only scale questions have min, max and low_at_most")
        reserved = RESERVED_RANGES.get(self.key)
        if reserved is not None and (
            self.kind is not QuestionKind.SCALE or (self.min, self.max) != reserved
        ):
            low, high = reserved
            raise ValueError(f"{self.key}: the report reads it as a {low}–{high} scale")
        return self

    def applies(self, *, fee_charged: bool) -> bool:
        return self.only_when is not Condition.FEE_CHARGED or fee_charged

    def is_low(self, score: int) -> bool:
        return self.low_at_most is not None and score <= self.low_at_most


class SurveySource(StrEnum):
    VISIT = "visit"
    HANDOFF = "handoff"


SourceName = Literal["visit", "handoff"]


class TemplateDocument(BaseModel):
    """A survey template: the questions asked after one kind of service."""

    model_config = ConfigDict(extra="forbid")

    source: SurveySource
    name: Bilingual
    questions: list[Question] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _answerable(self) -> Self:
        keys = [question.key for question in self.questions]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"question keys must be unique; repeated: {', '.join(duplicates)}")
        if not any(q.required and q.only_when is None for q in self.questions):
            raise ValueError("at least one question must always be asked and required")
        return self

    def questions_for(self, *, fee_charged: bool) -> list[Question]:
        return [q for q in self.questions if q.applies(fee_charged=fee_charged)]
