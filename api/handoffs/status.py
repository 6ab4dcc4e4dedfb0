"""The handoff status machine as an explicit table.

``queued → claimed → resolved``; a claimed handoff goes back to the queue when its agent
releases it; a queued one may be resolved without an agent (the matter was settled
otherwise); an open one may be cancelled. Resolved and cancelled are final.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class HandoffStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class HandoffAction(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    RESOLVE = "resolve"
    CANCEL = "cancel"


_S = HandoffStatus
_A = HandoffAction

TRANSITIONS: Mapping[tuple[HandoffStatus, HandoffAction], HandoffStatus] = {
    (_S.QUEUED, _A.CLAIM): _S.CLAIMED,
    (_S.QUEUED, _A.RESOLVE): _S.RESOLVED,
    (_S.QUEUED, _A.CANCEL): _S.CANCELLED,
    (_S.CLAIMED, _A.RELEASE): _S.QUEUED,
    (_S.CLAIMED, _A.RESOLVE): _S.RESOLVED,
    (_S.CLAIMED, _A.CANCEL): _S.CANCELLED,
}

OPEN_STATUSES: frozenset[HandoffStatus] = frozenset({_S.QUEUED, _S.CLAIMED})
"""At most one handoff per conversation is in one of these at a time."""


class IllegalHandoffTransitionError(ValueError):
    def __init__(self, source: HandoffStatus, action: HandoffAction) -> None:
        super().__init__(f"{action} is not possible for a {source} handoff")
        self.source = source
        self.action = action


def next_status(current: HandoffStatus, action: HandoffAction) -> HandoffStatus:
    """The status after ``action``; `IllegalHandoffTransitionError` if the table refuses it."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalHandoffTransitionError(current, action) from None


def sources_of(action: HandoffAction) -> frozenset[HandoffStatus]:
    """Statuses from which ``action`` is allowed: the guard of a conditional UPDATE."""
    return frozenset(source for source, act in TRANSITIONS if act is action)


def is_open(status: HandoffStatus) -> bool:
    return status in OPEN_STATUSES
