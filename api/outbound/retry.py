"""What a failed delivery leads to, and how long to wait before the next attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from api.outbound.status import OutboundEvent

# Beyond this many doublings every delay is capped anyway; it keeps the arithmetic small.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not timedelta() < self.base_delay <= self.max_delay:
            raise ValueError("need 0 < base_delay <= max_delay")

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling from the base delay."""
        doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
        return min(self.max_delay, self.base_delay * (2**doublings))

    def outcome(self, attempts: int, *, permanent: bool, blocked: bool) -> OutboundEvent:
        """What a failure reported after ``attempts`` attempts does to the item."""
        if blocked:
            return OutboundEvent.BLOCK
        if permanent or attempts >= self.max_attempts:
            return OutboundEvent.GIVE_UP
        return OutboundEvent.RETRY
