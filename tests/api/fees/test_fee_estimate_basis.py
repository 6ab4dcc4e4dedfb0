"""Whether a case's stored warranty decision makes the repair free, paid or not yet known."""

from __future__ import annotations

from typing import Any

import pytest

from api.fees.estimate import (
    FREE_BY_STATUS,
    PAID_BY_STATUS,
    UNDECIDED,
    Basis,
    Text,
    basis_of_snapshot,
)

EXCLUSION = Text(zh="已确认人为损坏", en="Confirmed accident damage")


@pytest.mark.parametrize(
    ("snapshot", "basis", "reason"),
    [
        (None, Basis.UNDECIDED, UNDECIDED),
        ({"status": "needs_proof", "entitlements": []}, Basis.UNDECIDED, UNDECIDED),
        ({"status": "in_warranty"}, Basis.FREE, FREE_BY_STATUS),
        (
            {"status": "in_warranty", "entitlements": ["exchange", "free_repair"]},
            Basis.FREE,
            FREE_BY_STATUS,
        ),
        (
            {"status": "out_of_warranty", "entitlements": ["paid_repair"]},
            Basis.PAID,
            PAID_BY_STATUS,
        ),
        (
            {
                "status": "in_warranty",
                "entitlements": ["paid_repair"],
                "reasons": [
                    {"code": "exclusion_confirmed", "zh": EXCLUSION.zh, "en": EXCLUSION.en}
                ],
            },
            Basis.PAID,
            EXCLUSION,
        ),
        ({"status": "whatever", "entitlements": [{"x": 1}]}, Basis.UNDECIDED, UNDECIDED),
    ],
)
def test_the_basis_follows_the_entitlements_then_the_status(
    snapshot: dict[str, Any] | None, basis: Basis, reason: Text
) -> None:
    found_basis, found_reason = basis_of_snapshot(snapshot)
    assert found_basis is basis
    assert (found_reason.zh, found_reason.en) == (reason.zh, reason.en)
