"""Text folding and tokenisation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.engine.nlu.text import (
    TokenKind,
    contains_han,
    normalise,
    normalise_key,
    sequence_tokens,
)


def test_folds_full_width_case_and_traditional_characters() -> None:
    assert normalise("ＴＣＬ電視機壞了１２３") == "tcl电视机坏了123"
    assert normalise("My TV　Is Broken") == "my tv is broken"


def test_keeps_characters_whose_folding_would_change_the_length() -> None:
    assert normalise("㎏ ﬁ") == "㎏ ﬁ"


@given(st.text(max_size=200))
def test_folding_keeps_every_offset(text: str) -> None:
    assert len(normalise(text)) == len(text)


def test_keys_are_trimmed_and_single_spaced() -> None:
    assert normalise_key("  Washing   Machine ") == "washing machine"


def test_sequence_tokens_split_chinese_per_character_and_latin_by_letters_and_digits() -> None:
    tokens = sequence_tokens(normalise("我的iPhone13, KFR-35GW"))
    assert [(t.text, t.start, t.end, t.kind) for t in tokens] == [
        ("我", 0, 1, TokenKind.CJK),
        ("的", 1, 2, TokenKind.CJK),
        ("iphone", 2, 8, TokenKind.LATIN),
        ("13", 8, 10, TokenKind.DIGIT),
        (",", 10, 11, TokenKind.OTHER),
        ("kfr", 12, 15, TokenKind.LATIN),
        ("-", 15, 16, TokenKind.OTHER),
        ("35", 16, 18, TokenKind.DIGIT),
        ("gw", 18, 20, TokenKind.LATIN),
    ]


def test_language_split_is_on_chinese_characters() -> None:
    assert contains_han("hello 你好")
    assert not contains_han("hello ＴＶ 😀")
