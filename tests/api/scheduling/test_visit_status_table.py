"""Every pair of visit statuses against the visit status machine, allowed and refused."""

from __future__ import annotations

import pytest

from api.cases.status import CaseStatus
from api.scheduling.visit_status import (
    ACTIVE_STATUSES,
    CASE_STATUS_AFTER,
    IllegalVisitTransitionError,
    VisitStatus,
    advance,
    is_final,
)

ALL = ["booked", "en_route", "started", "completed", "no_show", "cancelled"]

# Written out by hand, independently of the module under test.
ALLOWED = {
    "booked": {"booked", "en_route", "started", "no_show", "cancelled"},
    "en_route": {"booked", "started", "no_show", "cancelled"},
    "started": {"completed"},
    "completed": set(),
    "no_show": set(),
    "cancelled": set(),
}

PAIRS = [
    pytest.param(source, target, target in ALLOWED[source], id=f"{source}->{target}")
    for source in ALL
    for target in ALL
]


def test_the_table_names_every_status() -> None:
    assert sorted(ALL) == sorted(status.value for status in VisitStatus)


@pytest.mark.parametrize(("source", "target", "allowed"), PAIRS)
def test_every_pair(source: str, target: str, allowed: bool) -> None:
    if allowed:
        assert advance(VisitStatus(source), VisitStatus(target)) is VisitStatus(target)
    else:
        with pytest.raises(IllegalVisitTransitionError) as refused:
            advance(VisitStatus(source), VisitStatus(target))
        assert (refused.value.source, refused.value.target) == (source, target)


@pytest.mark.parametrize("status", ALL)
def test_final_statuses_are_those_without_exits(status: str) -> None:
    assert is_final(VisitStatus(status)) == (status in {"completed", "no_show", "cancelled"})


def test_active_visits_are_those_holding_a_seat_for_the_future() -> None:
    assert {status.value for status in ACTIVE_STATUSES} == {"booked", "en_route", "started"}


def test_the_case_follows_its_visit() -> None:
    assert {status.value: case.value for status, case in CASE_STATUS_AFTER.items()} == {
        "booked": CaseStatus.VISIT_BOOKED.value,
        "started": CaseStatus.IN_REPAIR.value,
        "completed": CaseStatus.RESOLVED.value,
        "cancelled": CaseStatus.AWAITING_VISIT.value,
        "no_show": CaseStatus.AWAITING_VISIT.value,
    }
