"""Normalising what people type: model codes, names, serial numbers and identifiers.

A consumer may type ``ＫＦＲ－３５ＧＷ`` (full-width), ``kfr35gw``, ``KFR-35GW`` or the
traditional ``冷氣`` for the same thing; every comparison in the catalogue goes through
these functions so that such variants compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_TRADITIONAL_TO_SIMPLIFIED = OpenCC("t2s")
_CODE_SEPARATORS = re.compile(r"[\s\-_/.·・]+")
_SERIAL_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−]+")
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf"})


@lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """NFKC, simplified characters and lower case; separators are kept."""
    nfkc = unicodedata.normalize("NFKC", text)
    return _TRADITIONAL_TO_SIMPLIFIED.convert(nfkc).lower()


def compact(text: str) -> str:
    """`folded` without separators: ``KFR-35GW/BpR3`` and ``kfr 35gw bpr3`` become equal."""
    return _CODE_SEPARATORS.sub("", folded(text))


def strip_code_separators(folded_text: str) -> str:
    return _CODE_SEPARATORS.sub("", folded_text)


def normalise_serial(serial: str) -> str:
    """NFKC, no spaces or dashes, upper case: the form serials are stored and compared in."""
    nfkc = unicodedata.normalize("NFKC", serial)
    return _SERIAL_SEPARATORS.sub("", nfkc).upper()


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_line_breaks else set()
    return any(
        unicodedata.category(char) in _CONTROL_CATEGORIES and char not in allowed for char in text
    )
