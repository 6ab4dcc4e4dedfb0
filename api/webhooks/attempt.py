"""How one delivery attempt went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AttemptResult:
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    """The receiver's answer; None when there was none (timeout, connection error)."""
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
