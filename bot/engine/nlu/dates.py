"""DateParserEntityExtractor: dates in zh and en as ``time`` entities with ISO values.

The engine has no Duckling server, so dates come from ``dateparser.search.search_dates``
(dates preferred from the past, naive datetimes) for English and numeric forms, and from
``chinese_dates`` for Chinese forms, which dateparser misreads. Chinese characters are
blanked out before dateparser runs, because its language detection reads a mixed message
as Chinese and then misses the English date in it; with no Chinese left, dateparser runs
with English only (its Chinese data would add half a second to start-up and multiply the
cost of each search by five for nothing).
dateparser also reads many things that are not dates (``may``, ``sat``, the ``35`` of a
model code, ``at 10am``), so only its matches that carry a date are kept: a numeric date
(``2023-05-12``, ``12/05/2023``), a month name with a number, a weekday, or a relative day,
week, month or year (``yesterday``, ``3 weeks ago``, ``last month``). A month without a day
resolves to its first day. Each entity is
``{"entity": "time", "start", "end", "value": "YYYY-MM-DD", "extractor":
"DateParserEntityExtractor"}``; the words around the date (a purchase date, a visit window)
are for the CRF and the actions to interpret.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime
from typing import Any

from dateparser.search import search_dates

from bot.engine.nlu.chinese_dates import find_chinese_dates
from bot.engine.nlu.text import HAN_CHARACTER as _HAN

EXTRACTOR_NAME = "DateParserEntityExtractor"
ENTITY_NAME = "time"
MAX_DATE_SEARCH_CHARACTERS = 500
_LANGUAGES = ["en"]
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))(?!\d)"
)
_DATE_WORDS = re.compile(
    rf"\b(?:yesterday|today|ago|fortnight|{_WEEKDAYS}"
    rf"|(?:last|this|past|previous)\s+(?:week|month|year|{_WEEKDAYS}))\b"
)
_MONTH_NAME = re.compile(rf"\b(?:{_MONTHS})\b")
_DIGIT = re.compile(r"\d")
_LEADING_FILLER = re.compile(r"^(?:(?:on|at|in|since|from|the)\s+)+")
_TRAILING_FILLER_WORD = re.compile(r"\s+(?:the|a|an|and|or|of|at|on|in)$")


def _is_date(found: str) -> bool:
    lowered = found.lower()
    if _NUMERIC_DATE.search(lowered) or _DATE_WORDS.search(lowered):
        return True
    return bool(_MONTH_NAME.search(lowered) and _DIGIT.search(lowered))


def _without_trailing_filler(found: str) -> str:
    """``2 years ago, the`` → ``2 years ago``: dateparser's matches run into the next word."""
    previous = None
    while previous != found:
        previous = found
        found = _TRAILING_FILLER_WORD.sub("", found.rstrip(" \t\n,.;:!?"))
    return found


class DateExtractor:
    def __init__(self) -> None:
        self._settings: dict[str, Any] = {
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DAY_OF_MONTH": "first",
        }

    def warm_up(self) -> None:
        """Load dateparser's language data now rather than on the first message."""
        self.extract("bought 2024-01-02 昨天", "bought 2024-01-02 昨天", datetime(2024, 1, 3))

    def extract(self, text: str, normalised: str, now: datetime) -> list[dict[str, Any]]:
        window = normalised[:MAX_DATE_SEARCH_CHARACTERS]
        spans = [
            (found.start, found.end, found.value)
            for found in find_chinese_dates(window, now.date())
        ]
        blanked = _HAN.sub(" ", window)
        # Every match kept must pass ``_is_date``, so a window that fails it holds none.
        if _is_date(blanked):
            spans += self._dateparser_spans(blanked, now, taken=spans)
        spans.sort()
        return [
            {
                "entity": ENTITY_NAME,
                "start": start,
                "end": end,
                "value": value.isoformat(),
                "extractor": EXTRACTOR_NAME,
            }
            for start, end, value in spans
        ]

    def _dateparser_spans(
        self, blanked: str, now: datetime, taken: list[tuple[int, int, date]]
    ) -> list[tuple[int, int, date]]:
        settings = {**self._settings, "RELATIVE_BASE": now}
        with warnings.catch_warnings():
            # dateparser warns about pytz/zoneinfo internals on some inputs.
            warnings.simplefilter("ignore")
            results = search_dates(blanked, languages=_LANGUAGES, settings=settings) or []
        spans: list[tuple[int, int, date]] = []
        cursor = 0
        for found, moment in results:
            start = blanked.find(found, cursor)
            if start < 0:
                continue
            cursor = start + len(found)
            trimmed = _without_trailing_filler(found)
            end = start + len(trimmed)
            leading = _LEADING_FILLER.match(trimmed)
            if leading:
                start += leading.end()
                trimmed = trimmed[leading.end() :]
            overlaps = any(
                start < other_end and other_start < end for other_start, other_end, _ in taken
            )
            if overlaps or not trimmed.strip() or not _is_date(trimmed):
                continue
            spans.append((start, end, moment.date()))
        return spans
