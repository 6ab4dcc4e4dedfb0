"""What the warranty engine is asked (a `WarrantyQuery`) and what it answers (a `WarrantyDecision`).

Inputs are frozen dataclasses built by the caller from its own records; the decision is a
frozen pydantic model so the api can return it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from api.warranty.policy_model import ComponentCode, ExclusionCode


class WarrantyStatus(StrEnum):
    IN_WARRANTY = "in_warranty"
    COMPONENT_WARRANTY = "component_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    NEEDS_PROOF = "needs_proof"
    UNKNOWN_PRODUCT = "unknown_product"


class Entitlement(StrEnum):
    """Declaration order is the order entitlements are listed in a decision."""

    RETURN = "return"
    EXCHANGE = "exchange"
    FREE_REPAIR = "free_repair"
    PAID_REPAIR = "paid_repair"


class WindowKind(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    WHOLE_UNIT = "whole_unit"
    MAIN_COMPONENT = "main_component"
    PART = "part"
    REPAIRED_PART = "repaired_part"


class ReasonCode(StrEnum):
    UNKNOWN_PRODUCT = "unknown_product"
    REGISTERED_DATE_DIFFERS = "registered_date_differs"
    EXCHANGE_RESTART = "exchange_restart"
    MANUFACTURE_DATE_START = "manufacture_date_start"
    NEEDS_PROOF = "needs_proof"
    STATED_DATE_OUTSIDE_WINDOWS = "stated_date_outside_windows"
    REPAIR_TIME_EXTENSION = "repair_time_extension"
    PRESUMED_QUALITY_FAULT = "presumed_quality_fault"
    RETURN_WINDOW = "return_window"
    EXCHANGE_WINDOW = "exchange_window"
    WHOLE_UNIT_WINDOW = "whole_unit_window"
    MAIN_COMPONENT_WINDOW = "main_component_window"
    PART_OWN_WINDOW = "part_own_window"
    REPAIRED_PART_GUARANTEE = "repaired_part_guarantee"
    NO_FREE_WINDOW = "no_free_window"
    REPEATED_REPAIR = "repeated_repair"
    REPAIR_OVER_LIMIT = "repair_over_limit"
    PARTS_NOT_SUPPLIED = "parts_not_supplied"
    EXCLUSION_CONFIRMED = "exclusion_confirmed"
    EXCLUSION_NOT_IN_CATEGORY = "exclusion_not_in_category"


class InputErrorCode(StrEnum):
    PURCHASE_DATE_IN_FUTURE = "purchase_date_in_future"
    PURCHASE_DATE_BEFORE_LAUNCH = "purchase_date_before_launch"
    EXCHANGE_DATE_IN_FUTURE = "exchange_date_in_future"
    EXCHANGE_DATE_BEFORE_PURCHASE = "exchange_date_before_purchase"
    MANUFACTURE_DATE_IN_FUTURE = "manufacture_date_in_future"
    REPAIR_DATE_IN_FUTURE = "repair_date_in_future"
    REPAIR_DATES_OUT_OF_ORDER = "repair_dates_out_of_order"
    REPAIR_BEFORE_PURCHASE = "repair_before_purchase"
    UNKNOWN_COMPONENT = "unknown_component"
    UNKNOWN_EXCLUSION = "unknown_exclusion"


class InvalidWarrantyInput(ValueError):
    """Input the engine refuses to decide on: refused, not decided (the api answers 422).

    `field` is the dotted path of the offending input, e.g. ``purchase.stated_purchase_date``
    or ``repairs.1.handed_back``; `en` and `zh` say what is wrong.
    """

    def __init__(self, code: InputErrorCode, field: str, *, en: str, zh: str) -> None:
        super().__init__(f"{field}: {en}")
        self.code = code
        self.field = field
        self.en = en
        self.zh = zh


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    """How the unit's warranty can start.

    `registered_sale_date` comes from the unit register and wins over `stated_purchase_date`
    (the consumer's words). `has_proof_of_purchase` None means nobody has checked yet.
    `manufacture_date` is decoded from the serial/IMEI. `exchange_date` is set when the
    current unit is a replacement given in an exchange.
    """

    registered_sale_date: date | None = None
    stated_purchase_date: date | None = None
    has_proof_of_purchase: bool | None = None
    manufacture_date: date | None = None
    exchange_date: date | None = None


@dataclass(frozen=True, slots=True)
class EarlierRepair:
    """A repair before the fault being decided.

    `handed_back` None means the unit is still in repair on the decision date. When the repair
    waited for parts, `parts_supplied_on` is the day they arrived (None: never, or not yet).
    """

    handed_in: date
    handed_back: date | None = None
    component: str | None = None
    symptom: str | None = None
    paid: bool = False
    waited_for_parts: bool = False
    parts_supplied_on: date | None = None


@dataclass(frozen=True, slots=True)
class FaultReport:
    """The fault being decided: the consumer's words, and a component or symptom if known.

    Without `component`, the engine recognises one from `text`.
    """

    text: str = ""
    component: str | None = None
    symptom: str | None = None


@dataclass(frozen=True, slots=True)
class WarrantyQuery:
    """Everything one decision needs, for the date `as_of`."""

    as_of: date
    category: str | None
    brand: str | None = None
    purchase: PurchaseFacts = field(default_factory=PurchaseFacts)
    repairs: tuple[EarlierRepair, ...] = ()
    fault: FaultReport = field(default_factory=FaultReport)
    confirmed_exclusions: frozenset[str] = frozenset()
    model_launch_date: date | None = None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Reason(_Frozen):
    code: ReasonCode
    zh: str
    en: str


class SuspectedExclusion(_Frozen):
    code: ExclusionCode
    zh: str
    en: str


class WindowEnd(_Frozen):
    """The end of one window; `running` tells whether it still runs on the decision date."""

    kind: WindowKind
    component: ComponentCode | None = None
    symptom: str | None = None
    ends_on: date
    running: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def code(self) -> str:
        """`kind`, or `kind.component` / `kind.symptom` for component, part and repair windows."""
        subject = self.component or self.symptom
        return f"{self.kind}.{subject}" if subject else str(self.kind)


class WarrantyDecision(_Frozen):
    status: WarrantyStatus
    entitlements: tuple[Entitlement, ...]
    fault_component: ComponentCode | None
    windows: tuple[WindowEnd, ...]
    suspected_exclusions: tuple[SuspectedExclusion, ...]
    reasons: tuple[Reason, ...]
    policy_version: str
    as_of: date
