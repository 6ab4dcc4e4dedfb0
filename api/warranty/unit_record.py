"""A registered unit as the warranty check needs it: the unit, its model and its repairs,
read in one query.

On SQLite the async driver runs every cursor call on the connection's own thread, and
SQLAlchemy's cursor adapter spends four thread hand-offs on one query (cursor, execute,
fetchall, close). Under concurrent load those hand-offs cost more than the decision itself,
so there the compiled statement goes through the driver's ``execute_fetchall`` (one
hand-off), and SQLAlchemy's own result processors turn the stored text back into dates and
booleans. Other drivers run the same statement through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Dialect, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.catalogue.models import ProductModel, Unit, UnitRepair
from api.catalogue.resolver import ModelRecord
from api.warranty.decision_model import EarlierRepair

ONE_HOP_DRIVERS = frozenset({"aiosqlite"})

# Only authorised repairs count: they are the ones that extend windows and that the
# repeated-repair rule is about.
UNIT_FACTS = (
    select(
        Unit.serial,
        Unit.sale_date,
        Unit.proof_on_file,
        Unit.manufacture_date,
        Unit.exchange_date,
        ProductModel.code,
        ProductModel.name_zh,
        ProductModel.name_en,
        ProductModel.category_code,
        ProductModel.brand_code,
        ProductModel.launch_date,
        UnitRepair.hand_in,
        UnitRepair.hand_back,
        UnitRepair.component,
        UnitRepair.symptom,
        UnitRepair.free,
    )
    .join(ProductModel, ProductModel.id == Unit.model_id)
    .outerjoin(
        UnitRepair,
        (UnitRepair.unit_id == Unit.id) & UnitRepair.repaired_by_authorised.is_(True),
    )
    .where(Unit.serial == bindparam("serial"))
    .order_by(UnitRepair.hand_in)
)


@dataclass(frozen=True, slots=True)
class RegisteredUnit:
    serial: str
    model: ModelRecord
    sale_date: date | None
    proof_on_file: bool
    manufacture_date: date | None
    exchange_date: date | None
    repairs: tuple[EarlierRepair, ...]


async def find_registered_unit(session: AsyncSession, serial: str) -> RegisteredUnit | None:
    """The unit with this (normalised) serial, its model and authorised repairs, or None."""
    rows = await unit_rows(await session.connection(), serial)
    return registered_unit(rows) if rows else None


async def unit_rows(connection: AsyncConnection, serial: str) -> Sequence[Sequence[Any]]:
    """The rows of `UNIT_FACTS`: one per authorised repair, or one without a repair."""
    if connection.dialect.driver in ONE_HOP_DRIVERS:
        compiled = _compiled_for(connection.dialect)
        driver_connection = (await connection.get_raw_connection()).driver_connection
        raw_rows = await driver_connection.execute_fetchall(compiled.sql, (serial,))
        return [compiled.convert(row) for row in raw_rows]
    return (await connection.execute(UNIT_FACTS, {"serial": serial})).all()


def registered_unit(rows: Sequence[Sequence[Any]]) -> RegisteredUnit:
    (serial, sale_date, proof_on_file, manufacture_date, exchange_date) = rows[0][:5]
    code, name_zh, name_en, category, brand, launch_date = rows[0][5:11]
    repairs = tuple(
        EarlierRepair(
            handed_in=hand_in,
            handed_back=hand_back,
            component=component,
            symptom=symptom,
            paid=not free,
        )
        for hand_in, hand_back, component, symptom, free in (row[11:] for row in rows)
        if hand_in is not None
    )
    return RegisteredUnit(
        serial=serial,
        model=ModelRecord(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            category=category,
            brand=brand,
            launch_date=launch_date,
        ),
        sale_date=sale_date,
        proof_on_file=bool(proof_on_file),
        manufacture_date=manufacture_date,
        exchange_date=exchange_date,
        repairs=repairs,
    )


@dataclass(frozen=True, slots=True)
class _CompiledStatement:
    sql: str
    processors: tuple[Callable[[Any], Any] | None, ...]

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, row, strict=True)
        )


_COMPILED: dict[str, _CompiledStatement] = {}


def _compiled_for(dialect: Dialect) -> _CompiledStatement:
    """`UNIT_FACTS` as the driver's SQL, with the column types' result processors."""
    compiled = _COMPILED.get(dialect.name)
    if compiled is None:
        statement = UNIT_FACTS.compile(dialect=dialect)
        if list(statement.positiontup or ()) != ["serial"]:
            raise RuntimeError(f"unexpected bind parameters {statement.positiontup}")
        compiled = _CompiledStatement(
            sql=str(statement),
            processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in UNIT_FACTS.selected_columns
            ),
        )
        _COMPILED[dialect.name] = compiled
    return compiled
