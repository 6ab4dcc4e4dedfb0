"""Chinese date expressions that dateparser misreads or misses.

dateparser finds ``昨天`` and ``3天前`` but resolves ``5月12号`` to the wrong day, reads
``2023年5月`` as the year 3, ignores ``上周三`` past ``上周`` and cannot read Chinese
numerals (``三天前``). This grammar covers those forms on folded text (ASCII digits,
simplified characters): a year (``2023年``, ``二〇二三年``, ``去年``) with a month and an
optional day, a month with a day, a day of this or last month, ``今天``/``昨天``/``前天``/
``大前天``, ``N天/周/个月/年前`` and weekdays (``周三``, ``上周三``, ``上个星期五``).
Dates are resolved toward the past, as purchase dates are: ``5月12号`` is the latest
12 May not after today. A month or a year alone resolves to its first day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

_CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_SMALL_NUMBER = r"(?:\d{1,2}|[一二三四五六七八九十两]{1,3})"
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
_RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2, "大前年": -3}
_RELATIVE_MONTHS = {"本月": 0, "这个月": 0, "这月": 0, "上月": -1, "上个月": -1, "上上个月": -2}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
_RELATIVE_WEEKS = {"本": 0, "这": 0, "这个": 0, "上": -1, "上个": -1, "上上": -2, "上上个": -2}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS.update({str(number): number - 1 for number in range(1, 8)})


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class ChineseDate:
    start: int
    end: int
    value: date


def chinese_number(text: str) -> int | None:
    """``12``, ``十二``, ``二十三``, ``两``, ``二〇二三``; None for anything else."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        if len(tens) > 1 or len(units) > 1:
            return None
        tens_value = _CHINESE_DIGITS.get(tens, 1 if not tens else -1)
        units_value = _CHINESE_DIGITS.get(units, 0 if not units else -1)
        if tens_value < 0 or units_value < 0:
            return None
        return tens_value * 10 + units_value
    if text and all(char in _CHINESE_DIGITS for char in text):
        return int("".join(str(_CHINESE_DIGITS[char]) for char in text))
    return None


def _month_start(today: date, months_back: int) -> date:
    index = today.year * 12 + today.month - 1 + months_back
    return date(index // 12, index % 12 + 1, 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _number(match: re.Match[str], group: str) -> int | None:
    text = match.group(group)
    return None if text is None else chinese_number(text)


def _year_month_day(match: re.Match[str], today: date) -> date | None:
    relative = match.group("relative_year")
    year = today.year + _RELATIVE_YEARS[relative] if relative else _number(match, "year")
    month = _number(match, "month")
    day = _number(match, "day") if match.group("day") else 1
    if year is None or month is None or day is None:
        return None
    return _safe_date(year, month, day)


def _year_only(match: re.Match[str], today: date) -> date | None:
    relative = match.group("relative_year")
    year = today.year + _RELATIVE_YEARS[relative] if relative else _number(match, "year")
    return None if year is None else _safe_date(year, 1, 1)


def _month_day(match: re.Match[str], today: date) -> date | None:
    month, day = _number(match, "month"), _number(match, "day")
    if month is None or day is None:
        return None
    candidate = _safe_date(today.year, month, day)
    if candidate is not None and candidate > today:
        candidate = _safe_date(today.year - 1, month, day)
    return candidate


def _relative_month(match: re.Match[str], today: date) -> date | None:
    first = _month_start(today, _RELATIVE_MONTHS[match.group("relative_month")])
    if not match.group("day"):
        return first
    day = _number(match, "day")
    return None if day is None else _safe_date(first.year, first.month, day)


def _relative_day(match: re.Match[str], today: date) -> date | None:
    return today + timedelta(days=_RELATIVE_DAYS[match.group("relative_day")])


def _ago(match: re.Match[str], today: date) -> date | None:
    unit = match.group("unit")
    count_text = match.group("count")
    if count_text == "半":
        if unit == "月":
            return today - timedelta(days=15)
        if unit == "年":
            return _shift_months(today, -6)
        return None
    count = chinese_number(count_text)
    if count is None:
        return None
    if unit in ("天", "日"):
        return today - timedelta(days=count)
    if unit in ("周", "星期", "礼拜"):
        return today - timedelta(weeks=count)
    if unit == "月":
        return _shift_months(today, -count)
    return _shift_months(today, -12 * count)


def _shift_months(today: date, months: int) -> date:
    first = _month_start(today, months)
    last_day = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(today.day, last_day))


def _weekday(match: re.Match[str], today: date) -> date | None:
    weekday = _WEEKDAYS[match.group("weekday")]
    which = match.group("which")
    if which is None:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=_RELATIVE_WEEKS[which])
    return monday + timedelta(days=weekday)


def _week(match: re.Match[str], today: date) -> date | None:
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=_RELATIVE_WEEKS[match.group("which")])


_Resolver = Callable[[re.Match[str], date], date | None]
_WEEK_WORD = r"(?:周|星期|礼拜)"
_GRAMMAR: tuple[tuple[re.Pattern[str], _Resolver], ...] = (
    (
        re.compile(
            rf"(?:(?P<year>{_YEAR})\s*年|(?P<relative_year>{_alternatives(_RELATIVE_YEARS)}))"
            rf"\s*(?P<month>{_SMALL_NUMBER})\s*月份?(?:\s*(?P<day>{_SMALL_NUMBER})\s*[日号]?)?"
        ),
        _year_month_day,
    ),
    (
        re.compile(
            rf"(?:(?P<year>{_YEAR})\s*年|(?P<relative_year>{_alternatives(_RELATIVE_YEARS)}))"
        ),
        _year_only,
    ),
    (
        re.compile(rf"(?P<month>{_SMALL_NUMBER})\s*月\s*(?P<day>{_SMALL_NUMBER})\s*[日号]?"),
        _month_day,
    ),
    (
        re.compile(
            rf"(?P<relative_month>{_alternatives(_RELATIVE_MONTHS)})"
            rf"(?:\s*(?P<day>{_SMALL_NUMBER})\s*[日号])?"
        ),
        _relative_month,
    ),
    (re.compile(rf"(?P<relative_day>{_alternatives(_RELATIVE_DAYS)})"), _relative_day),
    (
        re.compile(
            r"(?P<count>\d{1,3}|[一二三四五六七八九十两]{1,3}|半)\s*个?\s*"
            r"(?P<unit>天|日|周|星期|礼拜|月|年)\s*[之以]?前"
        ),
        _ago,
    ),
    (
        re.compile(
            rf"(?P<which>{_alternatives(_RELATIVE_WEEKS)})?{_WEEK_WORD}"
            rf"(?P<weekday>[{''.join(_WEEKDAYS)}])"
        ),
        _weekday,
    ),
    (re.compile(rf"(?P<which>{_alternatives(_RELATIVE_WEEKS)}){_WEEK_WORD}"), _week),
)


def find_chinese_dates(normalised: str, today: date) -> list[ChineseDate]:
    """Non-overlapping date expressions, the longest winning where candidates overlap."""
    candidates = []
    for pattern, resolve in _GRAMMAR:
        for match in pattern.finditer(normalised):
            value = resolve(match, today)
            if value is not None:
                candidates.append(ChineseDate(match.start(), match.end(), value))
    candidates.sort(key=lambda found: (found.start, -(found.end - found.start)))
    chosen: list[ChineseDate] = []
    for candidate in candidates:
        if chosen and candidate.start < chosen[-1].end:
            continue
        chosen.append(candidate)
    return chosen
