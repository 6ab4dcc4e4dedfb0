"""Requests and responses of the warranty endpoints: the check, and the stored policy versions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.catalogue.fields import ModelCode, Serial
from api.catalogue.schemas import ModelRef
from api.catalogue.serial_check import SerialReason, SerialResult
from api.catalogue.vocabulary import CategoryCode
from api.customers.text_rules import FreeText, visible_text
from api.warranty.decision_model import (
    Entitlement,
    Reason,
    SuspectedExclusion,
    WarrantyDecision,
    WarrantyStatus,
    WindowEnd,
)
from api.warranty.policy_model import ComponentCode, ExclusionCode

BrandCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$"),
    Field(description="Lower-case brand code, e.g. gree.", examples=["gree"]),
]
SymptomKey = Annotated[str, StringConstraints(max_length=200), AfterValidator(visible_text)]
# Windows reach at most a century past their start; dates outside this range are typos and
# would carry the computed window ends out of the calendar.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DecisionDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


class WarrantyCheckRequest(BaseModel):
    """What is known about the product and the fault; the unit's register entry wins."""

    model_config = ConfigDict(extra="forbid")

    serial: Serial
    model_code: ModelCode | None = Field(
        default=None,
        description="The model the consumer named (resolved through the catalogue first); "
        "used when the serial is not registered.",
    )
    category: CategoryCode | None = Field(
        default=None,
        description="Used only when neither a registered unit nor a model identifies the product.",
    )
    brand: BrandCode | None = Field(
        default=None,
        description="Used with `category` only (for the brand's policy override).",
    )
    purchase_date: DecisionDate | None = Field(
        default=None,
        description="The purchase date the consumer states; a registered sale date wins.",
    )
    has_proof: bool | None = Field(
        default=None,
        description="Whether the consumer has a proof of purchase (invoice) for the stated "
        "date; null: not asked yet.",
    )
    fault_description: Annotated[FreeText, Field(min_length=1)] = Field(
        description="The fault in the consumer's words (zh or en); at most the api's "
        "max_text_chars characters.",
        examples=["空调不制冷，压缩机不启动"],
    )
    component: ComponentCode | None = Field(
        default=None,
        description="The faulty component when known (otherwise recognised from the text).",
    )
    symptom: SymptomKey | None = Field(
        default=None,
        description="A symptom key (e.g. not_cooling); repairs of the same symptom count as "
        "the same fault when no component is named.",
    )
    as_of: DecisionDate | None = Field(
        default=None,
        description="Decide as on this date (default: today in China Standard Time).",
    )
    confirmed_exclusions: list[ExclusionCode] = Field(
        default_factory=list,
        max_length=len(ExclusionCode),
        description="Exclusions confirmed by a technician or an agent. Accepted only from the "
        "agent, backend and admin roles; other roles get 403 exclusions_need_agent.",
    )


class IdentifiedBy(StrEnum):
    UNIT = "unit"
    MODEL_CODE = "model_code"
    SERIAL_PATTERN = "serial_pattern"
    CATEGORY = "category"
    NOTHING = "nothing"


class IdentifiedProduct(BaseModel):
    """What the check recognised, and from what."""

    serial: str = Field(description="The serial as normalised for comparison.")
    unit_registered: bool
    serial_status: SerialResult = Field(
        description="registered; unregistered_valid: well-formed for the model; invalid: see "
        "serial_reason."
    )
    serial_reason: SerialReason | None = None
    serial_reason_zh: str | None = None
    serial_reason_en: str | None = None
    identified_by: IdentifiedBy
    model: ModelRef | None = None
    category: CategoryCode | None = None
    brand: str | None = None
    sale_date: date | None = Field(default=None, description="The registered sale date.")
    manufacture_date: date | None = Field(
        default=None, description="Recorded, or decoded from the serial."
    )
    exchange_date: date | None = Field(
        default=None, description="Set when the unit is a replacement given in an exchange."
    )
    earlier_repairs: int = Field(
        default=0, ge=0, description="Authorised repairs on record that the decision counted."
    )


class WarrantyCheckResponse(BaseModel):
    """The decision (see the policy documentation) and the product it was made for."""

    status: WarrantyStatus
    entitlements: tuple[Entitlement, ...]
    fault_component: ComponentCode | None
    windows: tuple[WindowEnd, ...]
    suspected_exclusions: tuple[SuspectedExclusion, ...]
    reasons: tuple[Reason, ...]
    policy_version: str
    as_of: date
    product: IdentifiedProduct

    @classmethod
    def of(cls, decision: WarrantyDecision, product: IdentifiedProduct) -> WarrantyCheckResponse:
        return cls.model_construct(**dict(decision), product=product)


class PolicyVersionOut(BaseModel):
    version: str
    active: bool
    loaded_at: datetime | None = Field(
        description="When the version was stored; null for the shipped default in use while "
        "no version is stored."
    )


class PolicyVersionDocument(PolicyVersionOut):
    document: dict[str, Any] = Field(
        description="The policy document (the shape accepted by POST /warranty/policies)."
    )
