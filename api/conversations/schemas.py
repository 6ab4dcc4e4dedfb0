"""Request and response bodies of the conversation log endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.cases.schemas import MAX_ID
from api.conversations.models import ConversationMessage, Direction, SenderKind
from api.customers.caller import ACTOR_ID_PATTERN
from api.customers.text_rules import FreeText

CHANNEL_MESSAGE_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"

ChannelMessageId = Annotated[str, StringConstraints(pattern=CHANNEL_MESSAGE_ID_PATTERN)]


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Direction = Field(description="`in` from the consumer, `out` to the consumer.")
    sender_kind: SenderKind = Field(
        description="`customer` for inbound messages; `bot` or `agent` for outbound ones."
    )
    agent_id: Annotated[str, StringConstraints(pattern=ACTOR_ID_PATTERN)] | None = Field(
        default=None, description="The agent who wrote it; required exactly for `agent`."
    )
    text: FreeText | None = Field(
        default=None, description="The message as written, stored verbatim (limit: max_text_chars)."
    )
    attachment_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="An attachment of one of the consumer's cases that the message carried.",
    )
    channel_message_id: ChannelMessageId | None = Field(
        default=None,
        description="The channel's id of the message; a message recorded again with the same "
        "id is not duplicated.",
        examples=["4711"],
    )
    sent_at: AwareDatetime | None = Field(
        default=None, description="When the channel says the message was sent."
    )

    @model_validator(mode="after")
    def _consistent(self) -> MessageCreate:
        inbound = self.direction is Direction.IN
        if inbound != (self.sender_kind is SenderKind.CUSTOMER):
            raise ValueError(
                "inbound messages come from the customer, outbound ones from the bot or an agent"
            )
        if (self.sender_kind is SenderKind.AGENT) != (self.agent_id is not None):
            raise ValueError("agent_id is required for agent messages and only for them")
        if self.text is None and self.attachment_id is None:
            raise ValueError("a message needs text or an attachment")
        return self


class MessageOut(BaseModel):
    id: int
    conversation_id: str
    channel: str
    direction: Direction
    sender_kind: SenderKind
    agent_id: str | None
    text: str | None
    attachment_id: int | None
    channel_message_id: str | None
    sent_at: datetime | None
    recorded_at: datetime

    @classmethod
    def of(cls, message: ConversationMessage) -> MessageOut:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            channel=message.channel,
            direction=Direction(message.direction),
            sender_kind=SenderKind(message.sender_kind),
            agent_id=message.agent_id,
            text=message.text,
            attachment_id=message.attachment_id,
            channel_message_id=message.channel_message_id,
            sent_at=message.sent_at,
            recorded_at=message.recorded_at,
        )


class Transcript(BaseModel):
    items: list[MessageOut] = Field(description="Oldest first.")
    next_before: int | None = Field(
        description="Pass as `before` for the older messages; null when there are none."
    )
