"""Satisfaction figures of a group of surveys (pure arithmetic, no database).

CSAT is the share of 4 and 5 among the answers to the overall question (1–5). NPS is the
share of promoters (9–10) minus the share of detractors (0–6) among the answers to the
recommendation question (0–10), in percentage points. Both are None without answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from api.surveys.questions import NPS, OVERALL, QuestionKind

SATISFIED_FROM = 4
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    completed: bool
    scores: Mapping[str, int] = field(default_factory=dict)
    choices: Mapping[str, bool] = field(default_factory=dict)
    texts: int = 0
    """How many text questions were answered."""

    @property
    def responded(self) -> bool:
        return bool(self.scores or self.choices or self.texts)


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    kind: QuestionKind
    answers: int
    average: float | None = None
    """Mean score of a scale question."""
    yes_percent: float | None = None
    """Share of "yes" of a yes/no question."""


@dataclass(frozen=True, slots=True)
class Figures:
    surveys: int
    responded: int
    completed: int
    csat: float | None
    csat_answers: int
    nps: float | None
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    dimensions: list[Dimension]


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def figures_of(
    facts: Sequence[SurveyFacts], dimensions: Sequence[tuple[str, QuestionKind]]
) -> Figures:
    """The figures of ``facts``, with one entry per scale or yes/no key in ``dimensions``."""
    overall = [f.scores[OVERALL] for f in facts if OVERALL in f.scores]
    recommendations = [f.scores[NPS] for f in facts if NPS in f.scores]
    promoters = sum(score >= PROMOTER_FROM for score in recommendations)
    detractors = sum(score <= DETRACTOR_UP_TO for score in recommendations)
    satisfied = sum(score >= SATISFIED_FROM for score in overall)
    nps = None
    if recommendations:
        nps = round(100 * (promoters - detractors) / len(recommendations), 1)
    return Figures(
        surveys=len(facts),
        responded=sum(f.responded for f in facts),
        completed=sum(f.completed for f in facts),
        csat=percent(satisfied, len(overall)),
        csat_answers=len(overall),
        nps=nps,
        nps_answers=len(recommendations),
        promoters=promoters,
        passives=len(recommendations) - promoters - detractors,
        detractors=detractors,
        dimensions=[_dimension(key, kind, facts) for key, kind in dimensions],
    )


def _dimension(key: str, kind: QuestionKind, facts: Sequence[SurveyFacts]) -> Dimension:
    if kind is QuestionKind.SCALE:
        scores = [f.scores[key] for f in facts if key in f.scores]
        average = round(sum(scores) / len(scores), 2) if scores else None
        return Dimension(key, kind, len(scores), average=average)
    choices = [f.choices[key] for f in facts if key in f.choices]
    return Dimension(key, kind, len(choices), yes_percent=percent(sum(choices), len(choices)))
