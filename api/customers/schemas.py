"""Request and response bodies of the customer endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from api.customers.models import Customer
from api.customers.preferences import (
    DEFAULT_REGION,
    DEFAULT_TIMEZONE,
    Locale,
    normalise_region,
    parse_language_tag,
    validate_timezone,
)
from api.customers.text_rules import FreeText, PersonName
from api.db import utc_now

CONSENT_CLOCK_SKEW_SECONDS = 300
EARLIEST_CONSENT = datetime(2000, 1, 1, tzinfo=UTC)


def _language_tag(value: str) -> str:
    parse_language_tag(value)
    return value


def _plausible_consent_time(value: datetime) -> datetime:
    if value < EARLIEST_CONSENT:
        raise ValueError(f"consent time must not be before {EARLIEST_CONSENT.date()}")
    if (value - utc_now()).total_seconds() > CONSENT_CLOCK_SKEW_SECONDS:
        raise ValueError("consent time must not be in the future")
    return value.astimezone(UTC)


class CustomerUpsert(BaseModel):
    """Fields to store; fields left out keep their stored value, ``null`` clears one."""

    model_config = ConfigDict(extra="forbid")

    display_name: PersonName | None = Field(
        default=None, description="Name the consumer goes by.", examples=["王先生"]
    )
    phone: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description=(
            "Phone number as typed; stored in E.164. Numbers without a country code are read "
            f"in `region`, else the region of the locale tag, else {DEFAULT_REGION}."
        ),
        examples=["138 0013 8000"],
    )
    address: Annotated[FreeText, Field(max_length=500)] | None = Field(
        default=None, description="Service address, stored verbatim."
    )
    locale: Annotated[str, Field(max_length=35), AfterValidator(_language_tag)] | None = Field(
        default=None,
        description="`zh` or `en`, or a language tag such as `zh-CN` or `en-GB` (its region "
        "then reads phone numbers). `null` resets to `zh`.",
        examples=["zh", "en-GB"],
    )
    region: Annotated[str, AfterValidator(normalise_region)] | None = Field(
        default=None, description="ISO 3166-1 region that reads local phone numbers, e.g. HK."
    )
    timezone: Annotated[str, AfterValidator(validate_timezone)] | None = Field(
        default=None,
        description=f"IANA time zone; `null` resets to {DEFAULT_TIMEZONE}.",
        examples=[DEFAULT_TIMEZONE],
    )
    consent_at: Annotated[AwareDatetime, AfterValidator(_plausible_consent_time)] | None = Field(
        default=None, description="When the consumer consented to the processing of their data."
    )


class CustomerOut(BaseModel):
    channel_id: str = Field(description="Channel identity, or an `anon:` id once erased.")
    display_name: str | None
    phone: str | None = Field(description="E.164, e.g. +8613800138000.")
    address: str | None
    locale: Locale
    region: str | None
    timezone: str
    consent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            channel_id=customer.channel_id,
            display_name=customer.display_name,
            phone=customer.phone,
            address=customer.address,
            locale=Locale(customer.locale),
            region=customer.region,
            timezone=customer.timezone,
            consent_at=customer.consent_at,
            created_at=customer.created_at,
            updated_at=customer.updated_at,
            erased_at=customer.erased_at,
        )
