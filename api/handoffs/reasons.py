"""Why a conversation goes to a person, and how urgently it must be answered."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class HandoffReason(StrEnum):
    REQUESTED = "requested"
    COMPLAINT = "complaint"
    NLU_FAILURE = "nlu_failure"
    VALIDATION_FAILURE = "validation_failure"
    WARRANTY_DISPUTE = "warranty_dispute"
    NO_CAPACITY = "no_capacity"
    LOW_SURVEY_SCORE = "low_survey_score"
    SAFETY = "safety"


class HandoffPriority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK: Mapping[HandoffPriority, int] = {
    HandoffPriority.NORMAL: 0,
    HandoffPriority.HIGH: 1,
    HandoffPriority.URGENT: 2,
}

# Disputes and complaints carry a deadline of their own and an upset consumer; they go ahead
# of routine requests unless the caller says otherwise.
DEFAULT_PRIORITY: Mapping[HandoffReason, HandoffPriority] = {
    HandoffReason.REQUESTED: HandoffPriority.NORMAL,
    HandoffReason.COMPLAINT: HandoffPriority.HIGH,
    HandoffReason.NLU_FAILURE: HandoffPriority.NORMAL,
    HandoffReason.VALIDATION_FAILURE: HandoffPriority.NORMAL,
    HandoffReason.WARRANTY_DISPUTE: HandoffPriority.HIGH,
    HandoffReason.NO_CAPACITY: HandoffPriority.NORMAL,
    HandoffReason.LOW_SURVEY_SCORE: HandoffPriority.HIGH,
    HandoffReason.SAFETY: HandoffPriority.URGENT,
}


class PriorityNotAllowedError(ValueError):
    """A priority the reason does not permit."""


def priority_for(reason: HandoffReason, requested: HandoffPriority | None) -> HandoffPriority:
    """The priority a new handoff gets.

    Safety is always urgent, whatever the caller asked for: a wrong priority must never delay
    a safety issue. ``urgent`` is reserved for safety so that it keeps its meaning in the queue.
    """
    if reason is HandoffReason.SAFETY:
        return HandoffPriority.URGENT
    if requested is None:
        return DEFAULT_PRIORITY[reason]
    if requested is HandoffPriority.URGENT:
        raise PriorityNotAllowedError(
            f"priority urgent is reserved for reason safety; use normal or high for {reason}"
        )
    return requested


def outranks(candidate: HandoffPriority, current: HandoffPriority) -> bool:
    return PRIORITY_RANK[candidate] > PRIORITY_RANK[current]


def lower_than(priority: HandoffPriority) -> frozenset[HandoffPriority]:
    return frozenset(p for p, rank in PRIORITY_RANK.items() if rank < PRIORITY_RANK[priority])
