"""Registered units, their repair history, and serial lookup.

Functions other domains call: `find_unit` / `get_unit` (by serial, normalised; the model and
repairs are loaded) and `lookup_serial` (a registered unit, a serial that is well-formed for a
model, or invalid and why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from api.catalogue.models import ProductModel, Unit, UnitRepair
from api.catalogue.schemas import (
    ModelRef,
    RepairCreate,
    SerialLookupResult,
    UnitCreate,
    UnitSummary,
)
from api.catalogue.serial_check import (
    SERIAL_REASON_TEXTS,
    SerialReason,
    SerialResult,
    SerialRule,
    SerialVerdict,
    check_serial,
)
from api.catalogue.serial_patterns import (
    ImpossibleDateError,
    SerialPatternError,
    compile_serial_pattern,
    decode_manufacture_date,
)
from api.catalogue.service import find_model, flush_or_conflict
from api.catalogue.snapshot import catalogue_snapshot, model_record
from api.catalogue.text import normalise_serial
from api.catalogue.vocabulary import CategoryCode
from api.errors import ApiError, invalid_field, not_found

# Units


async def find_unit(session: AsyncSession, serial: str) -> Unit | None:
    """A registered unit by serial (normalised), with its model and repairs loaded."""
    query = (
        select(Unit)
        .options(joinedload(Unit.model), joinedload(Unit.repairs))
        .where(Unit.serial == normalise_serial(serial))
    )
    return (await session.scalars(query)).unique().first()


async def get_unit(session: AsyncSession, serial: str) -> Unit:
    unit = await find_unit(session, serial)
    if unit is None:
        raise not_found("unit", normalise_serial(serial))
    return unit


async def create_unit(session: AsyncSession, data: UnitCreate) -> Unit:
    serial = _normalised_serial_field(data.serial, "body.serial")
    if await find_unit(session, serial) is not None:
        raise ApiError(409, "unit_exists", f"Unit {serial} is already registered.")
    return await _insert_unit(session, data)


async def _insert_unit(session: AsyncSession, data: UnitCreate) -> Unit:
    serial = _normalised_serial_field(data.serial, "body.serial")
    unit = Unit(serial=serial, repairs=[])
    await _set_unit_fields(session, unit, data.model_dump(exclude={"serial"}))
    session.add(unit)
    await flush_or_conflict(session, "unit_exists", f"Unit {serial} is already registered.")
    return unit


async def update_unit(session: AsyncSession, serial: str, changes: Mapping[str, Any]) -> Unit:
    unit = await get_unit(session, serial)
    await _set_unit_fields(session, unit, changes)
    await session.flush()
    return unit


def _normalised_serial_field(serial: str, field: str) -> str:
    normalised = normalise_serial(serial)
    if not normalised:
        raise invalid_field(field, "empty_serial", "The serial has no letters or digits.")
    return normalised


async def _set_unit_fields(session: AsyncSession, unit: Unit, fields: Mapping[str, Any]) -> None:
    decoded: date | None = None
    for name, value in fields.items():
        if name == "model":
            model = await find_model(session, value)
            if model is None:
                raise invalid_field("body.model", "unknown_model", f"There is no model {value}.")
            unit.model = model
            others = (await catalogue_snapshot(session)).serial_rules.values()
            decoded = _check_serial_fits(unit.serial, model, list(others))
        elif name == "replaced_unit_serial" and value is not None:
            unit.replaced_unit_serial = _normalised_serial_field(value, f"body.{name}")
        else:
            setattr(unit, name, value)
    if unit.manufacture_date is None:
        unit.manufacture_date = decoded
    _check_unit_dates(unit)


def _check_serial_fits(
    serial: str, model: ProductModel, catalogue_rules: list[SerialRule]
) -> date | None:
    """Refuse a serial that is not well-formed for the model; the date it encodes, if any."""
    try:
        pattern = compile_serial_pattern(model.serial_pattern)
    except SerialPatternError as error:
        raise invalid_field("body.model", "invalid_serial_pattern", str(error)) from error
    rule = SerialRule(model.code, model.category_code == CategoryCode.PHONE, pattern)
    rules = [other for other in catalogue_rules if other.model_code != model.code] + [rule]
    verdict = check_serial(serial, rules, rule, date.today())
    if verdict.result is not SerialResult.UNREGISTERED_VALID:
        reason = verdict.reason or SerialReason.MODEL_MISMATCH
        others = verdict.model_codes if reason is SerialReason.MODEL_MISMATCH else ()
        fits = f" It fits {', '.join(others)}." if others else ""
        raise invalid_field(
            "body.serial",
            reason.value,
            f"The serial {serial} does not fit model {model.code}: "
            f"{SERIAL_REASON_TEXTS[reason][1]}{fits}",
        )
    return verdict.manufacture_date


def _check_unit_dates(unit: Unit) -> None:
    today = date.today()
    for name in ("sale_date", "manufacture_date", "exchange_date"):
        value: date | None = getattr(unit, name)
        if value is not None and value > today:
            raise invalid_field(f"body.{name}", "date_in_future", f"The {name} is in the future.")
    launch = unit.model.launch_date
    if unit.sale_date is not None and launch is not None and unit.sale_date < launch:
        raise invalid_field(
            "body.sale_date",
            "sale_before_launch",
            f"The sale date is before the model's launch on {launch.isoformat()}.",
        )
    if unit.proof_on_file and unit.sale_date is None:
        raise invalid_field(
            "body.proof_on_file",
            "proof_without_sale_date",
            "A proof of purchase on file needs the sale date it shows.",
        )
    made, sold = unit.manufacture_date, unit.sale_date
    if made is not None and sold is not None and made > sold:
        raise invalid_field(
            "body.manufacture_date",
            "manufacture_after_sale",
            "The manufacture date is after the sale date.",
        )
    if (unit.replaced_unit_serial is None) != (unit.exchange_date is None):
        missing = "exchange_date" if unit.exchange_date is None else "replaced_unit_serial"
        raise invalid_field(
            f"body.{missing}",
            "exchange_incomplete",
            "A replacement unit needs both the replaced unit's serial and the exchange date.",
        )
    if unit.replaced_unit_serial is not None and unit.replaced_unit_serial == unit.serial:
        raise invalid_field(
            "body.replaced_unit_serial", "replaces_itself", "A unit cannot replace itself."
        )
    if sold is not None and any(repair.hand_in < sold for repair in unit.repairs):
        raise invalid_field(
            "body.sale_date",
            "sale_after_repair",
            "The sale date is after a recorded repair of this unit.",
        )
    if unit.exchange_date is not None and sold is not None and unit.exchange_date < sold:
        raise invalid_field(
            "body.exchange_date",
            "exchange_before_sale",
            "The exchange date is before the sale date.",
        )


# Repairs


async def add_repair(
    session: AsyncSession, serial: str, data: RepairCreate, max_text_chars: int
) -> UnitRepair:
    return await _add_repair(session, await get_unit(session, serial), data, max_text_chars)


async def _add_repair(
    session: AsyncSession, unit: Unit, data: RepairCreate, max_text_chars: int
) -> UnitRepair:
    if any(repair.hand_in == data.hand_in for repair in unit.repairs):
        raise ApiError(
            409,
            "repair_exists",
            f"Unit {unit.serial} already has a repair handed in on {data.hand_in.isoformat()}.",
        )
    repair = UnitRepair(**data.model_dump())
    _check_repair(unit, repair, max_text_chars)
    unit.repairs.append(repair)
    await flush_or_conflict(session, "repair_exists", "That repair was just recorded.")
    return repair


async def update_repair(
    session: AsyncSession,
    serial: str,
    repair_id: int,
    changes: Mapping[str, Any],
    max_text_chars: int,
) -> UnitRepair:
    unit = await get_unit(session, serial)
    repair = next((item for item in unit.repairs if item.id == repair_id), None)
    if repair is None:
        raise not_found("repair", f"{repair_id} of unit {unit.serial}")
    return await _change_repair(session, unit, repair, changes, max_text_chars)


async def _change_repair(
    session: AsyncSession,
    unit: Unit,
    repair: UnitRepair,
    changes: Mapping[str, Any],
    max_text_chars: int,
) -> UnitRepair:
    for name, value in changes.items():
        setattr(repair, name, value)
    _check_repair(unit, repair, max_text_chars)
    await flush_or_conflict(
        session, "repair_exists", f"Unit {unit.serial} already has a repair handed in that day."
    )
    return repair


def _check_repair(unit: Unit, repair: UnitRepair, max_text_chars: int) -> None:
    today = date.today()
    for name in ("symptom", "note"):
        text: str | None = getattr(repair, name)
        if text is not None and len(text) > max_text_chars:
            raise invalid_field(
                f"body.{name}", "text_too_long", f"At most {max_text_chars} characters."
            )
    for name in ("hand_in", "hand_back"):
        value: date | None = getattr(repair, name)
        if value is not None and value > today:
            raise invalid_field(f"body.{name}", "date_in_future", f"The {name} is in the future.")
    if repair.hand_back is not None and repair.hand_back < repair.hand_in:
        raise invalid_field(
            "body.hand_back", "hand_back_before_hand_in", "Hand-back is before hand-in."
        )
    if unit.sale_date is not None and repair.hand_in < unit.sale_date:
        raise invalid_field(
            "body.hand_in", "repair_before_sale", "The repair is before the unit was sold."
        )
    if repair.hand_back is None and any(
        other is not repair and other.hand_back is None for other in unit.repairs
    ):
        raise ApiError(409, "repair_already_open", f"Unit {unit.serial} is already in repair.")


# Serial lookup


async def lookup_serial(
    session: AsyncSession, serial: str, model_code: str | None = None
) -> SerialLookupResult:
    """Registered unit, a well-formed unregistered serial, or invalid with the reason."""
    normalised = _normalised_serial_field(serial, "body.serial")
    snapshot = await catalogue_snapshot(session)
    named = None
    if model_code is not None:
        named = snapshot.model(model_code)
        if named is None:
            raise invalid_field(
                "body.model_code", "unknown_model", f"There is no model {model_code}."
            )
    unit = await find_unit(session, normalised)
    if unit is not None:
        differs = named is not None and named.code != unit.model.code
        return _result(
            SerialResult.REGISTERED,
            normalised,
            unit=UnitSummary.of(unit),
            models=[model_record(unit.model)],
            manufacture_date=unit.manufacture_date
            or _encoded_date(snapshot.serial_rules.get(unit.model.code), normalised),
            reason=SerialReason.REGISTERED_MODEL_DIFFERS if differs else None,
        )
    rules = list(snapshot.serial_rules.values())
    given = snapshot.serial_rules.get(named.code) if named is not None else None
    verdict: SerialVerdict = check_serial(normalised, rules, given, date.today())
    return _result(
        verdict.result,
        normalised,
        models=[snapshot.models_by_code[code] for code in verdict.model_codes],
        manufacture_date=verdict.manufacture_date,
        reason=verdict.reason,
    )


def _encoded_date(rule: SerialRule | None, serial: str) -> date | None:
    match = rule.pattern.match(serial) if rule is not None else None
    if match is None:
        return None
    try:
        return decode_manufacture_date(match)
    except ImpossibleDateError:
        return None


def _result(
    result: SerialResult,
    serial: str,
    *,
    models: Sequence[Any],
    manufacture_date: date | None,
    reason: SerialReason | None,
    unit: UnitSummary | None = None,
) -> SerialLookupResult:
    reason_zh, reason_en = SERIAL_REASON_TEXTS[reason] if reason else (None, None)
    return SerialLookupResult(
        result=result,
        serial=serial,
        unit=unit,
        model_candidates=[ModelRef.of(model) for model in models],
        manufacture_date=manufacture_date,
        reason_code=reason,
        reason_zh=reason_zh,
        reason_en=reason_en,
    )


# Upserts by natural key (seed files)


async def save_unit(
    session: AsyncSession,
    data: UnitCreate,
    repairs: Sequence[RepairCreate] | None,
    max_text_chars: int,
) -> Unit:
    """Upsert a unit by serial; given `repairs`, its repair history becomes exactly those.

    A seed file describes a unit's history whole, with dates that may be relative to the day
    it is loaded, so repairs are replaced rather than matched by date. The old history goes
    first: the unit's new sale date is checked against the new repairs, not the old ones.
    """
    unit = await find_unit(session, data.serial)
    if unit is None:
        unit = await _insert_unit(session, data)
    else:
        if repairs is not None:
            unit.repairs.clear()
            await session.flush()
        await _set_unit_fields(session, unit, data.model_dump(exclude={"serial"}))
        await session.flush()
    for repair in sorted(repairs or (), key=lambda item: item.hand_in):
        await _add_repair(session, unit, repair, max_text_chars)
    return unit
