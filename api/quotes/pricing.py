"""Checking a quote's lines against the published schedule of the case's category."""

from __future__ import annotations

from collections.abc import Sequence

from api.errors import FieldProblem
from api.fees.schedule_model import CategoryFees
from api.quotes.schemas import LineKind, QuoteLineIn

CODE = "off_schedule"
PRICE = "unit_price_fen"


def off_schedule(lines: Sequence[QuoteLineIn], fees: CategoryFees) -> list[FieldProblem]:
    """One problem per line that departs from the schedule (allowed only with a reason)."""
    problems: list[FieldProblem] = []
    for index, line in enumerate(lines):
        problem = _line_problem(line, fees)
        if problem is not None:
            name, message = problem
            problems.append(
                FieldProblem(field=f"body.lines.{index}.{name}", message=message, type=CODE)
            )
    return problems


def _line_problem(line: QuoteLineIn, fees: CategoryFees) -> tuple[str, str] | None:
    """The field at fault and what is wrong, or None for a line within the schedule."""
    price = line.unit_price_fen
    if line.kind is LineKind.VISIT:
        if price > fees.visit_fee_fen:
            return PRICE, f"{price} fen is above the visit fee of {fees.visit_fee_fen} fen"
        return None
    assert line.code is not None
    if line.kind is LineKind.LABOUR:
        rate = fees.labour.get(line.code)
        if rate is None:
            return "code", f"repair type {line.code} is not in the schedule"
        assert line.band is not None
        band = rate.bands.get(line.band)
        if band is None:
            return "band", f"repair type {line.code} has no {line.band} band in the schedule"
        if not band.holds(price):
            return PRICE, (
                f"{price} fen is outside the {line.code} {line.band} band "
                f"({band.min_fen}–{band.max_fen} fen)"
            )
        return None
    part = fees.parts.get(line.code)
    if part is None:
        return "code", f"part {line.code} is not in the schedule"
    if price > part.price_fen:
        return PRICE, f"{price} fen is above the list price of {part.price_fen} fen"
    return None
