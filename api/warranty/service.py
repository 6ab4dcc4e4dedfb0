"""The warranty check: identify the product, gather its facts, ask the rules engine.

Facts come from the strongest source available: the registered unit (sale date, exchange,
repairs, manufacture date) wins over what the consumer states; for an unregistered serial
the model comes from the named model code or from the serial's pattern, and the manufacture
date from the serial; failing both, the category the caller names. The active policy is
cached per process (`policy_store.current_policy`), the catalogue's models are read from its
in-memory snapshot, and a registered unit is read with its model and repairs in one query
(`unit_record`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from api.catalogue.resolver import ModelRecord
from api.catalogue.schemas import ModelRef
from api.catalogue.serial_check import (
    SERIAL_REASON_TEXTS,
    SerialReason,
    SerialResult,
    SerialRule,
    SerialVerdict,
    check_serial,
)
from api.catalogue.serial_patterns import ImpossibleDateError, decode_manufacture_date
from api.catalogue.snapshot import CatalogueSnapshot, catalogue_snapshot
from api.catalogue.text import normalise_serial
from api.catalogue.vocabulary import CategoryCode
from api.customers.preferences import DEFAULT_TIMEZONE
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import ApiError, invalid_field
from api.warranty.decision_model import (
    EarlierRepair,
    FaultReport,
    InvalidWarrantyInput,
    PurchaseFacts,
    WarrantyQuery,
)
from api.warranty.policy_rules import decide_warranty
from api.warranty.policy_store import current_policy
from api.warranty.schemas import (
    IdentifiedBy,
    IdentifiedProduct,
    WarrantyCheckRequest,
    WarrantyCheckResponse,
)
from api.warranty.unit_record import RegisteredUnit, find_registered_unit

SERVICE_TIMEZONE = ZoneInfo(DEFAULT_TIMEZONE)

# Engine fields that are the caller's own input, by the request field they came from. Every
# other fact comes from the unit's record or its serial.
_REQUEST_FIELDS = {
    "purchase.stated_purchase_date": "body.purchase_date",
    "fault.component": "body.component",
    "confirmed_exclusions": "body.confirmed_exclusions",
}


def service_today(now: datetime | None = None) -> date:
    """Today where the service operates (China Standard Time)."""
    return (now or utc_now()).astimezone(SERVICE_TIMEZONE).date()


@dataclass(frozen=True, slots=True)
class Identification:
    """The product a decision is made for, and the facts known about it."""

    product: IdentifiedProduct
    model: ModelRecord | None
    category: str | None
    brand: str | None
    purchase: PurchaseFacts
    repairs: tuple[EarlierRepair, ...] = ()


async def check_warranty(
    session: AsyncSession, request: WarrantyCheckRequest, *, max_text_chars: int
) -> WarrantyCheckResponse:
    """Identify the product and decide the fault under the active policy."""
    ensure_within_limit("body.fault_description", request.fault_description, max_text_chars)
    serial = normalise_serial(request.serial)
    if not serial:
        raise invalid_field("body.serial", "empty_serial", "The serial has no letters or digits.")
    today = service_today()
    as_of = request.as_of or today
    snapshot = await catalogue_snapshot(session)
    unit = await find_registered_unit(session, serial)
    if unit is not None:
        found = _identify_registered(unit, request, snapshot, as_of)
    else:
        found = _identify_unregistered(serial, request, snapshot, today)
    query = WarrantyQuery(
        as_of=as_of,
        category=found.category,
        brand=found.brand,
        purchase=found.purchase,
        repairs=found.repairs,
        fault=FaultReport(request.fault_description, request.component, request.symptom),
        confirmed_exclusions=frozenset(request.confirmed_exclusions),
        model_launch_date=found.model.launch_date if found.model is not None else None,
    )
    policy = await current_policy(session)
    try:
        decision = decide_warranty(query, policy)
    except InvalidWarrantyInput as error:
        raise _refusal(error, as_of_given=request.as_of is not None) from error
    return WarrantyCheckResponse.of(decision, found.product)


def _refusal(error: InvalidWarrantyInput, *, as_of_given: bool) -> ApiError:
    field = _REQUEST_FIELDS.get(error.field)
    if field is None:
        # A recorded fact (sale, exchange, repair, manufacture) after the date asked about.
        field = "body.as_of" if as_of_given else f"unit.{error.field}"
    refusal = invalid_field(field, error.code.value, error.en)
    refusal.extra = {"zh": error.zh, "en": error.en}
    return refusal


# --- a registered unit ----------------------------------------------------------------------


def _identify_registered(
    unit: RegisteredUnit, request: WarrantyCheckRequest, snapshot: CatalogueSnapshot, as_of: date
) -> Identification:
    named = snapshot.model(request.model_code) if request.model_code is not None else None
    differs = named is not None and named.code != unit.model.code
    repairs = _as_known_on(unit.repairs, as_of)
    product = IdentifiedProduct(
        serial=unit.serial,
        unit_registered=True,
        serial_status=SerialResult.REGISTERED,
        identified_by=IdentifiedBy.UNIT,
        model=ModelRef.of(unit.model),
        category=CategoryCode(unit.model.category),
        brand=unit.model.brand,
        sale_date=unit.sale_date,
        manufacture_date=unit.manufacture_date
        or _encoded_date(snapshot.serial_rules.get(unit.model.code), unit.serial),
        exchange_date=unit.exchange_date,
        earlier_repairs=len(repairs),
        **_serial_reason(SerialReason.REGISTERED_MODEL_DIFFERS if differs else None),
    )
    purchase = PurchaseFacts(
        registered_sale_date=unit.sale_date,
        stated_purchase_date=request.purchase_date,
        has_proof_of_purchase=True if unit.proof_on_file else request.has_proof,
        manufacture_date=product.manufacture_date,
        exchange_date=unit.exchange_date,
    )
    return Identification(
        product, unit.model, unit.model.category, unit.model.brand, purchase, repairs
    )


def _as_known_on(repairs: tuple[EarlierRepair, ...], as_of: date) -> tuple[EarlierRepair, ...]:
    """The repair history as it stood on `as_of`: later repairs had not happened yet."""
    known: list[EarlierRepair] = []
    for repair in repairs:
        if repair.handed_in > as_of:
            continue
        if repair.handed_back is not None and repair.handed_back > as_of:
            repair = dataclasses.replace(repair, handed_back=None, parts_supplied_on=None)
        known.append(repair)
    return tuple(known)


def _encoded_date(rule: SerialRule | None, serial: str) -> date | None:
    match = rule.pattern.match(serial) if rule is not None else None
    if match is None:
        return None
    try:
        return decode_manufacture_date(match)
    except ImpossibleDateError:
        return None


# --- an unregistered serial -----------------------------------------------------------------


def _identify_unregistered(
    serial: str, request: WarrantyCheckRequest, snapshot: CatalogueSnapshot, today: date
) -> Identification:
    rules = list(snapshot.serial_rules.values())
    if request.model_code is not None:
        model = snapshot.model(request.model_code)
        if model is None:
            raise invalid_field(
                "body.model_code", "unknown_model", f"There is no model {request.model_code}."
            )
        verdict = check_serial(serial, rules, snapshot.serial_rules.get(model.code), today)
        identified_by = IdentifiedBy.MODEL_CODE
    else:
        verdict = check_serial(serial, rules, None, today)
        model = _the_only_fitting_model(verdict, snapshot)
        identified_by = IdentifiedBy.SERIAL_PATTERN
    if model is not None:
        category, brand = model.category, model.brand
    else:
        category, brand, identified_by = _without_model(verdict, snapshot, request)
    fits = verdict.result is SerialResult.UNREGISTERED_VALID
    manufactured = verdict.manufacture_date if fits else None
    product = IdentifiedProduct(
        serial=serial,
        unit_registered=False,
        serial_status=verdict.result,
        identified_by=identified_by,
        model=ModelRef.of(model) if model is not None else None,
        category=CategoryCode(category) if category is not None else None,
        brand=brand,
        manufacture_date=manufactured,
        **_serial_reason(verdict.reason),
    )
    purchase = PurchaseFacts(
        stated_purchase_date=request.purchase_date,
        has_proof_of_purchase=request.has_proof,
        manufacture_date=manufactured,
    )
    return Identification(product, model, category, brand, purchase)


def _fitting_models(verdict: SerialVerdict, snapshot: CatalogueSnapshot) -> list[ModelRecord]:
    if verdict.result is not SerialResult.UNREGISTERED_VALID:
        return []
    return [snapshot.models_by_code[code] for code in verdict.model_codes]


def _the_only_fitting_model(
    verdict: SerialVerdict, snapshot: CatalogueSnapshot
) -> ModelRecord | None:
    fitting = _fitting_models(verdict, snapshot)
    return fitting[0] if len(fitting) == 1 else None


def _without_model(
    verdict: SerialVerdict, snapshot: CatalogueSnapshot, request: WarrantyCheckRequest
) -> tuple[str | None, str | None, IdentifiedBy]:
    """What every model the serial fits agrees on; else the category the caller names."""
    fitting = _fitting_models(verdict, snapshot)
    categories = {candidate.category for candidate in fitting}
    if len(categories) == 1:
        brands = {candidate.brand for candidate in fitting}
        brand = brands.pop() if len(brands) == 1 else None
        return categories.pop(), brand, IdentifiedBy.SERIAL_PATTERN
    if request.category is not None:
        return request.category.value, request.brand, IdentifiedBy.CATEGORY
    return None, None, IdentifiedBy.NOTHING


def _serial_reason(reason: SerialReason | None) -> dict[str, object]:
    if reason is None:
        return {}
    zh, en = SERIAL_REASON_TEXTS[reason]
    return {"serial_reason": reason, "serial_reason_zh": zh, "serial_reason_en": en}
