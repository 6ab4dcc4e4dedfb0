"""Request and response bodies of the handoff endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.cases.schemas import MAX_ID
from api.customers.caller import ACTOR_ID_PATTERN
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.customers.text_rules import FreeText, PersonName
from api.handoffs.expected_wait import WaitKind
from api.handoffs.reasons import HandoffPriority, HandoffReason
from api.handoffs.status import HandoffStatus

AgentId = Annotated[str, StringConstraints(pattern=ACTOR_ID_PATTERN)]
AGENT_ID_DESCRIPTION = "The agent's own id (letters, digits and _.:@-; at most 128)."


class HandoffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: ChannelId = Field(description=CHANNEL_ID_DESCRIPTION, examples=["tg:123456"])
    case_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The consumer's case this is about, if any."
    )
    reason: HandoffReason
    priority: HandoffPriority | None = Field(
        default=None,
        description="`normal` or `high`; left out, the reason decides (complaint, "
        "warranty_dispute and low_survey_score: high). Safety is always `urgent`, and "
        "`urgent` is reserved for safety.",
    )
    summary: FreeText | None = Field(
        default=None,
        description="What the consumer needs, for the agent; stored verbatim "
        "(limit: max_text_chars).",
    )


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: AgentId = Field(description=AGENT_ID_DESCRIPTION, examples=["agent-7"])
    agent_name: PersonName | None = Field(
        default=None, description="Name shown to other agents.", examples=["李娜"]
    )


class AgentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: AgentId = Field(description=AGENT_ID_DESCRIPTION, examples=["agent-7"])


class CloseRequest(AgentRequest):
    note: FreeText | None = Field(
        default=None, description="How it ended; stored verbatim (limit: max_text_chars)."
    )


class LocalizedText(BaseModel):
    zh: str
    en: str


class ExpectedWaitOut(BaseModel):
    """What to tell the consumer about the wait for an agent."""

    kind: WaitKind = Field(
        description="`soon`: agents are working; `closing_soon`: they close before the "
        "service level ends; `after_hours`: they are off duty."
    )
    answer_by: datetime = Field(
        description="When the claim service level ends, counting working hours only."
    )
    within_minutes: int | None = Field(description="The promised wait; only when `soon`.")
    agents_back_at: datetime | None = Field(
        description="Start of the agents' next working period, in `timezone`; null when `soon`."
    )
    timezone: str = Field(description="The consumer's time zone if known, else the agents'.")
    message: LocalizedText


class QueueTimingOut(BaseModel):
    """The current (or last) stay in the queue, measured against the claim service level."""

    waiting_seconds: int = Field(description="Wall-clock time since the handoff was queued.")
    working_seconds_waited: int = Field(
        description="The part of that wait within agents' working hours."
    )
    claim_due_at: datetime = Field(
        description="When the claim service level ends, counting working hours only."
    )
    sla_breached: bool = Field(
        description="Whether it waited (or has waited) longer than the service level allows."
    )


class HandoffOut(BaseModel):
    id: int
    conversation_id: str
    case_id: int | None
    reason: HandoffReason
    priority: HandoffPriority
    status: HandoffStatus
    summary: str | None
    opened_by: str | None = Field(description="Role and actor that opened it, e.g. bot:tg:123.")
    agent_id: str | None = Field(description="Holder of the claim; after closing, the last one.")
    agent_name: str | None
    created_at: datetime
    queued_at: datetime = Field(description="When it last entered the queue.")
    claimed_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    cancelled_at: datetime | None
    closed_by: str | None
    closing_note: str | None
    queue_timing: QueueTimingOut
    expected_wait: ExpectedWaitOut | None = Field(
        default=None,
        description="While queued, on POST /handoffs and on the single-handoff reads.",
    )


class HandoffPage(BaseModel):
    items: list[HandoffOut] = Field(description="Most urgent first, then the oldest.")
