"""Purchase dates as consumers write them, read on a fixed day."""

from __future__ import annotations

from datetime import date

import pytest

from actions.purchase_dates import AmbiguousDate, NeedsMonth, parse_purchase_date

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年3月5日", date(2024, 3, 5)),
        ("２０２４年３月５日", date(2024, 3, 5)),
        ("2024-01-20", date(2024, 1, 20)),
        ("2023.6.18", date(2023, 6, 18)),
        ("去年双十一", date(2025, 11, 11)),
        ("双十一", date(2026, 11, 11)),
        ("今年五一", date(2026, 5, 1)),
        ("去年3月", date(2025, 3, 1)),
        ("前年5月", date(2024, 5, 1)),
        ("2025年7月", date(2025, 7, 1)),
        ("2023年底", date(2023, 12, 1)),
        ("3月5日", date(2026, 3, 5)),
        ("12月20日", date(2025, 12, 20)),
        ("前天", date(2026, 11, 21)),
        ("三个月前", date(2026, 8, 1)),
        ("大概三个月前买的", date(2026, 8, 1)),
        ("半年前", date(2026, 5, 1)),
        ("买了半年左右", date(2026, 5, 1)),
        ("两年多", date(2024, 11, 1)),
        ("十五天前", date(2026, 11, 8)),
        ("5 March 2025", date(2025, 3, 5)),
        ("three days ago", date(2026, 11, 20)),
        ("last week", date(2026, 11, 16)),
        ("13/5/2024", date(2024, 5, 13)),
        ("5/13/2024", date(2024, 5, 13)),
        ("3/3/2024", date(2024, 3, 3)),
        ("31/2/2024", None),
        ("去年夏天", None),
        ("hello", None),
        ("😀", None),
        ("", None),
    ],
)
def test_purchase_dates_are_read_as_consumers_mean_them(text: str, expected: date | None) -> None:
    assert parse_purchase_date(text, TODAY) == expected


def test_a_slash_date_that_reads_both_ways_is_not_guessed() -> None:
    assert parse_purchase_date("3/5/2024", TODAY) == AmbiguousDate(
        month_first=date(2024, 3, 5), day_first=date(2024, 5, 3)
    )


@pytest.mark.parametrize("text", ["2021年", "2021", "2021年左右"])
def test_a_bare_year_asks_for_the_month(text: str) -> None:
    assert parse_purchase_date(text, TODAY) == NeedsMonth(2021)


def test_a_festival_still_to_come_this_year_means_last_years() -> None:
    assert parse_purchase_date("双十二", TODAY) == date(2025, 12, 12)
