"""The hours of the night in which a consumer is never messaged, in their own time zone.

All arithmetic is on UTC instants; the consumer's wall clock only marks where the quiet
period starts and ends, so changes of UTC offset are left to the time zone database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class QuietHours:
    starts: time
    """First quiet minute, e.g. 21:00."""
    ends: time
    """First minute after the quiet period, e.g. 09:00 (the next morning when it wraps)."""

    def __post_init__(self) -> None:
        if self.starts == self.ends:
            raise ValueError("a quiet period needs different start and end times")

    @property
    def wraps_midnight(self) -> bool:
        return self.starts > self.ends

    def is_quiet(self, local: time) -> bool:
        if self.wraps_midnight:
            return local >= self.starts or local < self.ends
        return self.starts <= local < self.ends

    def next_allowed(self, at: datetime, zone: ZoneInfo) -> datetime:
        """``at`` itself when it lies outside the quiet period, else the period's end (UTC)."""
        if at.tzinfo is None:
            raise ValueError("naive datetimes are refused; use UTC-aware values")
        local = at.astimezone(zone)
        wall_clock = local.time().replace(tzinfo=None)
        if not self.is_quiet(wall_clock):
            return at.astimezone(UTC)
        day = local.date()
        if self.wraps_midnight and wall_clock >= self.starts:
            day += timedelta(days=1)
        return datetime.combine(day, self.ends, tzinfo=zone).astimezone(UTC)
