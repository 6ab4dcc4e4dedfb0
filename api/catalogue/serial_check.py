"""Deciding what a serial number a consumer typed can be: pure rules, no database.

`check_serial` is given the serial (already normalised), the serial rule of every model in
the catalogue and, optionally, the model the consumer named. It answers whether the serial
is well-formed for exactly one model (and which manufacture date it encodes), or why not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum

from api.catalogue.serial_patterns import (
    ImpossibleDateError,
    SerialPattern,
    decode_manufacture_date,
    looks_like_imei,
    luhn_valid,
)


class SerialResult(StrEnum):
    REGISTERED = "registered"
    UNREGISTERED_VALID = "unregistered_valid"
    INVALID = "invalid"


class SerialReason(StrEnum):
    WRONG_LENGTH = "wrong_length"
    WRONG_CHARACTERS = "wrong_characters"
    MODEL_MISMATCH = "model_mismatch"
    NO_MATCHING_MODEL = "no_matching_model"
    BAD_CHECK_DIGIT = "bad_check_digit"
    IMPOSSIBLE_DATE = "impossible_date"
    MODEL_AMBIGUOUS = "model_ambiguous"
    REGISTERED_MODEL_DIFFERS = "registered_model_differs"


SERIAL_REASON_TEXTS: dict[SerialReason, tuple[str, str]] = {
    SerialReason.WRONG_LENGTH: (
        "序列号的位数不对，请对照铭牌再核对一下。",
        "The serial number has the wrong number of characters; please check it against the label.",
    ),
    SerialReason.WRONG_CHARACTERS: (
        "序列号里有不该出现的字符，请对照铭牌再核对一下。",
        "The serial number contains characters that do not belong in it; please check the label.",
    ),
    SerialReason.MODEL_MISMATCH: (
        "这个序列号与所说的型号不符，请核对型号和序列号。",
        "The serial number does not belong to that model; please check the model and the serial.",
    ),
    SerialReason.NO_MATCHING_MODEL: (
        "没有找到与这个序列号相符的型号，请核对序列号。",
        "No product model matches this serial number; please check the number.",
    ),
    SerialReason.BAD_CHECK_DIGIT: (
        "IMEI 的校验位不正确，请核对（在拨号界面输入 *#06# 可以查看）。",
        "The IMEI check digit is wrong; please check it (dial *#06# to display it).",
    ),
    SerialReason.IMPOSSIBLE_DATE: (
        "序列号中的生产日期不可能成立，请核对序列号。",
        "The manufacture date encoded in the serial number is impossible; please check it.",
    ),
    SerialReason.MODEL_AMBIGUOUS: (
        "这个序列号符合多个型号，请告诉我们具体是哪个型号。",
        "This serial number fits several models; please tell us which model you have.",
    ),
    SerialReason.REGISTERED_MODEL_DIFFERS: (
        "这个序列号登记在另一个型号下，以登记信息为准。",
        "This serial number is registered under another model; the registered record applies.",
    ),
}


@dataclass(frozen=True, slots=True)
class SerialRule:
    model_code: str
    is_phone: bool
    pattern: SerialPattern


@dataclass(frozen=True, slots=True)
class SerialVerdict:
    result: SerialResult
    model_codes: tuple[str, ...] = ()
    """The models the serial fits, or, for a mismatch, the other models it fits."""
    manufacture_date: date | None = None
    reason: SerialReason | None = None


class _Fit(Enum):
    FITS = "fits"
    NO_MATCH = "no_match"
    BAD_CHECK_DIGIT = "bad_check_digit"
    IMPOSSIBLE_DATE = "impossible_date"


_REASON_OF_FIT = {
    _Fit.BAD_CHECK_DIGIT: SerialReason.BAD_CHECK_DIGIT,
    _Fit.IMPOSSIBLE_DATE: SerialReason.IMPOSSIBLE_DATE,
}


def _fit(serial: str, rule: SerialRule, today: date) -> tuple[_Fit, date | None]:
    match = rule.pattern.match(serial)
    if match is None:
        return _Fit.NO_MATCH, None
    if rule.is_phone and looks_like_imei(serial) and not luhn_valid(serial):
        return _Fit.BAD_CHECK_DIGIT, None
    try:
        made = decode_manufacture_date(match)
    except ImpossibleDateError:
        return _Fit.IMPOSSIBLE_DATE, None
    if made is not None and made > today:
        return _Fit.IMPOSSIBLE_DATE, None
    return _Fit.FITS, made


def _is_alphanumeric(serial: str) -> bool:
    return serial.isascii() and serial.isalnum()


def check_serial(
    serial: str, rules: Sequence[SerialRule], given: SerialRule | None, today: date
) -> SerialVerdict:
    """Classify a normalised serial that is not registered as a unit."""
    if given is not None:
        return _check_against_given(serial, rules, given, today)
    fits = [(rule, *_fit(serial, rule, today)) for rule in rules]
    fitting = [(rule, made) for rule, fit, made in fits if fit is _Fit.FITS]
    if len(fitting) == 1:
        rule, made = fitting[0]
        return SerialVerdict(SerialResult.UNREGISTERED_VALID, (rule.model_code,), made)
    if fitting:
        dates = {made for _rule, made in fitting}
        return SerialVerdict(
            SerialResult.UNREGISTERED_VALID,
            tuple(rule.model_code for rule, _made in fitting),
            dates.pop() if len(dates) == 1 else None,
            SerialReason.MODEL_AMBIGUOUS,
        )
    for fit, reason in _REASON_OF_FIT.items():
        near = tuple(rule.model_code for rule, found, _made in fits if found is fit)
        if near:
            return SerialVerdict(SerialResult.INVALID, near, reason=reason)
    if not _is_alphanumeric(serial):
        return SerialVerdict(SerialResult.INVALID, reason=SerialReason.WRONG_CHARACTERS)
    if not any(rule.pattern.shape.fits_length(serial) for rule in rules):
        return SerialVerdict(SerialResult.INVALID, reason=SerialReason.WRONG_LENGTH)
    return SerialVerdict(SerialResult.INVALID, reason=SerialReason.NO_MATCHING_MODEL)


def _check_against_given(
    serial: str, rules: Sequence[SerialRule], given: SerialRule, today: date
) -> SerialVerdict:
    fit, made = _fit(serial, given, today)
    if fit is _Fit.FITS:
        return SerialVerdict(SerialResult.UNREGISTERED_VALID, (given.model_code,), made)
    if fit is not _Fit.NO_MATCH:
        return SerialVerdict(SerialResult.INVALID, (given.model_code,), reason=_REASON_OF_FIT[fit])
    others = tuple(
        rule.model_code
        for rule in rules
        if rule.model_code != given.model_code and _fit(serial, rule, today)[0] is _Fit.FITS
    )
    if others:
        return SerialVerdict(SerialResult.INVALID, others, reason=SerialReason.MODEL_MISMATCH)
    shape = given.pattern.shape
    if not _is_alphanumeric(serial) or not shape.fits_alphabet(serial):
        return SerialVerdict(SerialResult.INVALID, reason=SerialReason.WRONG_CHARACTERS)
    if not shape.fits_length(serial):
        return SerialVerdict(SerialResult.INVALID, reason=SerialReason.WRONG_LENGTH)
    return SerialVerdict(SerialResult.INVALID, reason=SerialReason.MODEL_MISMATCH)
