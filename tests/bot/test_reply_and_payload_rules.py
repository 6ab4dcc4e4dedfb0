"""Pure rules of the front end: splitting texts, laying out keyboards, payload syntax,
languages, phone numbers and deep links."""

from __future__ import annotations

import pytest

from bot.telegram.handlers.commands import start_payload
from bot.telegram.handlers.other_content import international_phone
from bot.telegram.language import language_from_code, language_named
from bot.telegram.payloads import chosen_language, intent_payload, reads_as_payload
from bot.telegram.replies import keyboard_layout, split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("a" * 4096) == ["a" * 4096]


def test_long_text_is_cut_at_a_line_break_or_space() -> None:
    text = ("word " * 900).strip() + "\n" + "z" * 100
    pieces = split_text(text, limit=4096)
    assert all(len(piece) <= 4096 for piece in pieces)
    assert " ".join(pieces).replace("\n", " ").split() == text.replace("\n", " ").split()
    assert not pieces[0].endswith(" ")


def test_text_without_spaces_is_cut_hard() -> None:
    pieces = split_text("字" * 9000, limit=4096)
    assert [len(piece) for piece in pieces] == [4096, 4096, 808]


@pytest.mark.parametrize(
    ("titles", "rows"),
    [
        ([], []),
        (["Yes", "No"], [[0, 1]]),
        (["1", "2", "3", "4", "5", "6"], [[0, 1, 2, 3, 4], [5]]),
        (["5 非常满意", "4 满意", "3 一般"], [[0, 1], [2]]),
        (["Book a technician visit", "Yes"], [[0], [1]]),
        (["OK", "Talk to a person, please"], [[0], [1]]),
    ],
)
def test_keyboard_layout(titles: list[str], rows: list[list[int]]) -> None:
    assert keyboard_layout(titles) == rows


def test_payloads_are_written_as_rasa_reads_them() -> None:
    assert intent_payload("greet") == "/greet"
    assert intent_payload("inform", {"phone": "+86 138", "名": "李"}) == (
        '/inform{"phone":"+86 138","名":"李"}'
    )
    assert reads_as_payload("  /inform{}")
    assert not reads_as_payload("price 1/2")


@pytest.mark.parametrize(
    ("payload", "language"),
    [
        ('/set_language{"language":"en"}', "en"),
        ('/set_language{"language": "zh"}', "zh"),
        ('/set_language{"language":"fr"}', None),
        ("/set_language", None),
        ('/set_language{"language":', None),
        ('/inform{"language":"en"}', None),
    ],
)
def test_language_choices_are_read_from_payloads(payload: str, language: str | None) -> None:
    assert chosen_language(payload) == language


@pytest.mark.parametrize(
    ("code", "language"),
    [("zh-hans", "zh"), ("ZH-tw", "zh"), ("zh", "zh"), ("en", "en"), ("ru", "en"), ("", "zh")],
)
def test_telegram_language_codes(code: str, language: str) -> None:
    assert language_from_code(code or None, "zh") == language


def test_named_languages() -> None:
    assert [language_named(name) for name in ("EN", " English ", "中文", "klingon")] == [
        "en",
        "en",
        "zh",
        None,
    ]


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("8613800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("12345", "+12345"),
    ],
)
def test_shared_phone_numbers_are_international(raw: str, phone: str) -> None:
    assert international_phone(raw) == phone


@pytest.mark.parametrize(
    ("parameter", "payload"),
    [
        (None, "/greet"),
        ("SN_GR2301A0012345", '/inform{"serial_number":"GR2301A0012345"}'),
        ("SN_ab-12", '/inform{"serial_number":"AB-12"}'),
        ("SN_", "/greet"),
        ("SN_" + "A" * 41, "/greet"),
        ("sn_GR2301", "/greet"),
        ("promo", "/greet"),
    ],
)
def test_start_parameters(parameter: str | None, payload: str) -> None:
    assert start_payload(parameter) == payload


def test_pieces_fit_telegrams_count_of_emoji() -> None:
    text = "🙂" * 3000
    pieces = split_text(text, limit=4096)
    assert [len(piece.encode("utf-16-le")) // 2 for piece in pieces] == [4096, 1904]
    assert "".join(pieces) == text


def test_whitespace_runs_make_no_empty_pieces() -> None:
    assert split_text("a" + " " * 5000 + "b", limit=4096) == ["a", "b"]
    assert split_text(" " * 5000 + "b", limit=4096) == ["b"]
