"""The satisfaction report: CSAT, NPS and the average of every dimension, in total and per
source, technician and product category, over the services completed in a date range.

A survey counts in the period in which its visit was completed or its handoff resolved
(local dates in the report's time zone). Every answer counts, whether or not the survey was
completed: partial answers are kept because they are real answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.catalogue.models import Category
from api.scheduling.models import Technician
from api.surveys.figures import Figures, SurveyFacts, figures_of
from api.surveys.models import Survey, SurveyAnswer
from api.surveys.questions import QuestionKind, SurveySource

MAX_PERIOD_DAYS = 366
UNCATEGORISED = ""
"""The group of surveys whose case names no category (or that have no case)."""
_REPORTED_KINDS = (QuestionKind.SCALE, QuestionKind.YES_NO)
_Key = TypeVar("_Key", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    first_day: date
    last_day: date
    timezone: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as a half-open range of UTC instants."""
        start = datetime.combine(self.first_day, time(), tzinfo=self.timezone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=self.timezone)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TechnicianRef:
    id: int
    staff_number: str
    name: str


@dataclass(frozen=True, slots=True)
class CategoryRef:
    code: str | None
    name_zh: str | None
    name_en: str | None


@dataclass(frozen=True, slots=True)
class SatisfactionFigures:
    period: ReportPeriod
    dimensions: list[tuple[str, QuestionKind]]
    total: Figures
    by_source: list[tuple[SurveySource, Figures]]
    by_technician: list[tuple[TechnicianRef, Figures]]
    by_category: list[tuple[CategoryRef, Figures]]


@dataclass(slots=True)
class _Survey:
    source: SurveySource
    technician_id: int | None
    category: str | None
    completed: bool
    scores: dict[str, int] = field(default_factory=dict)
    choices: dict[str, bool] = field(default_factory=dict)
    texts: int = 0

    def facts(self) -> SurveyFacts:
        return SurveyFacts(self.completed, self.scores, self.choices, self.texts)


async def satisfaction_figures(session: AsyncSession, period: ReportPeriod) -> SatisfactionFigures:
    start, end = period.bounds()
    in_period = (Survey.service_completed_at >= start, Survey.service_completed_at < end)
    surveys, dimensions = await _surveys_in(session, in_period)
    await _add_answers(session, in_period, surveys)

    def grouped(key_of: Callable[[_Survey], _Key | None]) -> dict[_Key, Figures]:
        groups: dict[_Key, list[SurveyFacts]] = defaultdict(list)
        for survey in surveys.values():
            key = key_of(survey)
            if key is not None:
                groups[key].append(survey.facts())
        return {key: figures_of(facts, dimensions) for key, facts in groups.items()}

    by_source = grouped(lambda survey: survey.source)
    by_technician = grouped(lambda survey: survey.technician_id)
    by_category = grouped(lambda survey: survey.category or UNCATEGORISED)
    technicians = await _technicians(session, by_technician)
    categories = await _categories(session, [c for c in by_category if c != UNCATEGORISED])
    return SatisfactionFigures(
        period=period,
        dimensions=dimensions,
        total=figures_of([survey.facts() for survey in surveys.values()], dimensions),
        by_source=[(source, by_source[source]) for source in SurveySource if source in by_source],
        by_technician=sorted(
            ((technicians[tid], figures) for tid, figures in by_technician.items()),
            key=lambda pair: pair[0].staff_number,
        ),
        by_category=sorted(
            (
                (categories.get(code, CategoryRef(None, None, None)), figures)
                for code, figures in by_category.items()
            ),
            key=lambda pair: (pair[0].code is None, pair[0].code or ""),
        ),
    )


async def _surveys_in(
    session: AsyncSession, in_period: tuple[ColumnElement[bool], ...]
) -> tuple[dict[int, _Survey], list[tuple[str, QuestionKind]]]:
    """The period's surveys, and every scored or yes/no question they asked, in the order of
    their templates."""
    rows = await session.execute(
        select(
            Survey.id,
            Survey.source,
            Survey.technician_id,
            Survey.completed_at,
            Survey.questions,
            Case.category_code,
        )
        .outerjoin(Case, Case.id == Survey.case_id)
        .where(*in_period)
        .order_by(Survey.id)
    )
    surveys: dict[int, _Survey] = {}
    dimensions: dict[str, QuestionKind] = {}
    for survey_id, source, technician_id, completed_at, questions, category in rows.all():
        surveys[survey_id] = _Survey(
            SurveySource(source), technician_id, category, completed_at is not None
        )
        for question in questions:
            kind = QuestionKind(question["kind"])
            if kind in _REPORTED_KINDS:
                dimensions.setdefault(question["key"], kind)
    return surveys, list(dimensions.items())


async def _add_answers(
    session: AsyncSession,
    in_period: tuple[ColumnElement[bool], ...],
    surveys: dict[int, _Survey],
) -> None:
    answers = await session.execute(
        select(
            SurveyAnswer.survey_id,
            SurveyAnswer.question_key,
            SurveyAnswer.score,
            SurveyAnswer.choice,
        )
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(*in_period)
    )
    for survey_id, key, score, choice in answers.all():
        survey = surveys.get(survey_id)
        if survey is None:
            continue  # scheduled after the surveys were read; it belongs to the next report
        if score is not None:
            survey.scores[key] = score
        elif choice is not None:
            survey.choices[key] = choice
        else:
            survey.texts += 1


async def _technicians(session: AsyncSession, ids: Iterable[int]) -> dict[int, TechnicianRef]:
    wanted = list(ids)
    if not wanted:
        return {}
    found = await session.execute(
        select(Technician.id, Technician.staff_number, Technician.name).where(
            Technician.id.in_(wanted)
        )
    )
    return {row.id: TechnicianRef(row.id, row.staff_number, row.name) for row in found.all()}


async def _categories(session: AsyncSession, codes: list[str]) -> dict[str, CategoryRef]:
    if not codes:
        return {}
    found = await session.execute(
        select(Category.code, Category.name_zh, Category.name_en).where(Category.code.in_(codes))
    )
    refs = {row.code: CategoryRef(row.code, row.name_zh, row.name_en) for row in found.all()}
    # A case may name a category code the catalogue no longer has; it still gets its row.
    return {code: refs.get(code, CategoryRef(code, None, None)) for code in codes}
