"""Opaque cursors: what the api hands out comes back intact; anything else is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from api.errors import ApiError
from api.scheduling.paging import (
    decode_change_cursor,
    decode_id_cursor,
    encode_change_cursor,
    encode_id_cursor,
)


def _forged(position: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def test_cursors_round_trip() -> None:
    stamp = datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=UTC)
    assert decode_change_cursor(encode_change_cursor(stamp, 42)) == (stamp, 42)
    assert decode_id_cursor(encode_id_cursor(7)) == 7


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "bm90IGpzb24",
        _forged(["id", 7]),
        _forged(["changed", "2026-12-01T01:00:00", 1]),
        _forged(["changed", "0001-01-01T00:00:00+05:00", 1]),
        _forged(["changed", "yesterday", 1]),
        _forged(["changed", 20261201, 1]),
        _forged(["changed", "2026-12-01T01:00:00+00:00", -1]),
        _forged(["changed", "2026-12-01T01:00:00+00:00", 2**40]),
        _forged(["changed", "2026-12-01T01:00:00+00:00", True]),
        _forged({"changed": 1}),
    ],
)
def test_foreign_change_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ApiError) as refused:
        decode_change_cursor(cursor)
    assert (refused.value.status, refused.value.code) == (422, "invalid_cursor")


@pytest.mark.parametrize("cursor", ["", _forged(["changed", "x", 1]), _forged(["id", "7"])])
def test_foreign_id_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ApiError):
        decode_id_cursor(cursor)
