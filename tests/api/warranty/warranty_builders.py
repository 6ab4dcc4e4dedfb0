"""Builders shared by the warranty engine tests: one readable call per scenario."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from api.warranty.decision_model import (
    EarlierRepair,
    FaultReport,
    PurchaseFacts,
    ReasonCode,
    WarrantyDecision,
    WarrantyQuery,
    WindowEnd,
)
from api.warranty.policy_model import WarrantyPolicy, default_policy
from api.warranty.policy_rules import decide_warranty

# The purchase date most scenarios use: a Monday in a non-leap year.
BOUGHT = date(2025, 3, 10)


def d(text: str) -> date:
    return date.fromisoformat(text)


def repair(
    handed_in: str,
    handed_back: str | None = None,
    *,
    component: str | None = None,
    symptom: str | None = None,
    paid: bool = False,
    waited_for_parts: bool = False,
    parts_supplied_on: str | None = None,
) -> EarlierRepair:
    return EarlierRepair(
        handed_in=d(handed_in),
        handed_back=d(handed_back) if handed_back else None,
        component=component,
        symptom=symptom,
        paid=paid,
        waited_for_parts=waited_for_parts,
        parts_supplied_on=d(parts_supplied_on) if parts_supplied_on else None,
    )


def query(
    category: str | None,
    as_of: str,
    *,
    registered: date | str | None = BOUGHT,
    stated: str | None = None,
    proof: bool | None = None,
    manufactured: str | None = None,
    exchanged: str | None = None,
    text: str = "",
    component: str | None = None,
    symptom: str | None = None,
    repairs: Iterable[EarlierRepair] = (),
    confirmed: Iterable[str] = (),
    brand: str | None = None,
    launched: str | None = None,
) -> WarrantyQuery:
    registered_date = d(registered) if isinstance(registered, str) else registered
    return WarrantyQuery(
        as_of=d(as_of),
        category=category,
        brand=brand,
        purchase=PurchaseFacts(
            registered_sale_date=registered_date,
            stated_purchase_date=d(stated) if stated else None,
            has_proof_of_purchase=proof,
            manufacture_date=d(manufactured) if manufactured else None,
            exchange_date=d(exchanged) if exchanged else None,
        ),
        repairs=tuple(repairs),
        fault=FaultReport(text=text, component=component, symptom=symptom),
        confirmed_exclusions=frozenset(confirmed),
        model_launch_date=d(launched) if launched else None,
    )


def decide(
    category: str | None, as_of: str, *, policy: WarrantyPolicy | None = None, **facts: Any
) -> WarrantyDecision:
    return decide_warranty(query(category, as_of, **facts), policy or default_policy())


def entitlements(decision: WarrantyDecision) -> tuple[str, ...]:
    return tuple(str(entitlement) for entitlement in decision.entitlements)


def reason_codes(decision: WarrantyDecision) -> list[ReasonCode]:
    return [item.code for item in decision.reasons]


def window(decision: WarrantyDecision, code: str) -> WindowEnd:
    matches = [item for item in decision.windows if item.code == code]
    assert len(matches) == 1, f"{code}: {[item.code for item in decision.windows]}"
    return matches[0]


def window_ends(decision: WarrantyDecision) -> dict[str, date]:
    return {item.code: item.ends_on for item in decision.windows}
