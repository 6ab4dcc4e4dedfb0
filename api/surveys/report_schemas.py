"""Response bodies of the satisfaction report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from api.surveys.figures import Dimension, Figures
from api.surveys.questions import QuestionKind, SurveySource
from api.surveys.report import CategoryRef, SatisfactionFigures, TechnicianRef


class DimensionOut(BaseModel):
    key: str = Field(examples=["response_speed"])
    kind: QuestionKind
    answers: int
    average: float | None = Field(description="Mean score (scale questions); null without answers.")
    yes_percent: float | None = Field(
        description="Share of yes in percent (yes/no questions); null without answers."
    )

    @classmethod
    def of(cls, dimension: Dimension) -> DimensionOut:
        return cls(
            key=dimension.key,
            kind=dimension.kind,
            answers=dimension.answers,
            average=dimension.average,
            yes_percent=dimension.yes_percent,
        )


class FiguresOut(BaseModel):
    surveys: int = Field(description="Surveys about services completed in the period.")
    responded: int = Field(description="Surveys with at least one answer.")
    completed: int
    csat: float | None = Field(
        description="Share of 4 and 5 among overall scores, in percent; null without answers."
    )
    csat_answers: int
    nps: float | None = Field(
        description="Promoters (9–10) minus detractors (0–6), in percent of the "
        "recommendation answers; null without answers."
    )
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    dimensions: list[DimensionOut]

    @staticmethod
    def fields_of(figures: Figures) -> dict[str, Any]:
        return {
            "surveys": figures.surveys,
            "responded": figures.responded,
            "completed": figures.completed,
            "csat": figures.csat,
            "csat_answers": figures.csat_answers,
            "nps": figures.nps,
            "nps_answers": figures.nps_answers,
            "promoters": figures.promoters,
            "passives": figures.passives,
            "detractors": figures.detractors,
            "dimensions": [DimensionOut.of(d) for d in figures.dimensions],
        }


class SourceFiguresOut(FiguresOut):
    source: SurveySource


class TechnicianFiguresOut(FiguresOut):
    technician_id: int
    staff_number: str
    name: str

    @classmethod
    def of(cls, technician: TechnicianRef, figures: Figures) -> TechnicianFiguresOut:
        return cls(
            technician_id=technician.id,
            staff_number=technician.staff_number,
            name=technician.name,
            **cls.fields_of(figures),
        )


class CategoryFiguresOut(FiguresOut):
    category: str | None = Field(description="Category code; null for surveys without one.")
    name_zh: str | None
    name_en: str | None

    @classmethod
    def of(cls, category: CategoryRef, figures: Figures) -> CategoryFiguresOut:
        return cls(
            category=category.code,
            name_zh=category.name_zh,
            name_en=category.name_en,
            **cls.fields_of(figures),
        )


class SatisfactionReportOut(BaseModel):
    from_date: date = Field(description="First day of the period (local date).")
    to_date: date = Field(description="Last day of the period (local date), inclusive.")
    timezone: str
    generated_at: datetime
    total: FiguresOut
    by_source: list[SourceFiguresOut]
    by_technician: list[TechnicianFiguresOut] = Field(description="Visit surveys only.")
    by_category: list[CategoryFiguresOut]

    @classmethod
    def of(cls, report: SatisfactionFigures, generated_at: datetime) -> SatisfactionReportOut:
        return cls(
            from_date=report.period.first_day,
            to_date=report.period.last_day,
            timezone=report.period.timezone.key,
            generated_at=generated_at,
            total=FiguresOut(**FiguresOut.fields_of(report.total)),
            by_source=[
                SourceFiguresOut(source=source, **FiguresOut.fields_of(figures))
                for source, figures in report.by_source
            ],
            by_technician=[TechnicianFiguresOut.of(t, f) for t, f in report.by_technician],
            by_category=[CategoryFiguresOut.of(c, f) for c, f in report.by_category],
        )
