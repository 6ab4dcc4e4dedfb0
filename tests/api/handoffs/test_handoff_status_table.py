"""The handoff status machine, cell by cell."""

from __future__ import annotations

import pytest

from api.handoffs.status import (
    OPEN_STATUSES,
    HandoffAction,
    HandoffStatus,
    IllegalHandoffTransitionError,
    is_open,
    next_status,
    sources_of,
)

Q, C, R, X = (
    HandoffStatus.QUEUED,
    HandoffStatus.CLAIMED,
    HandoffStatus.RESOLVED,
    HandoffStatus.CANCELLED,
)
CLAIM, RELEASE, RESOLVE, CANCEL = (
    HandoffAction.CLAIM,
    HandoffAction.RELEASE,
    HandoffAction.RESOLVE,
    HandoffAction.CANCEL,
)

# Every (status, action) pair: the status it leads to, or None when it is refused.
TABLE: list[tuple[HandoffStatus, HandoffAction, HandoffStatus | None]] = [
    (Q, CLAIM, C),
    (Q, RELEASE, None),
    (Q, RESOLVE, R),
    (Q, CANCEL, X),
    (C, CLAIM, None),
    (C, RELEASE, Q),
    (C, RESOLVE, R),
    (C, CANCEL, X),
    (R, CLAIM, None),
    (R, RELEASE, None),
    (R, RESOLVE, None),
    (R, CANCEL, None),
    (X, CLAIM, None),
    (X, RELEASE, None),
    (X, RESOLVE, None),
    (X, CANCEL, None),
]


def test_the_table_covers_every_pair() -> None:
    assert {(status, action) for status, action, _ in TABLE} == {
        (status, action) for status in HandoffStatus for action in HandoffAction
    }


@pytest.mark.parametrize(("status", "action", "expected"), TABLE)
def test_transition(
    status: HandoffStatus, action: HandoffAction, expected: HandoffStatus | None
) -> None:
    if expected is None:
        with pytest.raises(IllegalHandoffTransitionError) as refused:
            next_status(status, action)
        assert (refused.value.source, refused.value.action) == (status, action)
        assert status not in sources_of(action)
    else:
        assert next_status(status, action) is expected
        assert status in sources_of(action)


def test_open_statuses_are_the_ones_that_can_still_move() -> None:
    assert {Q, C} == OPEN_STATUSES
    for status in HandoffStatus:
        can_move = any(status in sources_of(action) for action in HandoffAction)
        assert is_open(status) is can_move
