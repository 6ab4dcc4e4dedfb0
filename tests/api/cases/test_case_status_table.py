"""Every pair of statuses against the case status machine, allowed and refused."""

from __future__ import annotations

import pytest

from api.cases.status import CaseState, CaseStatus, IllegalTransitionError, advance

ALL = [status.value for status in CaseStatus]
NOT_FINAL = ["open", "troubleshooting", "awaiting_visit", "visit_booked", "in_repair", "resolved"]

# Written out by hand, independently of the module under test.
ALLOWED_FROM_ORDINARY = {
    "open": {"troubleshooting", "awaiting_visit", "escalated", "cancelled"},
    "troubleshooting": {"awaiting_visit", "resolved", "escalated", "cancelled"},
    "awaiting_visit": {"visit_booked", "escalated", "cancelled"},
    "visit_booked": {"in_repair", "awaiting_visit", "escalated", "cancelled"},
    "in_repair": {"resolved", "awaiting_visit", "escalated", "cancelled"},
    "resolved": {"closed", "awaiting_visit", "escalated", "cancelled"},
    "closed": set(),
    "cancelled": set(),
}
ALLOWED_FROM_ESCALATED = {
    "open": {
        "open",
        "troubleshooting",
        "awaiting_visit",
        "visit_booked",
        "in_repair",
        "resolved",
        "closed",
        "cancelled",
    },
    "troubleshooting": {
        "troubleshooting",
        "awaiting_visit",
        "visit_booked",
        "in_repair",
        "resolved",
        "closed",
        "cancelled",
    },
    "awaiting_visit": {
        "awaiting_visit",
        "visit_booked",
        "in_repair",
        "resolved",
        "closed",
        "cancelled",
    },
    "visit_booked": {"visit_booked", "in_repair", "resolved", "closed", "cancelled"},
    "in_repair": {"in_repair", "resolved", "closed", "cancelled"},
    "resolved": {"resolved", "closed", "cancelled"},
}

ORDINARY_PAIRS = [
    pytest.param(
        source,
        target,
        target in ALLOWED_FROM_ORDINARY[source],
        id=f"{source}->{target}",
    )
    for source in ALLOWED_FROM_ORDINARY
    for target in ALL
]
ESCALATED_PAIRS = [
    pytest.param(
        origin,
        target,
        target in ALLOWED_FROM_ESCALATED[origin],
        id=f"escalated(from {origin})->{target}",
    )
    for origin in ALLOWED_FROM_ESCALATED
    for target in ALL
]


def test_the_tables_cover_every_status() -> None:
    assert set(ALLOWED_FROM_ORDINARY) | {"escalated"} == set(ALL)
    assert set(ALLOWED_FROM_ESCALATED) == set(NOT_FINAL)
    assert len(ORDINARY_PAIRS) == 8 * 9
    assert len(ESCALATED_PAIRS) == 6 * 9


@pytest.mark.parametrize(("source", "target", "allowed"), ORDINARY_PAIRS)
def test_ordinary_status_pairs(source: str, target: str, allowed: bool) -> None:
    state = CaseState(CaseStatus(source))
    if not allowed:
        with pytest.raises(IllegalTransitionError) as refused:
            advance(state, CaseStatus(target))
        assert (refused.value.source, refused.value.target) == (source, target)
        return
    following = advance(state, CaseStatus(target))
    assert following.status == target
    expected_origin = source if target == "escalated" else None
    assert following.escalated_from == expected_origin


@pytest.mark.parametrize(("origin", "target", "allowed"), ESCALATED_PAIRS)
def test_escalated_status_pairs(origin: str, target: str, allowed: bool) -> None:
    state = CaseState(CaseStatus.ESCALATED, escalated_from=CaseStatus(origin))
    if not allowed:
        with pytest.raises(IllegalTransitionError) as refused:
            advance(state, CaseStatus(target))
        assert (refused.value.source, refused.value.target) == ("escalated", target)
        return
    assert advance(state, CaseStatus(target)) == CaseState(CaseStatus(target))


def test_the_main_line_runs_from_open_to_closed() -> None:
    state = CaseState(CaseStatus.OPEN)
    for step in ["troubleshooting", "awaiting_visit", "visit_booked", "in_repair", "resolved"]:
        state = advance(state, CaseStatus(step))
    assert advance(state, CaseStatus.CLOSED) == CaseState(CaseStatus.CLOSED)


@pytest.mark.parametrize(
    ("status", "origin"),
    [
        ("escalated", None),
        ("open", "troubleshooting"),
        ("escalated", "escalated"),
        ("escalated", "closed"),
    ],
)
def test_a_state_knows_its_escalation_origin_exactly_when_escalated(
    status: str, origin: str | None
) -> None:
    with pytest.raises(ValueError, match="escalat"):
        CaseState(CaseStatus(status), CaseStatus(origin) if origin else None)
