"""Closed vocabularies of a guide: how urgent its fault is and how it can end remotely."""

from __future__ import annotations

from enum import StrEnum


class Urgency(StrEnum):
    """Scheduling hint for a visit: `urgent` is offered the earliest windows first."""

    NORMAL = "normal"
    URGENT = "urgent"


class RemoteOutcome(StrEnum):
    """When the case may end without a visit."""

    FIXED_AFTER_ANY_STEP = "fixed_after_any_step"
    """The consumer confirms the fault is gone after any step."""
    FIXED_AFTER_LAST_STEP = "fixed_after_last_step"
    """Only a fix confirmed once every step is done counts (e.g. a wait is part of the cure)."""
    NEVER = "never"
    """The guide prepares a visit or a replacement part; it never ends the case by itself."""
