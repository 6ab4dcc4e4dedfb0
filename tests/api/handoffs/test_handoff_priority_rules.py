"""Which priority a handoff gets for its reason."""

from __future__ import annotations

import pytest

from api.handoffs.reasons import (
    HandoffPriority,
    HandoffReason,
    PriorityNotAllowedError,
    lower_than,
    outranks,
    priority_for,
)

N, H, U = HandoffPriority.NORMAL, HandoffPriority.HIGH, HandoffPriority.URGENT


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (HandoffReason.REQUESTED, N),
        (HandoffReason.COMPLAINT, H),
        (HandoffReason.NLU_FAILURE, N),
        (HandoffReason.VALIDATION_FAILURE, N),
        (HandoffReason.WARRANTY_DISPUTE, H),
        (HandoffReason.NO_CAPACITY, N),
        (HandoffReason.LOW_SURVEY_SCORE, H),
        (HandoffReason.SAFETY, U),
    ],
)
def test_default_priority_by_reason(reason: HandoffReason, expected: HandoffPriority) -> None:
    assert priority_for(reason, None) is expected


@pytest.mark.parametrize("requested", [None, N, H, U])
def test_safety_is_always_urgent(requested: HandoffPriority | None) -> None:
    assert priority_for(HandoffReason.SAFETY, requested) is U


@pytest.mark.parametrize("requested", [N, H])
def test_a_chosen_priority_is_kept(requested: HandoffPriority) -> None:
    assert priority_for(HandoffReason.COMPLAINT, requested) is requested
    assert priority_for(HandoffReason.REQUESTED, requested) is requested


@pytest.mark.parametrize("reason", [r for r in HandoffReason if r is not HandoffReason.SAFETY])
def test_urgent_is_reserved_for_safety(reason: HandoffReason) -> None:
    with pytest.raises(PriorityNotAllowedError, match="reserved for reason safety"):
        priority_for(reason, U)


def test_ranking() -> None:
    assert outranks(U, H) and outranks(H, N) and outranks(U, N)
    assert not outranks(N, N) and not outranks(N, H)
    assert lower_than(U) == {N, H}
    assert lower_than(N) == frozenset()
