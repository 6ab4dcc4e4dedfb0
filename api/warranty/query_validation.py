"""Refusing a `WarrantyQuery` that cannot be decided: impossible dates and unknown codes.

Such input is refused, not decided: `validate_query` raises `InvalidWarrantyInput` with a
machine code and the dotted path of the field at fault, which the api answers with a 422.
"""

from __future__ import annotations

from datetime import date

from api.warranty.decision_model import InputErrorCode, PurchaseFacts, WarrantyQuery
from api.warranty.decision_texts import invalid_input
from api.warranty.policy_model import ComponentCode, ExclusionCode

_COMPONENT_CODES = frozenset(code.value for code in ComponentCode)
_EXCLUSION_CODES = frozenset(code.value for code in ExclusionCode)


def validate_query(query: WarrantyQuery) -> None:
    """Raise `InvalidWarrantyInput` for the first impossible fact in `query`."""
    _check_purchase_dates(query)
    _check_exchange_and_manufacture(query)
    _check_repairs(query)
    _check_codes(query)


def _claimed_purchase_date(purchase: PurchaseFacts) -> date | None:
    return purchase.registered_sale_date or purchase.stated_purchase_date


def _check_purchase_dates(query: WarrantyQuery) -> None:
    purchase = query.purchase
    for name in ("registered_sale_date", "stated_purchase_date"):
        value: date | None = getattr(purchase, name)
        if value is None:
            continue
        field = f"purchase.{name}"
        if value > query.as_of:
            raise invalid_input(
                InputErrorCode.PURCHASE_DATE_IN_FUTURE, field, value=value, as_of=query.as_of
            )
        launch = query.model_launch_date
        if launch is not None and value < launch:
            raise invalid_input(
                InputErrorCode.PURCHASE_DATE_BEFORE_LAUNCH, field, value=value, launch=launch
            )


def _check_exchange_and_manufacture(query: WarrantyQuery) -> None:
    purchase = query.purchase
    if purchase.manufacture_date is not None and purchase.manufacture_date > query.as_of:
        raise invalid_input(
            InputErrorCode.MANUFACTURE_DATE_IN_FUTURE,
            "purchase.manufacture_date",
            value=purchase.manufacture_date,
            as_of=query.as_of,
        )
    exchanged = purchase.exchange_date
    if exchanged is None:
        return
    if exchanged > query.as_of:
        raise invalid_input(
            InputErrorCode.EXCHANGE_DATE_IN_FUTURE,
            "purchase.exchange_date",
            value=exchanged,
            as_of=query.as_of,
        )
    bought = _claimed_purchase_date(purchase)
    if bought is not None and exchanged < bought:
        raise invalid_input(
            InputErrorCode.EXCHANGE_DATE_BEFORE_PURCHASE,
            "purchase.exchange_date",
            value=exchanged,
            purchase=bought,
        )


def _check_repairs(query: WarrantyQuery) -> None:
    bought = _claimed_purchase_date(query.purchase)
    for index, repair in enumerate(query.repairs):
        prefix = f"repairs.{index}"
        if bought is not None and repair.handed_in < bought:
            raise invalid_input(
                InputErrorCode.REPAIR_BEFORE_PURCHASE,
                f"{prefix}.handed_in",
                value=repair.handed_in,
                purchase=bought,
            )
        for name in ("handed_in", "handed_back", "parts_supplied_on"):
            value: date | None = getattr(repair, name)
            if value is None:
                continue
            if value > query.as_of:
                raise invalid_input(
                    InputErrorCode.REPAIR_DATE_IN_FUTURE,
                    f"{prefix}.{name}",
                    value=value,
                    as_of=query.as_of,
                )
            if value < repair.handed_in:
                raise invalid_input(
                    InputErrorCode.REPAIR_DATES_OUT_OF_ORDER,
                    f"{prefix}.{name}",
                    value=value,
                    handed_in=repair.handed_in,
                )


def _check_codes(query: WarrantyQuery) -> None:
    components = [("fault.component", query.fault.component)]
    components += [(f"repairs.{i}.component", r.component) for i, r in enumerate(query.repairs)]
    for field, component in components:
        if component is not None and component not in _COMPONENT_CODES:
            raise invalid_input(InputErrorCode.UNKNOWN_COMPONENT, field, value=component)
    for exclusion in sorted(query.confirmed_exclusions):
        if exclusion not in _EXCLUSION_CODES:
            raise invalid_input(
                InputErrorCode.UNKNOWN_EXCLUSION, "confirmed_exclusions", value=exclusion
            )
