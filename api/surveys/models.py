"""Survey templates, surveys and their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utc_now
from api.surveys.questions import SurveySource

_SOURCES = ", ".join(repr(source.value) for source in SurveySource)
ONE_VALUE = (
    "(score IS NOT NULL AND choice IS NULL AND text IS NULL)"
    " OR (score IS NULL AND choice IS NOT NULL AND text IS NULL)"
    " OR (score IS NULL AND choice IS NULL AND text IS NOT NULL)"
)
"""An answer is a score, a yes/no choice or a text: exactly one of them."""


class SurveyTemplate(Base):
    """The questions asked after one kind of service (one template per source)."""

    __tablename__ = "survey_templates"
    __table_args__ = (CheckConstraint(f"source IN ({_SOURCES})", name="source"),)

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Survey(Base):
    """One survey about one completed visit or resolved handoff: never two for the same."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(f"source IN ({_SOURCES})", name="source"),
        CheckConstraint("due_at < expires_at", name="due_before_expiry"),
        UniqueConstraint("source", "source_id"),
        Index("ix_surveys_conversation_id_id", "conversation_id", "id"),
        Index("ix_surveys_service_completed_at", "service_completed_at"),
        Index("ix_surveys_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[str] = mapped_column(String(80))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    fee_charged: Mapped[bool] = mapped_column(Boolean)
    timezone: Mapped[str] = mapped_column(String(64))
    """The consumer's time zone when the survey was scheduled; quiet hours are counted in it."""
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The questions this survey asks, copied from its template."""
    service_completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_item_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_items.id"))
    first_delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminder_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminder_item_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_items.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    follow_up_handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    answers: Mapped[list[SurveyAnswer]] = relationship(
        lazy="raise", order_by="SurveyAnswer.id", back_populates="survey"
    )


class SurveyAnswer(Base):
    """The consumer's answer to one question; answering again replaces it."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "question_key"),
        CheckConstraint(ONE_VALUE, name="one_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(32))
    score: Mapped[int | None] = mapped_column(Integer)
    choice: Mapped[bool | None] = mapped_column(Boolean)
    text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    answered_by: Mapped[str | None] = mapped_column(String(128))

    survey: Mapped[Survey] = relationship(lazy="raise", back_populates="answers")
