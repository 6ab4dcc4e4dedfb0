"""A consumer's language, region and time zone."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from enum import StrEnum
from functools import cache

import phonenumbers

DEFAULT_REGION = "CN"
DEFAULT_TIMEZONE = "Asia/Shanghai"

_LANGUAGE_TAG = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})"
    r"(?:[-_](?P<script>[A-Za-z]{4}))?"
    r"(?:[-_](?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:[-_][A-Za-z0-9]{1,8})*$"
)


class Locale(StrEnum):
    ZH = "zh"
    EN = "en"


class UnsupportedLanguageError(ValueError):
    """A language tag the assistant does not speak."""


def parse_language_tag(tag: str) -> tuple[Locale, str | None]:
    """The locale of a BCP 47 tag (``zh``, ``zh-Hans-CN``, ``en_GB``) and its region, if any."""
    match = _LANGUAGE_TAG.match(tag.strip())
    if match is None:
        raise UnsupportedLanguageError(f"{tag!r} is not a language tag such as zh, zh-CN or en-GB")
    language = match["language"].lower()
    try:
        locale = Locale(language)
    except ValueError:
        raise UnsupportedLanguageError(
            f"language {language!r} is not supported; use zh or en"
        ) from None
    region = match["region"]
    if region is not None and region.isalpha() and region.upper() in phonenumbers.SUPPORTED_REGIONS:
        return locale, region.upper()
    return locale, None


def normalise_region(value: str) -> str:
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not an ISO 3166-1 region code such as CN, HK or GB")
    return region


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> str:
    if value not in _known_timezones():
        raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai")
    return value


def today_in(timezone: str, now: datetime) -> date:
    """The calendar date at ``now`` where the consumer lives."""
    return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
