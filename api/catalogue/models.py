"""Catalogue tables: categories, brands, product models, registered units and their repairs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UtcDateTime, utc_now

CODE_LENGTH = 32
MODEL_CODE_LENGTH = 64
SERIAL_LENGTH = 64
NAME_LENGTH = 200
HINT_LENGTH = 500
PATTERN_LENGTH = 500


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class Category(_Timestamps, Base):
    """Display names of a fixed category code (the codes themselves never change)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))


class Brand(_Timestamps, Base):
    __tablename__ = "brands"

    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class ProductModel(_Timestamps, Base):
    __tablename__ = "product_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(MODEL_CODE_LENGTH), unique=True)
    name_zh: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(String(NAME_LENGTH))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    brand_code: Mapped[str] = mapped_column(ForeignKey("brands.code"), index=True)
    launch_date: Mapped[date | None] = mapped_column(Date)
    serial_pattern: Mapped[str] = mapped_column(String(PATTERN_LENGTH))
    serial_hint_zh: Mapped[str | None] = mapped_column(String(HINT_LENGTH))
    serial_hint_en: Mapped[str | None] = mapped_column(String(HINT_LENGTH))


class Unit(_Timestamps, Base):
    """One physical product, known by its serial number (or IMEI)."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(
            "(replaced_unit_serial IS NULL) = (exchange_date IS NULL)", name="exchange_pair"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(SERIAL_LENGTH), unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    sale_date: Mapped[date | None] = mapped_column(Date)
    seller: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    proof_on_file: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    manufacture_date: Mapped[date | None] = mapped_column(Date)
    replaced_unit_serial: Mapped[str | None] = mapped_column(String(SERIAL_LENGTH))
    exchange_date: Mapped[date | None] = mapped_column(Date)

    model: Mapped[ProductModel] = relationship(lazy="raise")
    repairs: Mapped[list[UnitRepair]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="UnitRepair.hand_in",
    )


class UnitRepair(_Timestamps, Base):
    """An earlier repair of a unit: its dates count towards warranty extensions."""

    __tablename__ = "unit_repairs"
    __table_args__ = (
        UniqueConstraint("unit_id", "hand_in"),
        CheckConstraint("hand_back IS NULL OR hand_back >= hand_in", name="hand_back_after_in"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    hand_in: Mapped[date] = mapped_column(Date)
    hand_back: Mapped[date | None] = mapped_column(Date)
    component: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    symptom: Mapped[str | None] = mapped_column(Text)
    free: Mapped[bool] = mapped_column(Boolean)
    repaired_by_authorised: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    note: Mapped[str | None] = mapped_column(Text)
