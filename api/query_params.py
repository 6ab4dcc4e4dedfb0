"""Query parameters shared by several routers."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from api.errors import invalid_field

Code = TypeVar("Code", bound=StrEnum)


def parse_code_list(
    raw: str, codes: type[Code], *, field: str, allow_empty: bool = False
) -> list[Code]:
    """Parse a comma-separated list of codes (``open,claimed``); unknown codes are a 422 on
    ``field``, and so is a list with no code at all unless ``allow_empty``."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    known = {code.value for code in codes}
    unknown = [name for name in names if name not in known]
    if unknown or not (names or allow_empty):
        raise invalid_field(
            field,
            "unknown_status",
            f"Unknown status {', '.join(unknown) or '(none)'}; known: {', '.join(codes)}.",
        )
    return [codes(name) for name in names]
