"""Rules for text that callers send.

Identifiers (serials, model codes, names) must not hide control or formatting characters:
they end up in logs, exports and other systems, where an invisible character changes their
meaning. Free text is stored exactly as written; only characters that no database can store
(NUL, unpaired surrogates) are refused, so nothing the consumer typed is silently altered.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from api.errors import invalid_field

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_SURROUNDING_SPACE = " \u3000"  # ASCII and ideographic (full-width) spaces


def visible_text(value: str) -> str:
    """Refuse control and formatting characters; trim surrounding spaces."""
    hidden = next((ch for ch in value if unicodedata.category(ch) in _HIDDEN_CATEGORIES), None)
    if hidden is not None:
        raise ValueError(f"must not contain control characters (found U+{ord(hidden):04X})")
    trimmed = value.strip(_SURROUNDING_SPACE)
    if not trimmed:
        raise ValueError("must not be blank")
    return trimmed


def storable_text(value: str) -> str:
    """Keep free text verbatim; refuse only what a database cannot store."""
    for ch in value:
        if ch == "\x00" or unicodedata.category(ch) == "Cs":
            raise ValueError(f"contains a character that cannot be stored (U+{ord(ch):04X})")
    return value


Identifier = Annotated[str, StringConstraints(max_length=64), AfterValidator(visible_text)]
"""A short identifier a person typed or read off a label: a serial, a model code, a brand."""

PersonName = Annotated[str, StringConstraints(max_length=200), AfterValidator(visible_text)]

FreeText = Annotated[str, AfterValidator(storable_text)]
"""Text kept verbatim; its length is limited by the api's ``max_text_chars`` setting."""

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""A vocabulary code: lowercase letters, digits and underscores, e.g. ``air_conditioner``."""


def ensure_within_limit(field: str, value: str | None, limit: int) -> None:
    """Refuse free text longer than the configured limit, naming the field."""
    if value is not None and len(value) > limit:
        name = field.rsplit(".", 1)[-1]
        raise invalid_field(
            field,
            "text_too_long",
            f"{name} has {len(value)} characters; at most {limit} are accepted.",
        )
