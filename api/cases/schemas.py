"""Request and response bodies of the case endpoints."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from api.cases.models import Case, CaseTransition
from api.cases.service_kinds import ServiceMode, ServiceType, Urgency
from api.cases.status import CaseStatus
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.customers.text_rules import Code, FreeText, Identifier, storable_text

MAX_SNAPSHOT_DEPTH = 16
MAX_SNAPSHOT_VALUES = 2000
MAX_ID = 2**31 - 1
"""Ids are 32-bit integer columns; larger path values cannot name anything."""
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"


def _storable_json(document: dict[str, Any]) -> dict[str, Any]:
    """Refuse JSON that is too deep or too large, or holds text no database can store."""
    values = 0
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        values += 1
        if depth > MAX_SNAPSHOT_DEPTH or values > MAX_SNAPSHOT_VALUES:
            raise ValueError(
                f"must be at most {MAX_SNAPSHOT_DEPTH} levels deep "
                f"with at most {MAX_SNAPSHOT_VALUES} values"
            )
        if isinstance(value, str):
            storable_text(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError("numbers must be finite (no NaN or Infinity)")
        elif isinstance(value, dict):
            for key, item in value.items():
                storable_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return document


WarrantySnapshot = Annotated[dict[str, Any], AfterValidator(_storable_json)]

_DESCRIPTIONS = {
    "category": "Category code from the catalogue, e.g. air_conditioner; null while unknown.",
    "brand": "Brand code (e.g. gree) or the brand as the consumer named it.",
    "model_code": "Model code as stated; need not be in the catalogue.",
    "serial": "Serial number as stated; need not be a registered unit.",
    "purchase_date": "Purchase date as the consumer stated it; not in the future.",
    "symptom_key": "Symptom key of the troubleshooting guide, e.g. not_cooling.",
    "component": "Component code, e.g. compressor.",
    "fault_description": "The consumer's own words, stored verbatim (limit: max_text_chars).",
    "fault_onset_text": "When the fault began, in the consumer's words (e.g. 三天前).",
    "fault_onset_date": "When the fault began, as a date; not in the future.",
    "external_damage_reported": "Whether the consumer reported external damage; null if not asked.",
    "service_mode": "Where the service happens; defaults by category (phone and laptop: "
    "carry_in, others: onsite).",
    "warranty_snapshot": "The warranty decision at intake, stored as given.",
}


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: ChannelId = Field(description=CHANNEL_ID_DESCRIPTION, examples=["tg:123456"])
    category: Code | None = Field(default=None, description=_DESCRIPTIONS["category"])
    brand: Identifier | None = Field(default=None, description=_DESCRIPTIONS["brand"])
    model_code: Identifier | None = Field(default=None, description=_DESCRIPTIONS["model_code"])
    serial: Identifier | None = Field(default=None, description=_DESCRIPTIONS["serial"])
    purchase_date: date | None = Field(default=None, description=_DESCRIPTIONS["purchase_date"])
    symptom_key: Code | None = Field(default=None, description=_DESCRIPTIONS["symptom_key"])
    component: Code | None = Field(default=None, description=_DESCRIPTIONS["component"])
    fault_description: FreeText | None = Field(
        default=None, description=_DESCRIPTIONS["fault_description"]
    )
    fault_onset_text: FreeText | None = Field(
        default=None, description=_DESCRIPTIONS["fault_onset_text"]
    )
    fault_onset_date: date | None = Field(
        default=None, description=_DESCRIPTIONS["fault_onset_date"]
    )
    external_damage_reported: bool | None = Field(
        default=None, description=_DESCRIPTIONS["external_damage_reported"]
    )
    service_type: ServiceType = ServiceType.REPAIR
    service_mode: ServiceMode | None = Field(
        default=None, description=_DESCRIPTIONS["service_mode"]
    )
    urgency: Urgency = Urgency.NORMAL
    warranty_snapshot: WarrantySnapshot | None = Field(
        default=None, description=_DESCRIPTIONS["warranty_snapshot"]
    )
    conversation_id: ChannelId | None = Field(
        default=None, description="The chat conversation the case was reported in."
    )
    idempotency_key: Annotated[str, Field(pattern=IDEMPOTENCY_KEY_PATTERN)] | None = Field(
        default=None,
        description="Repeating a create with the same key returns the case created first.",
    )


_NOT_NULLABLE = ("service_type", "service_mode", "urgency")


class CasePatch(BaseModel):
    """Fields to change; fields left out keep their value, ``null`` clears a nullable one."""

    model_config = ConfigDict(extra="forbid")

    category: Code | None = Field(default=None, description=_DESCRIPTIONS["category"])
    brand: Identifier | None = Field(default=None, description=_DESCRIPTIONS["brand"])
    model_code: Identifier | None = Field(default=None, description=_DESCRIPTIONS["model_code"])
    serial: Identifier | None = Field(default=None, description=_DESCRIPTIONS["serial"])
    purchase_date: date | None = Field(default=None, description=_DESCRIPTIONS["purchase_date"])
    symptom_key: Code | None = Field(default=None, description=_DESCRIPTIONS["symptom_key"])
    component: Code | None = Field(default=None, description=_DESCRIPTIONS["component"])
    fault_description: FreeText | None = Field(
        default=None, description=_DESCRIPTIONS["fault_description"]
    )
    fault_onset_text: FreeText | None = Field(
        default=None, description=_DESCRIPTIONS["fault_onset_text"]
    )
    fault_onset_date: date | None = Field(
        default=None, description=_DESCRIPTIONS["fault_onset_date"]
    )
    external_damage_reported: bool | None = Field(
        default=None, description=_DESCRIPTIONS["external_damage_reported"]
    )
    service_type: ServiceType | None = None
    service_mode: ServiceMode | None = Field(
        default=None, description=_DESCRIPTIONS["service_mode"]
    )
    urgency: Urgency | None = None
    warranty_snapshot: WarrantySnapshot | None = Field(
        default=None, description=_DESCRIPTIONS["warranty_snapshot"]
    )

    @model_validator(mode="after")
    def _required_fields_stay_set(self) -> CasePatch:
        cleared = [name for name in _NOT_NULLABLE if name in self.model_fields_set]
        cleared = [name for name in cleared if getattr(self, name) is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be cleared, only changed")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: CaseStatus
    note: FreeText | None = Field(default=None, description="Why; stored verbatim.")


class TransitionOut(BaseModel):
    from_status: CaseStatus | None = Field(description="Null for the case's creation.")
    to_status: CaseStatus
    at: datetime
    actor_role: str
    actor_id: str | None
    note: str | None

    @classmethod
    def of(cls, transition: CaseTransition) -> TransitionOut:
        return cls(
            from_status=CaseStatus(transition.from_status) if transition.from_status else None,
            to_status=CaseStatus(transition.to_status),
            at=transition.at,
            actor_role=transition.actor_role,
            actor_id=transition.actor_id,
            note=transition.note,
        )


class CaseOut(BaseModel):
    id: int
    customer: str = Field(description="Channel identity of the consumer (anon:… once erased).")
    status: CaseStatus
    escalated_from: CaseStatus | None
    category: str | None
    brand: str | None
    model_code: str | None
    serial: str | None
    purchase_date: date | None
    symptom_key: str | None
    component: str | None
    fault_description: str | None
    fault_onset_text: str | None
    fault_onset_date: date | None
    external_damage_reported: bool | None
    service_type: ServiceType
    service_mode: ServiceMode
    urgency: Urgency
    warranty_snapshot: dict[str, Any] | None
    conversation_id: str | None
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fields_of(cls, case: Case) -> dict[str, Any]:
        return {
            "id": case.id,
            "customer": case.customer.channel_id,
            "status": CaseStatus(case.status),
            "escalated_from": CaseStatus(case.escalated_from) if case.escalated_from else None,
            "category": case.category_code,
            "brand": case.brand,
            "model_code": case.model_code,
            "serial": case.serial,
            "purchase_date": case.purchase_date,
            "symptom_key": case.symptom_key,
            "component": case.component,
            "fault_description": case.fault_description,
            "fault_onset_text": case.fault_onset_text,
            "fault_onset_date": case.fault_onset_date,
            "external_damage_reported": case.external_damage_reported,
            "service_type": ServiceType(case.service_type),
            "service_mode": ServiceMode(case.service_mode),
            "urgency": Urgency(case.urgency),
            "warranty_snapshot": case.warranty_snapshot,
            "conversation_id": case.conversation_id,
            "idempotency_key": case.idempotency_key,
            "created_at": case.created_at,
            "updated_at": case.updated_at,
        }

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls(**cls.fields_of(case))


class CaseDetailOut(CaseOut):
    transitions: list[TransitionOut] = Field(description="Status history, oldest first.")

    @classmethod
    def of(cls, case: Case) -> CaseDetailOut:
        transitions = [TransitionOut.of(item) for item in case.transitions]
        return cls(**cls.fields_of(case), transitions=transitions)


class CasePage(BaseModel):
    items: list[CaseOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
