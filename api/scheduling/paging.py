"""Opaque page cursors: a position in a listing, encoded so that clients cannot rely on it."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from api.errors import ApiError, invalid_field

_MAX_ID = 2**31 - 1
"""Ids are 32-bit integer columns."""


def _encode(position: object) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid() from None


def _invalid() -> ApiError:
    return invalid_field(
        "query.cursor", "invalid_cursor", "The cursor is not one this api handed out."
    )


def _valid_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_ID:
        raise _invalid()
    return value


def encode_id_cursor(last_id: int) -> str:
    return _encode(["id", last_id])


def decode_id_cursor(cursor: str) -> int:
    position = _decode(cursor)
    if not isinstance(position, list) or len(position) != 2 or position[0] != "id":
        raise _invalid()
    return _valid_id(position[1])


def encode_change_cursor(updated_at: datetime, last_id: int) -> str:
    return _encode(["changed", updated_at.astimezone(UTC).isoformat(), last_id])


def decode_change_cursor(cursor: str) -> tuple[datetime, int]:
    position = _decode(cursor)
    if not isinstance(position, list) or len(position) != 3 or position[0] != "changed":
        raise _invalid()
    _, stamp, last_id = position
    if not isinstance(stamp, str):
        raise _invalid()
    try:
        updated_at = datetime.fromisoformat(stamp)
        if updated_at.tzinfo is None:
            raise ValueError("a cursor's time has an offset")
        return updated_at.astimezone(UTC), _valid_id(last_id)
    except (ValueError, OverflowError):
        raise _invalid() from None
