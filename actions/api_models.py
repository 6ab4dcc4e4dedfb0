"""The api's answers as the actions read them: only the fields actions use, extra ones ignored.

These mirror the api's published schemas (OpenAPI); they are not imported from the api,
which is another process reached over HTTP.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LocalizedText(ApiModel):
    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.zh


# --- catalogue ------------------------------------------------------------------------------


class ResolutionKind(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    BRAND_ONLY = "brand_only"
    CATEGORY_ONLY = "category_only"
    NONE = "none"


class ModelRef(ApiModel):
    code: str
    name_zh: str
    name_en: str
    category: str
    brand: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


class ModelCandidate(ModelRef):
    score: int


class ModelResolution(ApiModel):
    query: str
    kind: ResolutionKind
    candidates: list[ModelCandidate]


class CatalogueModel(ModelRef):
    launch_date: date | None = None
    serial_hint_zh: str | None = None
    serial_hint_en: str | None = None

    def serial_hint(self, language: str) -> str | None:
        return self.serial_hint_en if language == "en" else self.serial_hint_zh


class SerialResult(StrEnum):
    REGISTERED = "registered"
    UNREGISTERED_VALID = "unregistered_valid"
    INVALID = "invalid"


class UnitSummary(ApiModel):
    serial: str
    model: str
    category: str
    brand: str
    sale_date: date | None = None


class SerialLookup(ApiModel):
    result: SerialResult
    serial: str
    unit: UnitSummary | None = None
    reason_code: str | None = None
    reason_zh: str | None = None
    reason_en: str | None = None

    def reason(self, language: str) -> str | None:
        return self.reason_en if language == "en" else self.reason_zh


# --- warranty -------------------------------------------------------------------------------


class WarrantyStatus(StrEnum):
    IN_WARRANTY = "in_warranty"
    COMPONENT_WARRANTY = "component_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    NEEDS_PROOF = "needs_proof"
    UNKNOWN_PRODUCT = "unknown_product"


class Entitlement(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    FREE_REPAIR = "free_repair"
    PAID_REPAIR = "paid_repair"


class LocalizedReason(LocalizedText):
    code: str


class IdentifiedProduct(ApiModel):
    serial: str
    model: ModelRef | None = None
    category: str | None = None
    brand: str | None = None


class WarrantyDecision(ApiModel):
    status: WarrantyStatus
    entitlements: list[Entitlement]
    fault_component: str | None = None
    suspected_exclusions: list[LocalizedReason] = Field(default_factory=list)
    reasons: list[LocalizedReason] = Field(default_factory=list)
    policy_version: str
    as_of: date
    product: IdentifiedProduct

    @property
    def is_paid(self) -> bool | None:
        """Whether a repair costs the consumer money; None while it cannot be said yet."""
        if self.status in {WarrantyStatus.IN_WARRANTY, WarrantyStatus.COMPONENT_WARRANTY}:
            return False
        if self.status is WarrantyStatus.OUT_OF_WARRANTY:
            return True
        return None


# --- troubleshooting ------------------------------------------------------------------------


class RemoteOutcome(StrEnum):
    FIXED_AFTER_ANY_STEP = "fixed_after_any_step"
    FIXED_AFTER_LAST_STEP = "fixed_after_last_step"
    NEVER = "never"


class GuideStep(ApiModel):
    instruction: LocalizedText
    safety: bool = False


class Guide(ApiModel):
    id: int
    category: str
    symptom: str
    brand: str | None = None
    title: LocalizedText
    steps: list[GuideStep]
    safety_notes: list[LocalizedText] = Field(default_factory=list)
    ends_remotely_when: RemoteOutcome


class SafetyAlert(ApiModel):
    hazards: list[str]
    message: LocalizedText


class ErrorCodeHit(ApiModel):
    code: str
    meaning: LocalizedText


class TroubleshootingMatch(ApiModel):
    safety_alert: bool
    safety: SafetyAlert | None = None
    guide: Guide | None = None
    error_code: ErrorCodeHit | None = None
    reason: str | None = None


# --- cases and customers --------------------------------------------------------------------


class CaseStatus(StrEnum):
    OPEN = "open"
    TROUBLESHOOTING = "troubleshooting"
    AWAITING_VISIT = "awaiting_visit"
    VISIT_BOOKED = "visit_booked"
    IN_REPAIR = "in_repair"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"


class Case(ApiModel):
    id: int
    status: CaseStatus
    category: str | None = None
    brand: str | None = None
    model_code: str | None = None
    serial: str | None = None
    purchase_date: date | None = None
    symptom_key: str | None = None
    component: str | None = None
    fault_description: str | None = None
    created_at: datetime
    updated_at: datetime


class CaseDraft(ApiModel):
    """What a fault report hands to the api to open a case."""

    category: str | None = None
    brand: str | None = None
    model_code: str | None = None
    serial: str | None = None
    purchase_date: date | None = None
    symptom_key: str | None = None
    component: str | None = None
    fault_description: str | None = None
    warranty_snapshot: dict[str, object] | None = None


class Customer(ApiModel):
    channel_id: str
    locale: str


# --- handoffs -------------------------------------------------------------------------------


class HandoffReason(StrEnum):
    REQUESTED = "requested"
    COMPLAINT = "complaint"
    NLU_FAILURE = "nlu_failure"
    VALIDATION_FAILURE = "validation_failure"
    WARRANTY_DISPUTE = "warranty_dispute"
    NO_CAPACITY = "no_capacity"
    LOW_SURVEY_SCORE = "low_survey_score"
    SAFETY = "safety"


class ExpectedWait(ApiModel):
    kind: str
    message: LocalizedText


class Handoff(ApiModel):
    id: int
    conversation_id: str
    case_id: int | None = None
    reason: HandoffReason
    priority: str
    status: str
    summary: str | None = None
    #: Only while the handoff waits in the queue.
    expected_wait: ExpectedWait | None = None


# --- visits ---------------------------------------------------------------------------------


class VisitStatus(StrEnum):
    BOOKED = "booked"
    EN_ROUTE = "en_route"
    STARTED = "started"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


#: A visit the consumer may still move or cancel.
CHANGEABLE_VISIT_STATUSES = frozenset({VisitStatus.BOOKED, VisitStatus.EN_ROUTE})


class VisitWindow(ApiModel):
    start: datetime
    end: datetime
    local_date: date


class WindowOffer(VisitWindow):
    within_service_level: bool


class Availability(ApiModel):
    case_id: int | None = None
    windows: list[WindowOffer]
    service_level_met: bool
    #: Set when the api handed the case to a person for lack of a window in the service level.
    no_capacity_flagged_at: datetime | None = None


class Visit(ApiModel):
    id: int
    case_id: int
    status: VisitStatus
    window: VisitWindow
    address: str
    contact_phone: str
    within_service_level: bool
    paid_repair: bool


# --- surveys --------------------------------------------------------------------------------


class Survey(ApiModel):
    id: int
    status: str
    follow_up_handoff_id: int | None = None


class FeeEstimate(ApiModel):
    """The api's fee estimate: free and why, or the published visit fee and labour range."""

    basis: Literal["free", "paid", "undecided"]
    reason: LocalizedText
    currency: str
    visit_fee_fen: int | None = None
    labour_min_fen: int | None = None
    labour_max_fen: int | None = None
    price_factors: LocalizedText | None = None


class QuoteLine(ApiModel):
    kind: str
    genuine: bool | None = None
    description: LocalizedText
    quantity: int
    total_fen: int


class Quote(ApiModel):
    """A technician's quote for paid work, as the consumer is asked to approve it."""

    id: int
    visit_id: int
    case_id: int
    status: Literal["pending", "approved", "declined", "superseded"]
    cause: LocalizedText
    work: LocalizedText
    risks: LocalizedText | None = None
    lines: list[QuoteLine]
    total_fen: int
    currency: str
