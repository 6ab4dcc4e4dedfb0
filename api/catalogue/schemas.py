"""Request and response bodies of the catalogue and units endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.catalogue.fields import (
    AliasList,
    BrandCode,
    FreeText,
    Hint,
    ModelCode,
    Name,
    Serial,
    SerialPatternText,
)
from api.catalogue.models import Brand, Category, ProductModel, Unit, UnitRepair
from api.catalogue.resolver import MatchedOn, ModelRecord, ResolutionKind
from api.catalogue.serial_check import SerialReason, SerialResult
from api.catalogue.vocabulary import CategoryCode
from api.warranty.policy_model import ComponentCode


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class _Patch(_Request):
    """A partial update: absent fields stay as they are; `_required` fields refuse null."""

    _required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        nulled = sorted(
            name for name in self._required & self.model_fields_set if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


# Categories


class CategoryOut(BaseModel):
    code: CategoryCode
    name_zh: str
    name_en: str

    @classmethod
    def of(cls, category: Category) -> CategoryOut:
        return cls(
            code=CategoryCode(category.code), name_zh=category.name_zh, name_en=category.name_en
        )


class CategoryRename(_Patch):
    _required = frozenset({"name_zh", "name_en"})

    name_zh: Name | None = None
    name_en: Name | None = None


# Brands


class BrandCreate(_Request):
    code: BrandCode
    name_zh: Name
    name_en: Name
    aliases: AliasList = Field(default_factory=list)


class BrandUpdate(_Patch):
    _required = frozenset({"name_zh", "name_en", "aliases"})

    name_zh: Name | None = None
    name_en: Name | None = None
    aliases: AliasList | None = None


class BrandOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    aliases: list[str]

    @classmethod
    def of(cls, brand: Brand) -> BrandOut:
        return cls(
            code=brand.code, name_zh=brand.name_zh, name_en=brand.name_en, aliases=brand.aliases
        )


# Product models


class ModelCreate(_Request):
    code: ModelCode
    name_zh: Name
    name_en: Name
    category: CategoryCode
    brand: BrandCode
    launch_date: date | None = Field(default=None, description="Not in the future.")
    aliases: AliasList = Field(default_factory=list)
    serial_pattern: SerialPatternText
    serial_hint_zh: Hint | None = Field(
        default=None, description="Where the serial is printed, e.g. 室内机右侧铭牌."
    )
    serial_hint_en: Hint | None = Field(
        default=None, description="The same in English; both languages or neither."
    )


class ModelUpdate(_Patch):
    _required = frozenset({"name_zh", "name_en", "category", "brand", "aliases", "serial_pattern"})

    name_zh: Name | None = None
    name_en: Name | None = None
    category: CategoryCode | None = None
    brand: BrandCode | None = None
    launch_date: date | None = None
    aliases: AliasList | None = None
    serial_pattern: SerialPatternText | None = None
    serial_hint_zh: Hint | None = None
    serial_hint_en: Hint | None = None


class ModelOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    category: CategoryCode
    brand: str
    launch_date: date | None
    aliases: list[str]
    serial_pattern: str
    serial_hint_zh: str | None
    serial_hint_en: str | None

    @classmethod
    def of(cls, model: ProductModel) -> ModelOut:
        return cls(
            code=model.code,
            name_zh=model.name_zh,
            name_en=model.name_en,
            category=CategoryCode(model.category_code),
            brand=model.brand_code,
            launch_date=model.launch_date,
            aliases=model.aliases,
            serial_pattern=model.serial_pattern,
            serial_hint_zh=model.serial_hint_zh,
            serial_hint_en=model.serial_hint_en,
        )


class ModelRef(BaseModel):
    code: str
    name_zh: str
    name_en: str
    category: CategoryCode
    brand: str

    @classmethod
    def of(cls, model: ModelRecord) -> ModelRef:
        return cls(
            code=model.code,
            name_zh=model.name_zh,
            name_en=model.name_en,
            category=CategoryCode(model.category),
            brand=model.brand,
        )


class ModelCandidate(ModelRef):
    score: int = Field(ge=0, le=100, description="100: the text equals a code, alias or name.")
    matched_on: MatchedOn


class ModelResolution(BaseModel):
    query: str
    kind: ResolutionKind = Field(
        description=(
            "exact: one model's code, alias or name; fuzzy: ranked guesses; brand_only / "
            "category_only: only a brand or category was recognised, its models are listed; "
            "none: nothing recognised."
        )
    )
    brands: list[str] = Field(description="Brand codes recognised in the query.")
    categories: list[CategoryCode] = Field(description="Categories recognised in the query.")
    candidates: list[ModelCandidate]


# Units and repairs


class UnitCreate(_Request):
    serial: Serial
    model: ModelCode
    sale_date: date | None = Field(default=None, description="Registered sale (invoice) date.")
    seller: Name | None = None
    proof_on_file: bool = Field(default=False, description="A proof of purchase is on file.")
    manufacture_date: date | None = Field(
        default=None, description="Defaults to the date encoded in the serial, if any."
    )
    replaced_unit_serial: Serial | None = Field(
        default=None, description="For a replacement unit: the serial of the unit it replaced."
    )
    exchange_date: date | None = Field(
        default=None, description="For a replacement unit: the exchange date."
    )


class UnitUpdate(_Patch):
    _required = frozenset({"model", "proof_on_file"})

    model: ModelCode | None = None
    sale_date: date | None = None
    seller: Name | None = None
    proof_on_file: bool | None = None
    manufacture_date: date | None = None
    replaced_unit_serial: Serial | None = None
    exchange_date: date | None = None


class RepairCreate(_Request):
    hand_in: date
    hand_back: date | None = Field(default=None, description="Null while the unit is in repair.")
    component: ComponentCode | None = None
    symptom: FreeText | None = None
    free: bool
    repaired_by_authorised: bool = True
    note: FreeText | None = None


class RepairUpdate(_Patch):
    _required = frozenset({"hand_in", "free", "repaired_by_authorised"})

    hand_in: date | None = None
    hand_back: date | None = None
    component: ComponentCode | None = None
    symptom: FreeText | None = None
    free: bool | None = None
    repaired_by_authorised: bool | None = None
    note: FreeText | None = None


class RepairSummary(BaseModel):
    id: int
    hand_in: date
    hand_back: date | None
    component: ComponentCode | None
    symptom: str | None
    free: bool
    repaired_by_authorised: bool

    @classmethod
    def of(cls, repair: UnitRepair) -> Self:
        return cls.model_validate(repair, from_attributes=True)


class RepairRecord(RepairSummary):
    note: str | None


class UnitSummary(BaseModel):
    """What the warranty check needs about a unit; no seller, no internal notes."""

    serial: str
    model: str
    model_name_zh: str
    model_name_en: str
    category: CategoryCode
    brand: str
    sale_date: date | None
    proof_on_file: bool
    manufacture_date: date | None
    replaced_unit_serial: str | None
    exchange_date: date | None
    in_repair: bool = Field(description="A repair has been handed in and not handed back.")
    repairs: list[RepairSummary]

    @classmethod
    def of(cls, unit: Unit) -> Self:
        return cls(**_unit_fields(unit), repairs=[RepairSummary.of(r) for r in unit.repairs])


class UnitRecord(UnitSummary):
    id: int
    seller: str | None
    repairs: list[RepairRecord]  # type: ignore[assignment]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, unit: Unit) -> Self:
        return cls(
            **_unit_fields(unit),
            id=unit.id,
            seller=unit.seller,
            created_at=unit.created_at,
            updated_at=unit.updated_at,
            repairs=[RepairRecord.of(repair) for repair in unit.repairs],
        )


def _unit_fields(unit: Unit) -> dict[str, object]:
    return {
        "serial": unit.serial,
        "model": unit.model.code,
        "model_name_zh": unit.model.name_zh,
        "model_name_en": unit.model.name_en,
        "category": unit.model.category_code,
        "brand": unit.model.brand_code,
        "sale_date": unit.sale_date,
        "proof_on_file": unit.proof_on_file,
        "manufacture_date": unit.manufacture_date,
        "replaced_unit_serial": unit.replaced_unit_serial,
        "exchange_date": unit.exchange_date,
        "in_repair": any(repair.hand_back is None for repair in unit.repairs),
    }


# Serial lookup


class SerialLookupRequest(_Request):
    serial: Serial
    model_code: ModelCode | None = Field(
        default=None, description="The model the consumer named, if any."
    )


class SerialLookupResult(BaseModel):
    result: SerialResult = Field(
        description=(
            "registered: a known unit; unregistered_valid: not registered but well-formed for "
            "the model; invalid: see reason_code."
        )
    )
    serial: str = Field(description="The serial as normalised for comparison.")
    unit: UnitSummary | None = None
    model_candidates: list[ModelRef] = Field(
        default_factory=list,
        description="Models the serial fits (or, for model_mismatch, the other models it fits).",
    )
    manufacture_date: date | None = None
    reason_code: SerialReason | None = None
    reason_zh: str | None = None
    reason_en: str | None = None
