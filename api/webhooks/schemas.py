"""Request and response bodies of the webhook endpoints."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    UrlConstraints,
    model_validator,
)

from api.outbox.service import EventType
from api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.webhooks.status import DeliveryStatus

MAX_ID = 2**31 - 1
MAX_URL_CHARS = 2048
MIN_SECRET_CHARS = 16
MAX_SECRET_CHARS = 256
MAX_DESCRIPTION_CHARS = 500


def _plain_endpoint(url: AnyHttpUrl) -> AnyHttpUrl:
    if url.username or url.password:
        raise ValueError("must not carry credentials; the signing secret authenticates us")
    if url.fragment:
        raise ValueError("must not have a fragment")
    return url


def _usable_secret(secret: SecretStr) -> SecretStr:
    value = secret.get_secret_value()
    if not MIN_SECRET_CHARS <= len(value) <= MAX_SECRET_CHARS:
        raise ValueError(
            f"must have {MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} characters, not {len(value)}"
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in value):
        raise ValueError("must not contain control characters")
    return secret


def _distinct(event_types: list[EventType]) -> list[EventType]:
    chosen = set(event_types)
    return [event_type for event_type in EventType if event_type in chosen]


def _visible(description: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n" for ch in description):
        raise ValueError("must not contain control characters")
    return description


WebhookUrl = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=MAX_URL_CHARS),
    AfterValidator(_plain_endpoint),
    Field(description="Where events are POSTed: an http or https URL without credentials."),
]
Secret = Annotated[
    SecretStr,
    AfterValidator(_usable_secret),
    Field(
        description="The HMAC-SHA256 signing key shared with the receiver. Write-only: it is "
        "never returned.",
        json_schema_extra={"minLength": MIN_SECRET_CHARS, "maxLength": MAX_SECRET_CHARS},
    ),
]
EventTypes = Annotated[
    list[EventType],
    Field(min_length=1, max_length=50, description="The event types to receive."),
    AfterValidator(_distinct),
]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_CHARS), AfterValidator(_visible)]


class SubscriptionCreate(BaseModel):
    # Validation errors never echo what was sent: it may be the secret.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    url: WebhookUrl
    secret: Secret | None = Field(
        default=None,
        description="The signing key; when omitted one is generated and returned once, in the "
        "response to this request.",
    )
    event_types: EventTypes
    active: bool = True
    description: Description | None = None


class SubscriptionPatch(BaseModel):
    """The fields to change; those left out stay as they are."""

    # Validation errors never echo what was sent: it may be the secret.
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    url: WebhookUrl | None = None
    secret: Secret | None = Field(default=None, description="A new signing key (rotation).")
    event_types: EventTypes | None = None
    active: bool | None = None
    description: Description | None = Field(default=None, description="null clears it.")

    @model_validator(mode="after")
    def _only_description_may_be_cleared(self) -> Self:
        for name in ("url", "secret", "event_types", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SubscriptionOut(BaseModel):
    id: int
    url: str
    event_types: list[EventType]
    active: bool
    description: str | None
    starts_after_event_id: int = Field(
        description="Outbox events recorded after this one (i.e. after the subscription was "
        "created or last reactivated) are sent to it."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> Self:
        return cls(
            id=subscription.id,
            url=subscription.url,
            event_types=[EventType(value) for value in subscription.event_types],
            active=subscription.active,
            description=subscription.description,
            starts_after_event_id=subscription.starts_after_event_id,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class SubscriptionCreated(SubscriptionOut):
    generated_secret: str | None = Field(
        description="The signing key generated because none was given: shown in this response "
        "only. null when the request chose the key."
    )


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class AttemptOut(BaseModel):
    attempted_at: datetime
    duration_ms: int
    status_code: int | None = Field(description="The receiver's answer; null when none came.")
    error: str | None = Field(description="Why the attempt failed; null when it succeeded.")
    worker: str

    @classmethod
    def of(cls, attempt: WebhookAttempt) -> Self:
        return cls(
            attempted_at=attempt.attempted_at,
            duration_ms=attempt.duration_ms,
            status_code=attempt.status_code,
            error=attempt.error,
            worker=attempt.worker,
        )


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    event_id: str = Field(description="The event's id, sent as X-Aftersales-Event-Id.")
    event_type: str
    status: DeliveryStatus
    next_attempt_at: datetime = Field(description="When a pending delivery is sent next.")
    attempt_count: int = Field(description="Attempts since it was created or last replayed.")
    first_attempted_at: datetime | None
    leased_until: datetime | None = Field(description="Set while a worker is sending it.")
    lease_owner: str | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attempts: list[AttemptOut] = Field(description="Every attempt, oldest first.")

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> Self:
        return cls(
            id=delivery.id,
            subscription_id=delivery.subscription_id,
            event_id=delivery.event.event_id,
            event_type=delivery.event.event_type,
            status=DeliveryStatus(delivery.status),
            next_attempt_at=delivery.next_attempt_at,
            attempt_count=delivery.attempt_count,
            first_attempted_at=delivery.first_attempted_at,
            leased_until=delivery.leased_until,
            lease_owner=delivery.lease_owner,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            attempts=[AttemptOut.of(attempt) for attempt in delivery.attempts],
        )


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_before_id: int | None = Field(
        description="Pass as before_id for the next (older) page; null on the last page."
    )


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
