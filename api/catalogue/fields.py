"""Constrained field types shared by the catalogue's request schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from api.catalogue.models import (
    HINT_LENGTH,
    MODEL_CODE_LENGTH,
    NAME_LENGTH,
    PATTERN_LENGTH,
    SERIAL_LENGTH,
)
from api.catalogue.text import has_control_characters

MAX_ALIASES = 30


def printable_single_line(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only whitespace")
    return stripped


def _printable_text(value: str) -> str:
    if has_control_characters(value, allow_line_breaks=True):
        raise ValueError("must not contain control characters other than line breaks and tabs")
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only whitespace")
    return stripped


ModelCode = Annotated[
    str,
    Field(
        max_length=MODEL_CODE_LENGTH,
        description="Model code as printed by the maker, e.g. KFR-35GW/BpR3.",
        examples=["KFR-35GW/BpR3"],
    ),
    AfterValidator(printable_single_line),
]
Serial = Annotated[
    str,
    Field(
        max_length=SERIAL_LENGTH,
        description="Serial number or IMEI; spaces and dashes are ignored, case too.",
        examples=["GR230535BP001234"],
    ),
    AfterValidator(printable_single_line),
]
BrandCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$"),
    Field(description="Lower-case brand code, e.g. gree.", examples=["gree"]),
]
Name = Annotated[
    str,
    Field(max_length=NAME_LENGTH),
    AfterValidator(printable_single_line),
]
Alias = Annotated[
    str,
    Field(max_length=NAME_LENGTH),
    AfterValidator(printable_single_line),
]
AliasList = Annotated[
    list[Alias],
    Field(
        max_length=MAX_ALIASES,
        description="Other names consumers use: series names, capacities, local spellings.",
    ),
]
Hint = Annotated[
    str,
    Field(max_length=HINT_LENGTH),
    AfterValidator(printable_single_line),
]
SerialPatternText = Annotated[
    str,
    Field(
        max_length=PATTERN_LENGTH,
        description=(
            "Regular expression a whole serial must match (case-insensitive). Optional named "
            "groups year (2 or 4 digits), month and day encode the manufacture date."
        ),
        examples=[r"GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])35BP\d{6}"],
    ),
    AfterValidator(printable_single_line),
]
FreeText = Annotated[
    str,
    Field(description="Free text; the api's max_text_chars setting limits its length."),
    AfterValidator(_printable_text),
]
