"""Typed fee schedule data: one schedule version, validated from YAML.

Every catalogue category has a visit fee, labour bands per repair type and the list prices of
common parts. A brand may override a category: its visit fee, and labour and parts merged
per code onto the category's. Amounts are integer fen (CNY cents).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationError,
    model_validator,
)

from api.catalogue.vocabulary import CategoryCode

DEFAULT_SCHEDULE_PATH = Path(__file__).with_name("default_schedule.yaml")
MAX_FEN = 10_000_000

Fen = Annotated[NonNegativeInt, Field(le=MAX_FEN)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
BrandCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ScheduleVersion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class LabourBand(StrEnum):
    MINOR = "minor"
    STANDARD = "standard"
    MAJOR = "major"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Names(_Strict):
    zh: Label
    en: Label


class FenRange(_Strict):
    min_fen: Fen
    max_fen: Fen

    @model_validator(mode="after")
    def _ordered(self) -> FenRange:
        if self.min_fen > self.max_fen:
            raise ValueError("min_fen must not be above max_fen")
        return self

    def holds(self, fen: int) -> bool:
        return self.min_fen <= fen <= self.max_fen


class LabourRate(_Strict):
    name: Names
    bands: dict[LabourBand, FenRange] = Field(min_length=1)


class PartPrice(_Strict):
    name: Names
    price_fen: Annotated[PositiveInt, Field(le=MAX_FEN)]


class CategoryFees(_Strict):
    """The complete, resolved fees of one category (optionally for one brand)."""

    visit_fee_fen: Fen
    labour: dict[Code, LabourRate] = Field(min_length=1)
    parts: dict[Code, PartPrice] = Field(min_length=5, max_length=50)

    def with_override(self, patch: CategoryFeesPatch) -> CategoryFees:
        return CategoryFees(
            visit_fee_fen=(
                self.visit_fee_fen if patch.visit_fee_fen is None else patch.visit_fee_fen
            ),
            labour={**self.labour, **patch.labour},
            parts={**self.parts, **patch.parts},
        )

    def labour_range(self) -> FenRange:
        """The lowest and highest labour price over every repair type and band."""
        ranges = [band for rate in self.labour.values() for band in rate.bands.values()]
        return FenRange(
            min_fen=min(band.min_fen for band in ranges),
            max_fen=max(band.max_fen for band in ranges),
        )


class CategoryFeesPatch(_Strict):
    """A brand's changes to a category: labour and parts are merged per code."""

    visit_fee_fen: Fen | None = None
    labour: dict[Code, LabourRate] = Field(default_factory=dict)
    parts: dict[Code, PartPrice] = Field(default_factory=dict)


class ScheduleDocument(_Strict):
    """The file format: one block per catalogue category, optional brand overrides."""

    version: ScheduleVersion
    currency: Literal["CNY"] = "CNY"
    categories: dict[CategoryCode, CategoryFees]
    brand_overrides: dict[BrandCode, dict[CategoryCode, CategoryFeesPatch]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _every_category(self) -> ScheduleDocument:
        missing = [code.value for code in CategoryCode if code not in self.categories]
        if missing:
            raise ValueError(f"every category needs fees; missing: {', '.join(missing)}")
        return self


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    path: str
    message: str


class ScheduleFileError(ValueError):
    """An invalid schedule document, with one problem per field."""

    def __init__(self, message: str, problems: tuple[ScheduleProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    version: str
    currency: str
    categories: Mapping[CategoryCode, CategoryFees]
    brand_overrides: Mapping[str, Mapping[CategoryCode, CategoryFees]]

    def fees_for(self, category: CategoryCode, brand: str | None = None) -> CategoryFees:
        """The category's fees, with the brand's override when the brand has one."""
        if brand is not None:
            override = self.brand_overrides.get(brand.lower(), {}).get(category)
            if override is not None:
                return override
        return self.categories[category]

    def has_override(self, category: CategoryCode, brand: str | None) -> bool:
        return brand is not None and category in self.brand_overrides.get(brand.lower(), {})


def resolve(document: ScheduleDocument) -> FeeSchedule:
    return FeeSchedule(
        version=document.version,
        currency=document.currency,
        categories=dict(document.categories),
        brand_overrides={
            brand: {
                code: document.categories[code].with_override(patch)
                for code, patch in patches.items()
            }
            for brand, patches in document.brand_overrides.items()
        },
    )


def parse_document(data: object, *, source: str) -> ScheduleDocument:
    """Validate ``data``; `ScheduleFileError` names every problem with its field path."""
    try:
        return ScheduleDocument.model_validate(data)
    except ValidationError as error:
        problems = tuple(
            ScheduleProblem(
                ".".join(str(part) for part in problem["loc"]),
                problem["msg"].removeprefix("Value error, "),
            )
            for problem in error.errors()
        )
        listed = "; ".join(f"{p.path or '(document)'}: {p.message}" for p in problems)
        raise ScheduleFileError(f"{source}: {listed}", problems) from error


def parse_schedule(data: object, *, source: str) -> FeeSchedule:
    return resolve(parse_document(data, source=source))


def load_raw_default() -> Any:
    return yaml.safe_load(DEFAULT_SCHEDULE_PATH.read_text(encoding="utf-8"))


@cache
def default_schedule() -> FeeSchedule:
    """The shipped default schedule, read and validated once per process."""
    return parse_schedule(load_raw_default(), source=str(DEFAULT_SCHEDULE_PATH))
