"""Phone numbers as consumers type them, normalised to E.164."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneError(ValueError):
    """A phone number that is not a valid number, with a message a caller can show."""


def normalise_phone(raw: str, region: str) -> str:
    """E.164 form of ``raw`` (``+8613800138000``); numbers without ``+`` are read in ``region``.

    Spaces, dashes, brackets, full-width digits and the ``00``/``+`` prefixes are accepted.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneError(f"{raw!r} is not a phone number: {error.args[0]}") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(
            f"{raw!r} is not a valid phone number (read with region {region}; "
            "add the country code, e.g. +852, for numbers from elsewhere)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
