"""Phone numbers as consumers type them, language tags and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.customers.phones import InvalidPhoneError, normalise_phone
from api.customers.preferences import (
    Locale,
    UnsupportedLanguageError,
    normalise_region,
    parse_language_tag,
    today_in,
    validate_timezone,
)
from api.customers.text_rules import storable_text, visible_text


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("13800138000", "CN", "+8613800138000"),
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("+86-138-0013-8000", "CN", "+8613800138000"),
        ("0086 13800138000", "CN", "+8613800138000"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),
        ("＋８６ １３８－００１３－８０００", "CN", "+8613800138000"),
        ("010-12345678", "CN", "+861012345678"),
        ("(0755) 8888 8888", "CN", "+8675588888888"),
        ("9123 4567", "HK", "+85291234567"),
        ("+852 9123 4567", "CN", "+85291234567"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("07911 123456", "GB", "+447911123456"),
    ],
)
def test_valid_numbers_become_e164(raw: str, region: str, e164: str) -> None:
    assert normalise_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12345", "CN"),
        ("1380013800", "CN"),  # one digit short
        ("138001380001", "CN"),  # one digit too many
        ("hello", "CN"),
        ("", "CN"),
        ("9123 4567", "CN"),  # a Hong Kong number without its country code
        ("+999 1234 5678", "CN"),  # no such country code
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw: str, region: str) -> None:
    with pytest.raises(InvalidPhoneError, match="phone number"):
        normalise_phone(raw, region)


@pytest.mark.parametrize(
    ("tag", "locale", "region"),
    [
        ("zh", Locale.ZH, None),
        ("zh-CN", Locale.ZH, "CN"),
        ("zh-Hans-CN", Locale.ZH, "CN"),
        ("zh-hans", Locale.ZH, None),
        ("zh_HK", Locale.ZH, "HK"),
        ("en", Locale.EN, None),
        ("en-GB", Locale.EN, "GB"),
        ("EN-us", Locale.EN, "US"),
        ("en-001", Locale.EN, None),
    ],
)
def test_language_tags_give_locale_and_region(tag: str, locale: Locale, region: str | None) -> None:
    assert parse_language_tag(tag) == (locale, region)


@pytest.mark.parametrize("tag", ["fr", "ru-RU", "", "zh--CN", "中文", "en-GB-"])
def test_unsupported_or_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(UnsupportedLanguageError):
        parse_language_tag(tag)


def test_regions_and_time_zones_are_checked() -> None:
    assert normalise_region(" hk ") == "HK"
    with pytest.raises(ValueError, match="region"):
        normalise_region("XX")
    assert validate_timezone("Europe/London") == "Europe/London"
    for bad in ["Mars/Olympus", "../../etc/passwd", "asia/shanghai"]:
        with pytest.raises(ValueError, match="time zone"):
            validate_timezone(bad)


def test_today_depends_on_where_the_consumer_lives() -> None:
    evening_utc = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    assert today_in("Asia/Shanghai", evening_utc) == date(2026, 3, 11)
    assert today_in("Europe/London", evening_utc) == date(2026, 3, 10)


@pytest.mark.parametrize("hidden", ["\x00", "\n", "\t", "\x1b", "\u200b", "\u202e", "\u2028"])
def test_identifiers_refuse_hidden_characters(hidden: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        visible_text(f"SN{hidden}123")


def test_identifiers_are_trimmed_but_never_blank() -> None:
    assert visible_text("\u3000 KFR-35GW ") == "KFR-35GW"
    with pytest.raises(ValueError, match="blank"):
        visible_text("   ")


def test_free_text_is_kept_verbatim_except_what_cannot_be_stored() -> None:
    text = "空调不制冷\n<script>alert(1)</script>'; DROP TABLE cases; --\t😀"
    assert storable_text(text) == text
    for unstorable in ["a\x00b", "a\ud800b"]:
        with pytest.raises(ValueError, match="cannot be stored"):
            storable_text(unstorable)
