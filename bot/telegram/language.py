"""Which language to answer a Telegram user in: Simplified Chinese or English."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

_CHOICES: dict[str, Language] = {
    "zh": "zh",
    "cn": "zh",
    "chinese": "zh",
    "中文": "zh",
    "简体中文": "zh",
    "汉语": "zh",
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
}


def language_from_code(code: str | None, default: Language) -> Language:
    """Telegram's ``language_code`` (an IETF tag such as ``zh-hans`` or ``en``): any
    Chinese variant answers in Chinese, any other language in English; a client that sends
    none gets ``default``."""
    if not code:
        return default
    return "zh" if code.strip().lower().startswith("zh") else "en"


def language_named(text: str) -> Language | None:
    """The language a user names after ``/lang`` (``en``, ``English``, ``中文``…)."""
    return _CHOICES.get(text.strip().lower())


def as_language(value: str) -> Language:
    return "en" if value == "en" else "zh"
