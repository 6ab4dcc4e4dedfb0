"""Dates: the Chinese grammar, dateparser for English and numeric dates, and their filter."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.engine.nlu import NluPipeline
from bot.engine.nlu.chinese_dates import chinese_number, find_chinese_dates
from bot.engine.nlu.dates import DateExtractor
from bot.engine.nlu.text import normalise

TODAY = date(2025, 6, 18)  # a Wednesday
NOW = datetime(2025, 6, 18, 15, 30)


@pytest.mark.parametrize(
    ("text", "found", "value"),
    [
        ("我是2023年5月12日买的", "2023年5月12日", date(2023, 5, 12)),
        ("二〇二三年十二月三号", "二〇二三年十二月三号", date(2023, 12, 3)),
        ("2023年5月", "2023年5月", date(2023, 5, 1)),
        ("去年3月买的", "去年3月", date(2024, 3, 1)),
        ("前年十月二十号", "前年十月二十号", date(2023, 10, 20)),
        ("2021年买的", "2021年", date(2021, 1, 1)),
        ("5月12号", "5月12号", date(2025, 5, 12)),
        ("12月24日", "12月24日", date(2024, 12, 24)),
        ("上个月5号", "上个月5号", date(2025, 5, 5)),
        ("上个月", "上个月", date(2025, 5, 1)),
        ("昨天买的", "昨天", date(2025, 6, 17)),
        ("大前天", "大前天", date(2025, 6, 15)),
        ("三天前", "三天前", date(2025, 6, 15)),
        ("两个月前", "两个月前", date(2025, 4, 18)),
        ("半年前", "半年前", date(2024, 12, 18)),
        ("1年前", "1年前", date(2024, 6, 18)),
        ("上周三", "上周三", date(2025, 6, 11)),
        ("上个星期天", "上个星期天", date(2025, 6, 15)),
        ("周五", "周五", date(2025, 6, 13)),
        ("周三", "周三", date(2025, 6, 18)),
        ("这周五", "这周五", date(2025, 6, 20)),
        ("上周", "上周", date(2025, 6, 9)),
    ],
)
def test_chinese_grammar(text: str, found: str, value: date) -> None:
    dates = find_chinese_dates(normalise(text), TODAY)
    assert [(text[d.start : d.end], d.value) for d in dates] == [(found, value)]


@pytest.mark.parametrize(
    "text", ["用了两年", "双十一", "2月30号", "13月1号", "型号KFR-35GW", "十一"]
)
def test_chinese_grammar_ignores_non_dates(text: str) -> None:
    assert find_chinese_dates(normalise(text), TODAY) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", 12),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("两", 2),
        ("二〇二三", 2023),
    ],
)
def test_chinese_numbers(text: str, number: int) -> None:
    assert chinese_number(text) == number


@pytest.mark.parametrize("text", ["十二三", "一百", "abc", ""])
def test_chinese_numbers_refuse_other_text(text: str) -> None:
    assert chinese_number(text) is None


@pytest.fixture(scope="module")
def dates() -> DateExtractor:
    extractor = DateExtractor()
    extractor.warm_up()
    return extractor


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("I bought it on 12 May 2023", "12 May 2023", "2023-05-12"),
        ("bought it yesterday", "yesterday", "2025-06-17"),
        ("3 weeks ago", "3 weeks ago", "2025-05-28"),
        ("I bought it 2 years ago, the TV is a 55 inch", "2 years ago", "2023-06-01"),
        ("我是2023-05-12买的", "2023-05-12", "2023-05-12"),
        ("ＴＶ bought ２０２３．５．１２", "２０２３．５．１２", "2023-05-12"),
        ("last monday", "last monday", "2025-06-16"),
    ],
)
def test_dateparser_dates(dates: DateExtractor, text: str, span: str, value: str) -> None:
    entities = dates.extract(text, normalise(text), NOW)
    assert [(text[e["start"] : e["end"]], e["value"]) for e in entities] == [(span, value)]
    assert entities[0]["entity"] == "time"
    assert entities[0]["extractor"] == "DateParserEntityExtractor"


@pytest.mark.parametrize(
    "text",
    [
        "I may need help",
        "型号是KFR-35GW",
        "call me at 10am",
        "it broke on the 3rd",
        "the TV is a 55 inch",
        "电话13800138000",
        "sat down and cried",
    ],
)
def test_things_dateparser_misreads_are_not_dates(dates: DateExtractor, text: str) -> None:
    assert dates.extract(text, normalise(text), NOW) == []


def test_mixed_text_gets_both_grammars(dates: DateExtractor) -> None:
    text = "去年3月买的, delivered on 5 March 2024"
    entities = dates.extract(text, normalise(text), NOW)
    assert [(text[e["start"] : e["end"]], e["value"]) for e in entities] == [
        ("去年3月", "2024-03-01"),
        ("5 March 2024", "2024-03-05"),
    ]


def test_parse_reports_dates_relative_to_now(pipeline: NluPipeline) -> None:
    result = pipeline.parse("我是昨天买的", now=NOW)
    assert {
        "entity": "time",
        "start": 2,
        "end": 4,
        "value": "2025-06-17",
        "extractor": "DateParserEntityExtractor",
    } in result["entities"]
