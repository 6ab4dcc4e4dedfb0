"""What an outbound item asks the bot to deliver: a text in zh and en, or an engine intent
whose responses the engine chooses in the consumer's language."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from api.customers.text_rules import FreeText

IntentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,99}$")]
EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
EntityValue = (
    Annotated[FreeText, StringConstraints(max_length=1000)]
    | bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
MAX_ENTITIES = 32


class BilingualText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: Annotated[FreeText, StringConstraints(min_length=1)] = Field(description="简体中文")
    en: Annotated[FreeText, StringConstraints(min_length=1)] = Field(description="English")


class TextPayload(BaseModel):
    """A message the bot sends as written, in the consumer's language."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text"] = "text"
    text: BilingualText


class IntentPayload(BaseModel):
    """An intent the bot triggers in the engine (`trigger_intent`), which answers in the
    consumer's language, e.g. ``EXTERNAL_survey_due`` with the case as an entity."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["intent"] = "intent"
    intent: IntentName = Field(examples=["EXTERNAL_survey_due"])
    entities: dict[EntityName, EntityValue] = Field(
        default_factory=dict, max_length=MAX_ENTITIES, examples=[{"case_id": 42}]
    )


OutboundPayload = Annotated[TextPayload | IntentPayload, Field(discriminator="type")]
PAYLOAD_ADAPTER: TypeAdapter[TextPayload | IntentPayload] = TypeAdapter(OutboundPayload)
