"""Purchase dates as consumers write them, in Chinese or English, read with dateparser.

dateparser reads absolute and most relative dates; before it runs, the Chinese phrasings it
does not know are rewritten into ones it does: relative years (去年3月 → 2025年3月), shopping
festivals (去年双十一 → 2025年11月11日), a month and day without a year, and counts in Chinese
numerals (三个月前 → 3个月前). A slash date that reads both ways (3/5/2024) is never guessed:
both readings are returned for the consumer to choose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from dateparser.date import DateDataParser

LANGUAGES = ["zh", "en"]
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_DIGITS |= {"八": 8, "九": 9}
_FESTIVALS = {
    "双十一": (11, 11),
    "双11": (11, 11),
    "双十二": (12, 12),
    "双12": (12, 12),
    "618": (6, 18),
    "五一": (5, 1),
    "国庆": (10, 1),
    "元旦": (1, 1),
}
_RELATIVE_YEARS = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0}
_YEAR_PARTS = {"年初": "1月", "年中": "6月", "年底": "12月", "年末": "12月"}

_ISO = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$")
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_ONLY = re.compile(r"^(\d{4})\s*年?$")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_CHINESE_COUNT = re.compile(
    r"([零一二两三四五六七八九十]+)(?=\s*(?:个)?(?:月|年|天|周|星期)多?前?$)"
)
_DURATION = re.compile(r"(\d+|半)(个)?(年|月|天|周|星期)多?")


@dataclass(frozen=True, slots=True)
class AmbiguousDate:
    """Two readings of the same text, month first and day first."""

    month_first: date
    day_first: date


@dataclass(frozen=True, slots=True)
class NeedsMonth:
    """Only a year was given: too coarse for warranty windows."""

    year: int


PurchaseDate = date | AmbiguousDate | NeedsMonth | None


def parse_purchase_date(text: str, today: date) -> PurchaseDate:
    """The date `text` names as seen on `today`; None when it names none."""
    cleaned = unicodedata.normalize("NFKC", text).strip().rstrip("。.，,!！")
    cleaned = re.sub(
        r"(左右|前后|的时候|时候|买的|购买|买了|刚买|大概|大约|差不多|约)", "", cleaned
    )
    cleaned = cleaned.strip()
    if not cleaned:
        return None
    if (iso := _ISO.match(cleaned)) is not None:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    if (slash := _SLASH.match(cleaned)) is not None:
        return _slash_date(int(slash[1]), int(slash[2]), int(slash[3]))
    if (year_only := _YEAR_ONLY.match(cleaned)) is not None:
        return NeedsMonth(int(year_only[1]))
    rewritten = _rewrite_chinese(cleaned, today)
    if (year_only := _YEAR_ONLY.match(rewritten)) is not None:
        return NeedsMonth(int(year_only[1]))
    return _dateparser_date(rewritten, today)


def _slash_date(first: int, second: int, year: int) -> PurchaseDate:
    month_first = _safe_date(year, first, second)
    day_first = _safe_date(year, second, first)
    if month_first and day_first and month_first != day_first:
        return AmbiguousDate(month_first=month_first, day_first=day_first)
    return month_first or day_first


def _rewrite_chinese(text: str, today: date) -> str:
    text = _CHINESE_COUNT.sub(lambda match: str(_chinese_number(match[1])), text)
    if (duration := _DURATION.fullmatch(text)) is not None:
        # "买了两年多" (owned for over two years): a duration counted back from today.
        text = f"{duration[1]}{duration[2] or ''}{duration[3]}前"
    text = text.replace("半年前", "6个月前").replace("半个月前", "15天前")
    for relative, offset in _RELATIVE_YEARS.items():
        text = text.replace(relative, f"{today.year + offset}年")
    for part, month in _YEAR_PARTS.items():
        text = text.replace(part, f"年{month}")
    for festival, (month, day) in _FESTIVALS.items():
        if festival in text:
            text = text.replace(festival, f"{month}月{day}日")
            if not re.search(r"\d{4}年", text):
                text = f"{_latest_year(month, day, today)}年{text}"
    match = _MONTH_DAY.search(text)
    if match and not re.search(r"\d{4}\s*年", text):
        year = _latest_year(int(match[1]), int(match[2]), today)
        text = f"{year}年{text}"
    return text.replace("年年", "年")


def _latest_year(month: int, day: int, today: date) -> int:
    """The year in which month/day last occurred, today included."""
    candidate = _safe_date(today.year, month, day)
    return today.year if candidate is None or candidate <= today else today.year - 1


def _chinese_number(numeral: str) -> int:
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return _DIGITS.get(tens, 1) * 10 + _DIGITS.get(units, 0)
    return int("".join(str(_DIGITS[character]) for character in numeral))


def _dateparser_date(text: str, today: date) -> PurchaseDate:
    parser = DateDataParser(
        languages=LANGUAGES,
        settings={
            "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
            "PREFER_DATES_FROM": "past",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    if data.period == "year" and not _is_relative(text):
        return NeedsMonth(data.date_obj.year)
    return data.date_obj.date()


def _is_relative(text: str) -> bool:
    return bool(re.search(r"前|ago|last|previous", text, re.IGNORECASE))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
