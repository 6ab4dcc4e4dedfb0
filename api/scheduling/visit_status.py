"""The visit status machine, and the case status each visit status asks for.

``booked → en_route → started → completed``; a booked or en-route visit may also be
rescheduled (back to ``booked`` in another window), cancelled, or marked ``no_show`` when
nobody was there to let the technician in. A technician may start without having reported
being en route.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from api.cases.status import CaseStatus


class VisitStatus(StrEnum):
    BOOKED = "booked"
    EN_ROUTE = "en_route"
    STARTED = "started"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


_V = VisitStatus

TRANSITIONS: Mapping[VisitStatus, frozenset[VisitStatus]] = {
    _V.BOOKED: frozenset({_V.BOOKED, _V.EN_ROUTE, _V.STARTED, _V.NO_SHOW, _V.CANCELLED}),
    # A technician who will be late agrees a new time: en route goes back to booked.
    _V.EN_ROUTE: frozenset({_V.BOOKED, _V.STARTED, _V.NO_SHOW, _V.CANCELLED}),
    _V.STARTED: frozenset({_V.COMPLETED}),
    _V.COMPLETED: frozenset(),
    _V.NO_SHOW: frozenset(),
    _V.CANCELLED: frozenset(),
}

ACTIVE_STATUSES = frozenset({_V.BOOKED, _V.EN_ROUTE, _V.STARTED})
"""A visit in one of these holds its seat and is the case's current visit."""

FIELD_STATUSES = frozenset({_V.EN_ROUTE, _V.STARTED, _V.COMPLETED, _V.NO_SHOW})
"""Statuses the dispatch backend reports from the field."""

# What the case becomes when its visit reaches a status. Booked, started and completed move
# the case along its main line; cancelled and no-show put it back in the queue for a visit.
CASE_STATUS_AFTER: Mapping[VisitStatus, CaseStatus] = {
    _V.BOOKED: CaseStatus.VISIT_BOOKED,
    _V.STARTED: CaseStatus.IN_REPAIR,
    _V.COMPLETED: CaseStatus.RESOLVED,
    _V.CANCELLED: CaseStatus.AWAITING_VISIT,
    _V.NO_SHOW: CaseStatus.AWAITING_VISIT,
}


class IllegalVisitTransitionError(ValueError):
    def __init__(self, source: VisitStatus, target: VisitStatus) -> None:
        super().__init__(f"a visit may not go from {source} to {target}")
        self.source = source
        self.target = target


def allowed_targets(status: VisitStatus) -> frozenset[VisitStatus]:
    return TRANSITIONS[status]


def advance(status: VisitStatus, target: VisitStatus) -> VisitStatus:
    """``target`` when the machine allows the move; `IllegalVisitTransitionError` otherwise."""
    if target not in TRANSITIONS[status]:
        raise IllegalVisitTransitionError(status, target)
    return target


def is_final(status: VisitStatus) -> bool:
    return not TRANSITIONS[status]
