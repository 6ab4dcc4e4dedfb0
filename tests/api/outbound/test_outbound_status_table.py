"""The outbound item status machine and the retry policy, cell by cell."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.outbound.retry import RetryPolicy
from api.outbound.status import (
    FINAL_STATUSES,
    IllegalOutboundTransitionError,
    OutboundEvent,
    OutboundStatus,
    next_status,
    sources_of,
)

P, L, D, F, U, W = (
    OutboundStatus.PENDING,
    OutboundStatus.LEASED,
    OutboundStatus.DELIVERED,
    OutboundStatus.FAILED,
    OutboundStatus.UNDELIVERABLE,
    OutboundStatus.WITHDRAWN,
)
LEASE, ACK, RETRY, GIVE_UP, BLOCK, WITHDRAW = (
    OutboundEvent.LEASE,
    OutboundEvent.ACK,
    OutboundEvent.RETRY,
    OutboundEvent.GIVE_UP,
    OutboundEvent.BLOCK,
    OutboundEvent.WITHDRAW,
)

ALLOWED = {
    (P, LEASE): L,
    (P, BLOCK): U,
    (P, WITHDRAW): W,
    (L, LEASE): L,
    (L, ACK): D,
    (L, RETRY): P,
    (L, GIVE_UP): F,
    (L, BLOCK): U,
}
TABLE = [
    (status, event, ALLOWED.get((status, event)))
    for status in OutboundStatus
    for event in OutboundEvent
]


@pytest.mark.parametrize(("status", "event", "expected"), TABLE)
def test_transition(
    status: OutboundStatus, event: OutboundEvent, expected: OutboundStatus | None
) -> None:
    if expected is None:
        with pytest.raises(IllegalOutboundTransitionError):
            next_status(status, event)
        assert status not in sources_of(event)
    else:
        assert next_status(status, event) is expected
        assert status in sources_of(event)


def test_final_statuses_never_move() -> None:
    assert {D, F, U, W} == FINAL_STATUSES
    for status in FINAL_STATUSES:
        assert all(status not in sources_of(event) for event in OutboundEvent)


POLICY = RetryPolicy(
    max_attempts=4, base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=3)
)


@pytest.mark.parametrize(
    ("attempts", "delay_seconds"),
    [(0, 30), (1, 30), (2, 60), (3, 120), (4, 180), (50, 180), (10_000, 180)],
)
def test_delays_double_up_to_the_cap(attempts: int, delay_seconds: int) -> None:
    assert POLICY.delay_after(attempts) == timedelta(seconds=delay_seconds)


@pytest.mark.parametrize(
    ("attempts", "permanent", "blocked", "expected"),
    [
        (1, False, False, RETRY),
        (3, False, False, RETRY),
        (4, False, False, GIVE_UP),
        (1, True, False, GIVE_UP),
        (1, False, True, BLOCK),
        (4, True, True, BLOCK),
    ],
)
def test_what_a_failure_leads_to(
    attempts: int, permanent: bool, blocked: bool, expected: OutboundEvent
) -> None:
    assert POLICY.outcome(attempts, permanent=permanent, blocked=blocked) is expected


def test_a_policy_must_make_sense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=timedelta(hours=2), max_delay=timedelta(hours=1))
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=timedelta())
