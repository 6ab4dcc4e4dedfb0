"""Troubleshooting tables: guides, their ordered steps, and brand error codes."""

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utc_now
from api.troubleshooting.kinds import RemoteOutcome, Urgency

CODE_LENGTH = 32
SYMPTOM_LENGTH = 64
MODEL_CODE_LENGTH = 64
ERROR_CODE_LENGTH = 16
TITLE_LENGTH = 200
IMAGE_URL_LENGTH = 2048


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class TroubleshootingGuide(Base):
    """Remote steps for one symptom of one category, generic or for one brand.

    At most one generic guide (brand NULL) and one guide per brand exist for a
    (category, symptom); the two partial unique indexes say so on every database, because
    a plain unique constraint treats NULL brands as all different.
    """

    __tablename__ = "troubleshooting_guides"
    __table_args__ = (
        CheckConstraint(_one_of("urgency", [u.value for u in Urgency]), name="urgency"),
        CheckConstraint(
            _one_of("ends_remotely_when", [o.value for o in RemoteOutcome]),
            name="ends_remotely_when",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_troubleshooting_guides_generic_symptom",
            "category_code",
            "symptom",
            unique=True,
            sqlite_where=text("brand_code IS NULL"),
            postgresql_where=text("brand_code IS NULL"),
        ),
        Index(
            "uq_troubleshooting_guides_brand_symptom",
            "category_code",
            "symptom",
            "brand_code",
            unique=True,
            sqlite_where=text("brand_code IS NOT NULL"),
            postgresql_where=text("brand_code IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    symptom: Mapped[str] = mapped_column(String(SYMPTOM_LENGTH))
    brand_code: Mapped[str | None] = mapped_column(ForeignKey("brands.code"), index=True)
    title_zh: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    title_en: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    match_phrases_zh: Mapped[list[str]] = mapped_column(JSON)
    match_phrases_en: Mapped[list[str]] = mapped_column(JSON)
    safety_notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    needs_visit_when: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    ends_remotely_when: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    steps: Mapped[list[TroubleshootingStep]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="TroubleshootingStep.position",
    )


class TroubleshootingStep(Base):
    __tablename__ = "troubleshooting_steps"
    __table_args__ = (
        UniqueConstraint("guide_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guide_id: Mapped[int] = mapped_column(
        ForeignKey("troubleshooting_guides.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    instruction_zh: Mapped[str] = mapped_column(Text)
    instruction_en: Mapped[str] = mapped_column(Text)
    safety: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    image_url: Mapped[str | None] = mapped_column(String(IMAGE_URL_LENGTH))


class ErrorCode(Base):
    """What a code on a brand's display usually means, and which guide's symptom it points to.

    A code belongs to a brand (all its models) or to one model, which then overrides the
    brand-wide meaning; never to a whole category.
    """

    __tablename__ = "troubleshooting_error_codes"
    __table_args__ = (
        Index(
            "uq_troubleshooting_error_codes_brand_code",
            "brand_code",
            "category_code",
            "code",
            unique=True,
            sqlite_where=text("model_code IS NULL"),
            postgresql_where=text("model_code IS NULL"),
        ),
        Index(
            "uq_troubleshooting_error_codes_model_code",
            "brand_code",
            "category_code",
            "model_code",
            "code",
            unique=True,
            sqlite_where=text("model_code IS NOT NULL"),
            postgresql_where=text("model_code IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_code: Mapped[str] = mapped_column(ForeignKey("brands.code"), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    model_code: Mapped[str | None] = mapped_column(ForeignKey("product_models.code"))
    code: Mapped[str] = mapped_column(String(ERROR_CODE_LENGTH))
    symptom: Mapped[str] = mapped_column(String(SYMPTOM_LENGTH))
    meaning_zh: Mapped[str] = mapped_column(Text)
    meaning_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
