"""The hours human agents work, and time counted only within them.

Agents work the same hours every day in one time zone (09:00–21:00 Asia/Shanghai by
default). Service levels such as "claimed within 10 minutes" count only those hours: a chat
escalated at 20:55 has five minutes left that evening and five more from 09:00 the next day.
All arithmetic is done on UTC instants; local wall-clock times only mark where each working
period starts and ends, so changes of UTC offset are handled by the time zone database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class ServiceHours:
    opens_at: time
    closes_at: time
    timezone: ZoneInfo

    def __post_init__(self) -> None:
        if self.opens_at >= self.closes_at:
            raise ValueError(
                f"agents must open before they close (opens {self.opens_at}, "
                f"closes {self.closes_at})"
            )

    def period_of(self, day: date) -> tuple[datetime, datetime]:
        """The working period of a local calendar day as UTC instants."""
        opens = datetime.combine(day, self.opens_at, tzinfo=self.timezone).astimezone(UTC)
        closes = datetime.combine(day, self.closes_at, tzinfo=self.timezone).astimezone(UTC)
        return opens, closes

    def local_day(self, at: datetime) -> date:
        return _aware(at).astimezone(self.timezone).date()

    def is_open(self, at: datetime) -> bool:
        opens, closes = self.period_of(self.local_day(at))
        return opens <= _aware(at) < closes

    def closing_time(self, at: datetime) -> datetime | None:
        """When the period that ``at`` falls in ends; None outside working hours."""
        opens, closes = self.period_of(self.local_day(at))
        return closes if opens <= _aware(at) < closes else None

    def next_opening(self, at: datetime) -> datetime:
        """The start of the first working period that begins after ``at``."""
        for opens, _closes in self._periods_from(self.local_day(at)):
            if opens > _aware(at):
                return opens
        raise AssertionError("unreachable: working periods repeat every day")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of ``[start, end)`` lies inside working hours."""
        start, end = _aware(start), _aware(end)
        total = timedelta()
        if end <= start:
            return total
        for opens, closes in self._periods_from(self.local_day(start)):
            if opens >= end:
                return total
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        raise AssertionError("unreachable: the periods run past any end")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of working time has passed since ``start``."""
        if duration < timedelta():
            raise ValueError("duration must not be negative")
        start = _aware(start)
        remaining = duration
        for opens, closes in self._periods_from(self.local_day(start)):
            begin = max(opens, start)
            if begin >= closes:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: the periods run past any duration")

    def _periods_from(self, first_day: date) -> Iterator[tuple[datetime, datetime]]:
        day = first_day
        while True:
            yield self.period_of(day)
            day += timedelta(days=1)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are refused; pass timezone-aware values")
    return at.astimezone(UTC)
