"""Dates in seed files: ISO dates, or expressions relative to the day the file is loaded.

``today``, ``today-3d``, ``today+2w``, ``today-11m``, ``today-2y``, ``today-400d``: days (d),
weeks (w), months (m) or years (y) before (-) or after (+) today. A month or year step lands
on the same day of the month, or on the month's last day when it has no such day (29 February
minus one year is 28 February), as the warranty windows are counted. Relative dates keep
demo edge cases ("sold 3 days ago", "13 months ago") true whenever the data is loaded.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_RELATIVE = re.compile(r"^today(?:\s*(?P<sign>[+-])\s*(?P<amount>\d{1,5})\s*(?P<unit>[dwmy]))?$")


class SeedDateError(ValueError):
    """A seed date that is neither ISO nor a relative expression."""


def add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_seed_date(value: object, today: date) -> date | None:
    """A date from a seed file value (a YAML date, an ISO string, a relative expression)."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise SeedDateError(f"{value!r} is not a date")
    text = value.strip().lower()
    relative = _RELATIVE.match(text)
    if relative is None:
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise SeedDateError(
                f"{value!r} is neither an ISO date nor today, today-3d, today-11m, today-2y"
            ) from error
    if relative["sign"] is None:
        return today
    amount = int(relative["amount"]) * (1 if relative["sign"] == "+" else -1)
    unit = relative["unit"]
    if unit == "d":
        return today + timedelta(days=amount)
    if unit == "w":
        return today + timedelta(weeks=amount)
    return add_months(today, amount * (12 if unit == "y" else 1))
