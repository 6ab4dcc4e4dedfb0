"""Text normalisation and tokenisation shared by every NLU component.

Normalisation folds each character on its own (NFKC full-width → half-width, lower case,
traditional → simplified Chinese) so that the normalised text keeps the length of the
original: an offset found in one is an offset in the other, and entity spans found on the
normalised text point straight into what the user typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from opencc import OpenCC

_TRADITIONAL_TO_SIMPLIFIED = OpenCC("t2s")

# Han ideographs (with the extensions and compatibility blocks) plus the Japanese kana that
# can appear in product names; all of them are written without spaces and tokenised per
# character.
_CJK_RANGES = (
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
)
HAN_CHARACTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_SEQUENCE_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK_CLASS}])"
    r"|(?P<digit>[0-9]+)"
    rf"|(?P<latin>(?:(?![{_CJK_CLASS}])[^\W\d_])+)"
    r"|(?P<other>\S)"
)
_WHITESPACE_RUN = re.compile(r"\s+")


def is_cjk(char: str) -> bool:
    codepoint = ord(char)
    return any(low <= codepoint <= high for low, high in _CJK_RANGES)


def contains_han(text: str) -> bool:
    """True when ``text`` has at least one Chinese character (the zh/en split of the eval)."""
    return HAN_CHARACTER.search(text) is not None


class _CharacterFolding(dict[int, str]):
    """``str.translate`` table that folds characters on first sight and remembers them."""

    def __missing__(self, codepoint: int) -> str:
        original = chr(codepoint)
        folded = unicodedata.normalize("NFKC", original)
        if len(folded) != 1:
            folded = original
        lowered = folded.lower()
        if len(lowered) == 1:
            folded = lowered
        if is_cjk(folded):
            simplified = _TRADITIONAL_TO_SIMPLIFIED.convert(folded)
            if len(simplified) == 1:
                folded = simplified
        self[codepoint] = folded
        return folded


_FOLDING = _CharacterFolding()


def normalise(text: str) -> str:
    """Fold ``text`` for matching; the result has exactly the length of ``text``."""
    return text.translate(_FOLDING)


def normalise_key(text: str) -> str:
    """Fold and trim ``text`` and collapse its inner whitespace: for dictionary keys."""
    return _WHITESPACE_RUN.sub(" ", normalise(text)).strip()


class TokenKind(StrEnum):
    CJK = "cjk"
    DIGIT = "digit"
    LATIN = "latin"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Token:
    """A token of the sequence labeller: its folded text and its span in the original."""

    text: str
    start: int
    end: int
    kind: TokenKind


def sequence_tokens(normalised: str) -> list[Token]:
    """Split folded text for entity tagging.

    Chinese characters are one token each; Latin letters and digits form separate runs (so
    ``iphone13`` is ``iphone`` + ``13`` and an annotation may end between them); any other
    visible character is a token of its own; whitespace is dropped.
    """
    tokens: list[Token] = []
    for match in _SEQUENCE_TOKEN.finditer(normalised):
        kind = TokenKind(match.lastgroup or TokenKind.OTHER)
        tokens.append(Token(match.group(), match.start(), match.end(), kind))
    return tokens


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE_RUN.sub(" ", text).strip()
