"""The case status machine: which status may follow which, as explicit tables.

The main line is ``open → troubleshooting → awaiting_visit → visit_booked → in_repair →
resolved → closed``. Any status that is not final may be escalated to a person or cancelled;
an escalated case goes back to the status it came from, or onward along the main line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"
    TROUBLESHOOTING = "troubleshooting"
    AWAITING_VISIT = "awaiting_visit"
    VISIT_BOOKED = "visit_booked"
    IN_REPAIR = "in_repair"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"


_S = CaseStatus

MAIN_LINE: tuple[CaseStatus, ...] = (
    _S.OPEN,
    _S.TROUBLESHOOTING,
    _S.AWAITING_VISIT,
    _S.VISIT_BOOKED,
    _S.IN_REPAIR,
    _S.RESOLVED,
    _S.CLOSED,
)
FINAL_STATUSES = frozenset({_S.CLOSED, _S.CANCELLED})

# Beyond the next step on the main line, a few moves that real cases need:
# - open → awaiting_visit: installations and consumers who want a technician at once skip
#   remote troubleshooting;
# - troubleshooting → resolved: the fault was fixed remotely;
# - visit_booked / in_repair → awaiting_visit: the visit was cancelled or missed, or another
#   visit is needed (parts, second technician);
# - resolved → awaiting_visit: the consumer reports the fault is back before closing.
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    _S.OPEN: frozenset({_S.TROUBLESHOOTING, _S.AWAITING_VISIT, _S.ESCALATED, _S.CANCELLED}),
    _S.TROUBLESHOOTING: frozenset({_S.AWAITING_VISIT, _S.RESOLVED, _S.ESCALATED, _S.CANCELLED}),
    _S.AWAITING_VISIT: frozenset({_S.VISIT_BOOKED, _S.ESCALATED, _S.CANCELLED}),
    _S.VISIT_BOOKED: frozenset({_S.IN_REPAIR, _S.AWAITING_VISIT, _S.ESCALATED, _S.CANCELLED}),
    _S.IN_REPAIR: frozenset({_S.RESOLVED, _S.AWAITING_VISIT, _S.ESCALATED, _S.CANCELLED}),
    _S.RESOLVED: frozenset({_S.CLOSED, _S.AWAITING_VISIT, _S.ESCALATED, _S.CANCELLED}),
    _S.CLOSED: frozenset(),
    _S.CANCELLED: frozenset(),
}

# Where an escalated case may go, by the status it was escalated from.
ESCALATION_EXITS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    _S.OPEN: frozenset(
        {
            _S.OPEN,
            _S.TROUBLESHOOTING,
            _S.AWAITING_VISIT,
            _S.VISIT_BOOKED,
            _S.IN_REPAIR,
            _S.RESOLVED,
            _S.CLOSED,
            _S.CANCELLED,
        }
    ),
    _S.TROUBLESHOOTING: frozenset(
        {
            _S.TROUBLESHOOTING,
            _S.AWAITING_VISIT,
            _S.VISIT_BOOKED,
            _S.IN_REPAIR,
            _S.RESOLVED,
            _S.CLOSED,
            _S.CANCELLED,
        }
    ),
    _S.AWAITING_VISIT: frozenset(
        {_S.AWAITING_VISIT, _S.VISIT_BOOKED, _S.IN_REPAIR, _S.RESOLVED, _S.CLOSED, _S.CANCELLED}
    ),
    _S.VISIT_BOOKED: frozenset(
        {_S.VISIT_BOOKED, _S.IN_REPAIR, _S.RESOLVED, _S.CLOSED, _S.CANCELLED}
    ),
    _S.IN_REPAIR: frozenset({_S.IN_REPAIR, _S.RESOLVED, _S.CLOSED, _S.CANCELLED}),
    _S.RESOLVED: frozenset({_S.RESOLVED, _S.CLOSED, _S.CANCELLED}),
}


@dataclass(frozen=True, slots=True)
class CaseState:
    status: CaseStatus
    escalated_from: CaseStatus | None = None
    """The status an escalated case came from; None unless ``status`` is escalated."""

    def __post_init__(self) -> None:
        escalated = self.status is _S.ESCALATED
        if escalated != (self.escalated_from is not None):
            raise ValueError("escalated_from is set exactly when the status is escalated")
        if escalated and self.escalated_from not in ESCALATION_EXITS:
            raise ValueError(f"a case cannot have been escalated from {self.escalated_from}")


class IllegalTransitionError(ValueError):
    def __init__(self, source: CaseStatus, target: CaseStatus) -> None:
        super().__init__(f"a case may not go from {source} to {target}")
        self.source = source
        self.target = target


def allowed_targets(state: CaseState) -> frozenset[CaseStatus]:
    if state.escalated_from is not None:
        return ESCALATION_EXITS[state.escalated_from]
    return TRANSITIONS[state.status]


def advance(state: CaseState, target: CaseStatus) -> CaseState:
    """The state after moving to ``target``; `IllegalTransitionError` if the move is refused."""
    if target not in allowed_targets(state):
        raise IllegalTransitionError(state.status, target)
    if target is _S.ESCALATED:
        return CaseState(_S.ESCALATED, escalated_from=state.status)
    return CaseState(target)


def is_final(status: CaseStatus) -> bool:
    return status in FINAL_STATUSES
