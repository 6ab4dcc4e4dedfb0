"""Request and response bodies of the outbound queue endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from api.customers.caller import ACTOR_ID_PATTERN
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.customers.text_rules import FreeText
from api.outbound.models import OutboundItem, OutboundKind
from api.outbound.payloads import PAYLOAD_ADAPTER, OutboundPayload
from api.outbound.status import OutboundStatus

DEDUPE_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,200}$"
MAX_LEASE_SECONDS = 3600
MAX_LEASE_CONVERSATIONS = 200

WorkerId = Annotated[str, StringConstraints(pattern=ACTOR_ID_PATTERN)]
LeaseToken = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class OutboundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: ChannelId = Field(description=CHANNEL_ID_DESCRIPTION, examples=["tg:123456"])
    kind: OutboundKind
    payload: OutboundPayload
    not_before: AwareDatetime | None = Field(
        default=None, description="Not delivered before this time; default now."
    )
    dedupe_key: Annotated[str, StringConstraints(pattern=DEDUPE_KEY_PATTERN)] | None = Field(
        default=None,
        description="Enqueueing with a key used before returns the item made the first time.",
        examples=["survey:case:42"],
    )


class OutboundOut(BaseModel):
    id: int
    conversation_id: str
    kind: OutboundKind
    payload: OutboundPayload
    status: OutboundStatus
    not_before: datetime
    urgent: bool = Field(description="Delivered even in the consumer's quiet hours.")
    dedupe_key: str | None
    attempts: int = Field(description="Delivery attempts started (leases handed out).")
    leased_by: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def fields_of(cls, item: OutboundItem) -> dict[str, object]:
        return {
            "id": item.id,
            "conversation_id": item.conversation_id,
            "kind": OutboundKind(item.kind),
            "payload": PAYLOAD_ADAPTER.validate_python(item.payload),
            "status": OutboundStatus(item.status),
            "not_before": item.not_before,
            "urgent": item.urgent,
            "dedupe_key": item.dedupe_key,
            "attempts": item.attempts,
            "leased_by": item.leased_by,
            "lease_expires_at": item.lease_expires_at,
            "last_error": item.last_error,
            "created_by": item.created_by,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "delivered_at": item.delivered_at,
        }

    @classmethod
    def of(cls, item: OutboundItem) -> OutboundOut:
        return cls.model_validate(cls.fields_of(item))


class LeasedItemOut(OutboundOut):
    lease_token: str = Field(description="Send with ack or fail; valid while this lease lasts.")

    @classmethod
    def of(cls, item: OutboundItem) -> LeasedItemOut:
        return cls.model_validate({**cls.fields_of(item), "lease_token": item.lease_token})


class OutboundPage(BaseModel):
    items: list[OutboundOut] = Field(description="Newest first.")


class LeaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worker_id: WorkerId = Field(description="The delivering worker's id.", examples=["bot-1"])
    limit: int = Field(default=10, ge=1, le=100, description="At most this many items.")
    lease_seconds: int = Field(
        default=60,
        ge=5,
        le=MAX_LEASE_SECONDS,
        description="Without ack or fail within this time the item may go to another worker.",
    )
    channel: Literal["tg", "web"] | None = Field(
        default=None,
        description="Only items of conversations on this channel (`tg:…` or `web:…`); "
        "default every channel.",
    )
    conversation_ids: list[ChannelId] | None = Field(
        default=None,
        max_length=MAX_LEASE_CONVERSATIONS,
        description="Only items of these conversations (say, the web chats connected now); "
        "default every conversation.",
    )


class LeaseOut(BaseModel):
    items: list[LeasedItemOut] = Field(description="Earliest due first; empty when none is due.")


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lease_token: LeaseToken


class FailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lease_token: LeaseToken
    error: Annotated[FreeText, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="What went wrong, for operators."
    )
    permanent: bool = Field(default=False, description="Retrying cannot help; fail the item.")
    blocked: bool = Field(
        default=False,
        description="The consumer blocked the bot: the item and the conversation's waiting "
        "items become undeliverable until the consumer writes again.",
    )


class UnblockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: ChannelId = Field(description=CHANNEL_ID_DESCRIPTION, examples=["tg:123456"])


class UnblockOut(BaseModel):
    conversation_id: str
    was_unreachable: bool = Field(description="Whether the conversation was marked unreachable.")
