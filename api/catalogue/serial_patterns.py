"""Serial-number patterns of product models: validation, shape and the encoded manufacture date.

A model's ``serial_pattern`` is a regular expression that a whole serial must match
(case-insensitively, with ASCII classes; serials are compared in upper case). Optional named
groups encode the manufacture date: ``year`` (2 or 4 digits; 2 digits mean 20YY), ``month``
and ``day``.

To tell a consumer *why* a serial does not fit (too short, a letter where only digits
belong) the pattern's shape is needed: its minimum and maximum length and the characters it
can ever accept. Python's ``re`` exposes no public parser, so this reads the parse tree of
``re._parser`` (the module behind ``re.compile`` itself, stable across 3.11–3.13).
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

DATE_GROUPS = ("year", "month", "day")
_GROUP_WIDTHS: dict[str, tuple[tuple[int, int], ...]] = {
    "year": ((2, 2), (4, 4)),
    "month": ((1, 2),),
    "day": ((1, 2),),
}
"""Allowed (shortest, longest) lengths of what each date group matches."""
_DIGITS = frozenset(string.digits)
_FLAGS = re.IGNORECASE | re.ASCII


class SerialPatternError(ValueError):
    """A serial pattern that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class SerialShape:
    min_length: int
    max_length: int
    alphabet: frozenset[str] | None
    """Every character the pattern can accept (upper case), or None when it accepts any."""

    def fits_length(self, serial: str) -> bool:
        return self.min_length <= len(serial) <= self.max_length

    def fits_alphabet(self, serial: str) -> bool:
        return self.alphabet is None or set(serial) <= self.alphabet


@dataclass(frozen=True, slots=True)
class SerialPattern:
    source: str
    regex: re.Pattern[str]
    shape: SerialShape

    def match(self, serial: str) -> re.Match[str] | None:
        return self.regex.fullmatch(serial)


def compile_serial_pattern(source: str) -> SerialPattern:
    """Compile and check a pattern; raises `SerialPatternError` with a readable reason."""
    try:
        regex = re.compile(source, _FLAGS)
        tree = sre_parse.parse(source, _FLAGS)
    except re.error as error:
        raise SerialPatternError(f"The pattern does not compile: {error}") from error
    _check_named_groups(regex, tree)
    if regex.fullmatch("") is not None:
        raise SerialPatternError("The pattern accepts an empty serial.")
    low, high = tree.getwidth()
    return SerialPattern(
        source=source,
        regex=regex,
        shape=SerialShape(low, high, _alphabet(list(tree))),
    )


def _check_named_groups(regex: re.Pattern[str], tree: Any) -> None:
    unknown = sorted(set(regex.groupindex) - set(DATE_GROUPS))
    if unknown:
        raise SerialPatternError(
            f"Unknown named group {', '.join(unknown)}; only year, month and day are understood."
        )
    if "day" in regex.groupindex and "month" not in regex.groupindex:
        raise SerialPatternError("A day group needs a month group.")
    if "month" in regex.groupindex and "year" not in regex.groupindex:
        raise SerialPatternError("A month group needs a year group.")
    widths = _group_widths(list(tree))
    for name, number in regex.groupindex.items():
        low, high = widths[number]
        allowed = _GROUP_WIDTHS[name]
        if not any(shortest <= low and high <= longest for shortest, longest in allowed):
            expected = " or ".join(
                f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
                for shortest, longest in allowed
            )
            raise SerialPatternError(f"The {name} group must match {expected} digits.")


def _group_widths(items: list[tuple[Any, Any]]) -> dict[int, tuple[int, int]]:
    widths: dict[int, tuple[int, int]] = {}
    for op, argument in items:
        if op is sre_constants.SUBPATTERN:
            group, _add_flags, _del_flags, body = argument
            if group is not None:
                widths[group] = body.getwidth()
            widths.update(_group_widths(list(body)))
        else:
            for body in _children(op, argument):
                widths.update(_group_widths(list(body)))
    return widths


def _children(op: Any, argument: Any) -> list[Any]:
    """Sub-patterns that consume characters (lookarounds consume none and are skipped)."""
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, _POSSESSIVE_REPEAT):
        return [argument[2]]
    if op is sre_constants.BRANCH:
        return list(argument[1])
    if op is sre_constants.ATOMIC_GROUP:
        return [argument]
    if op is sre_constants.GROUPREF_EXISTS:
        return [body for body in argument[1:] if body is not None]
    return []


_POSSESSIVE_REPEAT = getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT)
_OPEN_ALPHABET_OPS = frozenset(
    {sre_constants.ANY, sre_constants.NOT_LITERAL, sre_constants.GROUPREF}
)


def _alphabet(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, argument in items:
        if op in _OPEN_ALPHABET_OPS:
            return None
        if op is sre_constants.LITERAL:
            chars.add(chr(argument).upper())
        elif op is sre_constants.IN:
            accepted = _class_alphabet(argument)
            if accepted is None:
                return None
            chars |= accepted
        elif op is sre_constants.SUBPATTERN:
            nested = _alphabet(list(argument[3]))
            if nested is None:
                return None
            chars |= nested
        else:
            for body in _children(op, argument):
                nested = _alphabet(list(body))
                if nested is None:
                    return None
                chars |= nested
    return frozenset(chars)


def _class_alphabet(members: list[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, argument in members:
        if op is sre_constants.LITERAL:
            chars.add(chr(argument).upper())
        elif op is sre_constants.RANGE:
            low, high = argument
            if high - low > 0x7F:
                return None
            chars |= {chr(code).upper() for code in range(low, high + 1)}
        elif op is sre_constants.CATEGORY and argument is sre_constants.CATEGORY_DIGIT:
            chars |= _DIGITS
        else:
            return None
    return frozenset(chars)


class ImpossibleDateError(ValueError):
    """The serial encodes a date that does not exist (month 13, 30 February)."""


def decode_manufacture_date(match: re.Match[str]) -> date | None:
    """The manufacture date encoded by the pattern's named groups, or None if it has none.

    A serial with only a year or a year and month is dated to the first day of that period.
    """
    parts = {name: value for name, value in match.groupdict().items() if value is not None}
    if "year" not in parts:
        return None
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        raise ImpossibleDateError(f"the date fields {parts} are not all digits")
    year = int(parts["year"])
    if len(parts["year"]) == 2:
        year += 2000
    try:
        return date(year, int(parts.get("month", 1)), int(parts.get("day", 1)))
    except ValueError as error:
        raise ImpossibleDateError(str(error)) from error


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit of IMEIs: double every second digit from the right."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def looks_like_imei(serial: str) -> bool:
    return len(serial) == 15 and serial.isascii() and serial.isdigit()
