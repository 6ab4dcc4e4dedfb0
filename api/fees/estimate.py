"""What a repair would cost the consumer: free (and why), or the published schedule's figures.

The answer only ever quotes the schedule: the visit fee, the labour range of the category,
and what decides the final price. It never makes up a total; the total is the quote's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from api.catalogue.vocabulary import CategoryCode
from api.fees.schedule_model import FeeSchedule, FenRange
from api.warranty.decision_model import Entitlement, ReasonCode, WarrantyStatus


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str


class Basis(StrEnum):
    FREE = "free"
    PAID = "paid"
    UNDECIDED = "undecided"


_FREE_ENTITLEMENTS = frozenset({Entitlement.RETURN, Entitlement.EXCHANGE, Entitlement.FREE_REPAIR})
_UNDECIDED_STATUSES = frozenset({WarrantyStatus.NEEDS_PROOF, WarrantyStatus.UNKNOWN_PRODUCT})
_KNOWN_STATUSES = frozenset(status.value for status in WarrantyStatus)

FREE_BY_STATUS = Text(
    zh="产品在保修期内，上门、人工和配件均免费。",
    en="The product is under warranty: the visit, labour and parts are free.",
)
PAID_BY_STATUS = Text(
    zh="产品已过保修期，维修需按公布的收费标准付费。",
    en="The product is out of warranty: the repair is paid at the published schedule.",
)
UNDECIDED = Text(
    zh="尚未确定是否在保修期内；如在保修期内则全部免费，否则按以下收费标准收费。",
    en="Whether the warranty covers this is not settled yet; if it does, everything is free, "
    "otherwise the schedule below applies.",
)
PRICE_FACTORS = Text(
    zh="最终费用取决于维修类型及其档位（小修/标准/大修）和实际使用的配件（按标价计）；"
    "任何收费维修开始前，您都会先收到逐项报价并确认。",
    en="The final price depends on the repair type and its band (minor/standard/major) and "
    "the parts actually used, at list price; before any paid work you receive an itemised "
    "quote to approve.",
)


@dataclass(frozen=True, slots=True)
class Estimate:
    basis: Basis
    reason: Text
    category: CategoryCode
    brand: str | None
    schedule_version: str
    currency: str
    visit_fee_fen: int | None
    labour: FenRange | None
    price_factors: Text | None


def basis_of_snapshot(snapshot: Mapping[str, Any] | None) -> tuple[Basis, Text]:
    """Free, paid or undecided from a case's stored warranty decision, with its reason.

    The entitlements decide; a snapshot without them falls back to its status, and one with
    neither is undecided.
    """
    if not snapshot:
        return Basis.UNDECIDED, UNDECIDED
    status = snapshot.get("status")
    listed = snapshot.get("entitlements")
    entitlements = {e for e in listed if isinstance(e, str)} if isinstance(listed, list) else set()
    if status in _UNDECIDED_STATUSES:
        return Basis.UNDECIDED, UNDECIDED
    if entitlements:
        free = bool(_FREE_ENTITLEMENTS & entitlements) and status != WarrantyStatus.OUT_OF_WARRANTY
        basis = Basis.FREE if free else Basis.PAID
    elif status in _KNOWN_STATUSES:
        basis = basis_of_status(WarrantyStatus(status))[0]
    else:
        return Basis.UNDECIDED, UNDECIDED
    fallback = FREE_BY_STATUS if basis is Basis.FREE else PAID_BY_STATUS
    return basis, _first_reason(snapshot) or fallback


def basis_of_status(status: WarrantyStatus) -> tuple[Basis, Text]:
    if status in _UNDECIDED_STATUSES:
        return Basis.UNDECIDED, UNDECIDED
    if status is WarrantyStatus.OUT_OF_WARRANTY:
        return Basis.PAID, PAID_BY_STATUS
    return Basis.FREE, FREE_BY_STATUS


_DATE_NOTES = frozenset(
    {
        ReasonCode.REGISTERED_DATE_DIFFERS,
        ReasonCode.EXCHANGE_RESTART,
        ReasonCode.MANUFACTURE_DATE_START,
        ReasonCode.STATED_DATE_OUTSIDE_WINDOWS,
        ReasonCode.REPAIR_TIME_EXTENSION,
    }
)
"""Reasons that say which dates were counted, not why the repair is free or paid."""


def _first_reason(snapshot: Mapping[str, Any]) -> Text | None:
    for reason in snapshot.get("reasons") or ():
        if (
            isinstance(reason, Mapping)
            and reason.get("zh")
            and reason.get("en")
            and reason.get("code") not in _DATE_NOTES
        ):
            return Text(zh=str(reason["zh"]), en=str(reason["en"]))
    return None


def estimate(
    schedule: FeeSchedule,
    category: CategoryCode,
    brand: str | None,
    basis: Basis,
    reason: Text,
) -> Estimate:
    fees = schedule.fees_for(category, brand)
    free = basis is Basis.FREE
    return Estimate(
        basis=basis,
        reason=reason,
        category=category,
        brand=brand if schedule.has_override(category, brand) else None,
        schedule_version=schedule.version,
        currency=schedule.currency,
        visit_fee_fen=0 if free else fees.visit_fee_fen,
        labour=None if free else fees.labour_range(),
        price_factors=None if free else PRICE_FACTORS,
    )
