"""When to try a failed delivery again, and when to stop trying."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Exponential backoff with jitter, capped, for a window of time.

    The nominal wait after the n-th failed attempt is ``first_delay * factor**(n-1)``, at most
    ``max_delay``; the actual wait is shortened at random by up to ``jitter`` of it, so that
    deliveries that failed together (a receiver outage) do not all come back at once.
    """

    first_delay: timedelta = timedelta(seconds=10)
    factor: float = 3.0
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.2
    window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if not timedelta() < self.first_delay <= self.max_delay:
            raise ValueError("need 0 < first_delay <= max_delay")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        if self.window <= timedelta():
            raise ValueError("window must be positive")

    def nominal_delay(self, failed_attempts: int) -> timedelta:
        """The wait after the ``failed_attempts``-th consecutive failure, before jitter."""
        if failed_attempts < 1:
            raise ValueError("failed_attempts starts at 1")
        first = self.first_delay.total_seconds()
        cap = self.max_delay.total_seconds()
        delay = first
        for _ in range(failed_attempts - 1):
            delay *= self.factor
            if delay >= cap:
                return self.max_delay
        return timedelta(seconds=delay)

    def delay(self, failed_attempts: int, rng: random.Random) -> timedelta:
        return self.nominal_delay(failed_attempts) * (1 - self.jitter * rng.random())

    def gives_up(self, first_attempted_at: datetime, failed_at: datetime) -> bool:
        """Whether a failure at ``failed_at`` ends a delivery first tried at
        ``first_attempted_at``: only once the delivery has been failing for the whole window."""
        return failed_at - first_attempted_at >= self.window
