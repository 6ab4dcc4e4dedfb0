"""Serial patterns, manufacture dates, IMEI check digits and the serial verdicts (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from api.catalogue.serial_check import (
    SERIAL_REASON_TEXTS,
    SerialReason,
    SerialResult,
    SerialRule,
    check_serial,
)
from api.catalogue.serial_patterns import (
    ImpossibleDateError,
    SerialPatternError,
    compile_serial_pattern,
    decode_manufacture_date,
    looks_like_imei,
    luhn_valid,
)

TODAY = date(2026, 11, 23)
GREE_35 = r"GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])35BP\d{6}"


def _rule(code: str, pattern: str, *, phone: bool = False) -> SerialRule:
    return SerialRule(code, phone, compile_serial_pattern(pattern))


RULES = {
    rule.model_code: rule
    for rule in (
        _rule("KFR-35GW/BpR3", GREE_35),
        _rule("KFR-72LW/NhZbB1W", r"GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])72LZ\d{6}"),
        _rule(
            "Mate 60 Pro",
            r"ALN(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])[A-Z0-9]{8}|86754106\d{7}",
            phone=True,
        ),
        _rule("QY-S102165", r"QY(?P<year>20\d{2})(?P<month>\d{2})(?P<day>\d{2})S\d{4}"),
        _rule("QY-S102166", r"QY\d{8}S\d{4}"),
        _rule("DIGITS-11", r"7(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])\d{6}"),
    )
}


def _check(serial: str, given: str | None = None) -> tuple[object, ...]:
    verdict = check_serial(serial, list(RULES.values()), RULES[given] if given else None, TODAY)
    return verdict.result, verdict.reason, verdict.model_codes, verdict.manufacture_date


def test_pattern_shape_gives_lengths_and_alphabet() -> None:
    shape = compile_serial_pattern(GREE_35).shape
    assert (shape.min_length, shape.max_length) == (16, 16)
    assert shape.alphabet == frozenset("GRBP0123456789")
    phone = compile_serial_pattern(RULES["Mate 60 Pro"].pattern.source).shape
    assert (phone.min_length, phone.max_length) == (15, 15)


@pytest.mark.parametrize("pattern", [r"X.{4}", r"X[^Y]{4}", r"X\w{4}", r"(X)\1"])
def test_patterns_accepting_any_character_have_no_alphabet(pattern: str) -> None:
    assert compile_serial_pattern(pattern).shape.alphabet is None


def test_patterns_are_case_insensitive_and_ascii_only() -> None:
    pattern = compile_serial_pattern(r"gr\d{2}")
    assert pattern.match("GR12") is not None
    assert pattern.match("GR١٢") is None  # Arabic-Indic digits are not serial digits


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"GR(\d{2}", "does not compile"),
        (r"(?P<tac>\d{8})\d{7}", "Unknown named group tac"),
        (r"(?P<year>\d{3})X", "year group must match 2 or 4 digits"),
        (r"(?P<year>\d{2}|\d{4})X", "year group must match 2 or 4 digits"),
        (r"(?P<year>\d{2})(?P<month>\d{3})", "month group must match 1 to 2 digits"),
        (r"(?P<year>\d{2})(?P<day>\d{2})X", "day group needs a month group"),
        (r"(?P<month>\d{2})X", "month group needs a year group"),
        (r"A*", "accepts an empty serial"),
    ],
)
def test_unusable_patterns_are_refused_with_the_reason(pattern: str, message: str) -> None:
    with pytest.raises(SerialPatternError, match=message):
        compile_serial_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "serial", "expected"),
    [
        (GREE_35, "GR230535BP000101", date(2023, 5, 1)),
        (r"MD(?P<year>20\d{2})(?P<month>\d{2})X", "MD202402X", date(2024, 2, 1)),
        (r"HR(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})", "HR240229", date(2024, 2, 29)),
        (r"Y(?P<year>\d{2})", "Y19", date(2019, 1, 1)),
        (r"PF[0-9A-Z]{6}", "PF1A2B3C", None),
    ],
)
def test_manufacture_date_is_decoded_from_named_groups(
    pattern: str, serial: str, expected: date | None
) -> None:
    match = compile_serial_pattern(pattern).match(serial)
    assert match is not None
    assert decode_manufacture_date(match) == expected


@pytest.mark.parametrize("serial", ["HR231301", "HR230230", "HR230000"])
def test_impossible_dates_are_reported(serial: str) -> None:
    match = compile_serial_pattern(r"HR(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})").match(serial)
    assert match is not None
    with pytest.raises(ImpossibleDateError):
        decode_manufacture_date(match)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("490154203237518", True),
        ("490154203237517", False),
        ("867541060000002", True),
        ("867541060000003", False),
        ("79927398713", True),
        ("79927398710", False),
    ],
)
def test_luhn_check_digit(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_imei_shape_is_fifteen_ascii_digits() -> None:
    assert looks_like_imei("867541060000002")
    assert not looks_like_imei("86754106000000")
    assert not looks_like_imei("86754106000000A")
    assert not looks_like_imei("８６７５４１０６００００００２")


@pytest.mark.parametrize(
    ("serial", "given", "expected"),
    [
        (
            "GR230535BP000101",
            None,
            (SerialResult.UNREGISTERED_VALID, None, ("KFR-35GW/BpR3",), date(2023, 5, 1)),
        ),
        (
            "GR230535BP000101",
            "KFR-35GW/BpR3",
            (SerialResult.UNREGISTERED_VALID, None, ("KFR-35GW/BpR3",), date(2023, 5, 1)),
        ),
        (
            "867541060000002",
            None,
            (SerialResult.UNREGISTERED_VALID, None, ("Mate 60 Pro",), None),
        ),
        (
            "ALN2309AB12CD34",
            "Mate 60 Pro",
            (SerialResult.UNREGISTERED_VALID, None, ("Mate 60 Pro",), date(2023, 9, 1)),
        ),
        (
            "867541060000003",
            None,
            (SerialResult.INVALID, SerialReason.BAD_CHECK_DIGIT, ("Mate 60 Pro",), None),
        ),
        (
            "867541060000003",
            "Mate 60 Pro",
            (SerialResult.INVALID, SerialReason.BAD_CHECK_DIGIT, ("Mate 60 Pro",), None),
        ),
        (
            "GR991235BP000101",
            None,
            (SerialResult.INVALID, SerialReason.IMPOSSIBLE_DATE, ("KFR-35GW/BpR3",), None),
        ),
        (
            "GR991235BP000101",
            "KFR-35GW/BpR3",
            (SerialResult.INVALID, SerialReason.IMPOSSIBLE_DATE, ("KFR-35GW/BpR3",), None),
        ),
        (
            "QY20230115S0001",
            None,
            (
                SerialResult.UNREGISTERED_VALID,
                SerialReason.MODEL_AMBIGUOUS,
                ("QY-S102165", "QY-S102166"),
                None,
            ),
        ),
        (
            "QY20230231S0001",
            None,
            (SerialResult.UNREGISTERED_VALID, None, ("QY-S102166",), None),
        ),
        ("GR2305#35BP00010", None, (SerialResult.INVALID, SerialReason.WRONG_CHARACTERS, (), None)),
        ("GR23", None, (SerialResult.INVALID, SerialReason.WRONG_LENGTH, (), None)),
        (
            "ZZ230535BP000101",
            None,
            (SerialResult.INVALID, SerialReason.NO_MATCHING_MODEL, (), None),
        ),
        (
            "GR230535BP000101",
            "Mate 60 Pro",
            (SerialResult.INVALID, SerialReason.MODEL_MISMATCH, ("KFR-35GW/BpR3",), None),
        ),
        (
            "GR230535XX000101",
            "KFR-35GW/BpR3",
            (SerialResult.INVALID, SerialReason.WRONG_CHARACTERS, (), None),
        ),
        (
            "7230512345A",
            "DIGITS-11",
            (SerialResult.INVALID, SerialReason.WRONG_CHARACTERS, (), None),
        ),
        (
            "72305123",
            "DIGITS-11",
            (SerialResult.INVALID, SerialReason.WRONG_LENGTH, (), None),
        ),
        (
            "GR230572BP000101",
            "KFR-35GW/BpR3",
            (SerialResult.INVALID, SerialReason.MODEL_MISMATCH, (), None),
        ),
    ],
    ids=[
        "fits-one-model",
        "fits-named-model",
        "imei-fits-phone",
        "maker-serial-fits-phone",
        "imei-bad-check-digit",
        "imei-bad-check-digit-named",
        "date-in-future",
        "date-in-future-named",
        "fits-two-models",
        "impossible-date-for-one-fits-other",
        "wrong-characters",
        "wrong-length",
        "no-matching-model",
        "fits-another-model",
        "letters-outside-named-models-alphabet",
        "letter-in-digit-only-model",
        "too-short-for-named-model",
        "named-model-mismatch",
    ],
)
def test_serial_verdicts(serial: str, given: str | None, expected: tuple[object, ...]) -> None:
    assert _check(serial, given) == expected


def test_check_digit_is_checked_only_for_phones() -> None:
    meter = _rule("METER-15", r"\d{15}")
    rules = [RULES["Mate 60 Pro"], meter]
    verdict = check_serial("867541060000003", rules, None, TODAY)
    assert (verdict.result, verdict.model_codes) == (SerialResult.UNREGISTERED_VALID, ("METER-15",))
    named = check_serial("867541060000003", rules, RULES["Mate 60 Pro"], TODAY)
    assert named.reason is SerialReason.BAD_CHECK_DIGIT


def test_every_reason_has_chinese_and_english_text() -> None:
    for reason in SerialReason:
        zh, en = SERIAL_REASON_TEXTS[reason]
        assert zh and en and zh != en
