"""Request and response bodies of the troubleshooting endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
)

from api.customers.text_rules import Identifier, storable_text, visible_text
from api.troubleshooting.kinds import RemoteOutcome, Urgency
from api.troubleshooting.matching import BrandSource, NoMatchReason
from api.troubleshooting.models import (
    CODE_LENGTH,
    ERROR_CODE_LENGTH,
    IMAGE_URL_LENGTH,
    SYMPTOM_LENGTH,
    TITLE_LENGTH,
)
from api.troubleshooting.safety import Hazard

MAX_INSTRUCTION_CHARS = 2000
MAX_PHRASE_CHARS = 100
MAX_PHRASES_PER_LANGUAGE = 60
MAX_STEPS = 30
MAX_NOTES = 20


def _content(value: str) -> str:
    return visible_text(storable_text(value))


CategoryCode = Annotated[
    str, StringConstraints(pattern=rf"^[a-z][a-z0-9_]{{0,{CODE_LENGTH - 1}}}$")
]
BrandCode = Annotated[str, StringConstraints(pattern=rf"^[a-z][a-z0-9_]{{0,{CODE_LENGTH - 1}}}$")]
SymptomKey = Annotated[
    str, StringConstraints(pattern=rf"^[a-z][a-z0-9_]{{1,{SYMPTOM_LENGTH - 1}}}$")
]
ErrorCodeText = Annotated[
    str,
    StringConstraints(
        pattern=rf"^[A-Za-z0-9][A-Za-z0-9-]{{0,{ERROR_CODE_LENGTH - 1}}}$", to_upper=True
    ),
]
Title = Annotated[str, StringConstraints(max_length=TITLE_LENGTH), AfterValidator(_content)]
Instruction = Annotated[
    str, StringConstraints(max_length=MAX_INSTRUCTION_CHARS), AfterValidator(_content)
]
Phrase = Annotated[str, StringConstraints(max_length=MAX_PHRASE_CHARS), AfterValidator(_content)]

_DESCRIPTIONS = {
    "category": "Category code from the catalogue, e.g. air_conditioner.",
    "symptom": "Symptom key, e.g. not_cooling, water_leak, error_code, no_ignition.",
    "brand": "Brand code for a brand's own guide; null for the generic guide of the symptom.",
    "steps": "Ordered steps. A `safety` step describes a danger: when it applies, the flow "
    "stops and a person takes over.",
    "ends_remotely_when": "When the case may end without a visit.",
    "urgency": "Scheduling hint for a visit: `urgent` is offered the earliest windows.",
}


class LocalizedText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: Instruction = Field(description="Simplified Chinese.")
    en: Instruction = Field(description="English.")


class LocalizedTitle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: Title
    en: Title


class MatchPhrases(BaseModel):
    """The ways consumers describe the symptom, per language."""

    model_config = ConfigDict(extra="forbid")

    zh: list[Phrase] = Field(min_length=1, max_length=MAX_PHRASES_PER_LANGUAGE)
    en: list[Phrase] = Field(min_length=1, max_length=MAX_PHRASES_PER_LANGUAGE)


class GuideStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: LocalizedText
    safety: bool = Field(
        default=False, description="A danger check: when it applies, stop and hand over."
    )
    image_url: HttpUrl | None = Field(
        default=None, max_length=IMAGE_URL_LENGTH, description="An illustration (http or https)."
    )


class GuideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: CategoryCode = Field(description=_DESCRIPTIONS["category"])
    symptom: SymptomKey = Field(description=_DESCRIPTIONS["symptom"])
    brand: BrandCode | None = Field(default=None, description=_DESCRIPTIONS["brand"])
    title: LocalizedTitle
    match_phrases: MatchPhrases
    steps: list[GuideStep] = Field(
        min_length=1, max_length=MAX_STEPS, description=_DESCRIPTIONS["steps"]
    )
    safety_notes: list[LocalizedText] = Field(default_factory=list, max_length=MAX_NOTES)
    needs_visit_when: list[LocalizedText] = Field(
        min_length=1, max_length=MAX_NOTES, description="Findings that need a technician."
    )
    ends_remotely_when: RemoteOutcome = Field(description=_DESCRIPTIONS["ends_remotely_when"])
    urgency: Urgency = Field(default=Urgency.NORMAL, description=_DESCRIPTIONS["urgency"])


class GuideCreate(GuideBody):
    """A new guide; (category, symptom, brand) must not have one yet."""


class GuideReplace(GuideBody):
    """The whole guide as it should be from now on; its version goes up by one."""

    expected_version: int | None = Field(
        default=None,
        ge=1,
        description="Refuse with 409 when the guide is no longer at this version.",
    )


class GuideOut(GuideBody):
    id: int
    version: int = Field(description="Goes up by one with every change.")
    created_at: datetime
    updated_at: datetime


class GuideList(BaseModel):
    items: list[GuideOut]


class ErrorCodeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand: BrandCode = Field(description="Error codes always belong to a brand.")
    model: Identifier | None = Field(
        default=None,
        description="Catalogue model code when the meaning holds for that model only; it then "
        "overrides the brand-wide meaning of the code.",
    )
    category: CategoryCode = Field(description=_DESCRIPTIONS["category"])
    code: ErrorCodeText = Field(description="The code as displayed, e.g. E1 or F4.")
    symptom: SymptomKey = Field(description="Symptom of the guide that handles the code.")
    meaning: LocalizedText = Field(description='What it usually means: "通常表示…" / "Usually…".')


class ErrorCodeOut(ErrorCodeBody):
    id: int
    created_at: datetime
    updated_at: datetime


class ErrorCodeList(BaseModel):
    items: list[ErrorCodeOut]


class MatchCandidate(BaseModel):
    guide_id: int
    category: str
    symptom: str
    brand: str | None
    title: LocalizedTitle
    score: float = Field(ge=0, le=100, description="0–100; 100 for a known error code.")
    matched_phrase: str = Field(description="The phrase (or error code) that fitted best.")


class ErrorCodeHit(BaseModel):
    id: int
    code: str
    brand: str
    model: str | None
    category: str
    symptom: str
    meaning: LocalizedText


class SafetyAlert(BaseModel):
    hazards: list[Hazard] = Field(min_length=1, description="Most urgent first.")
    triggers: list[str] = Field(description="The words that revealed the danger (normalised).")
    message: LocalizedText = Field(description="What to do now; a person takes over.")


class MatchResponse(BaseModel):
    safety_alert: bool = Field(
        description="The text itself signals danger: show `safety.message` and hand over."
    )
    safety: SafetyAlert | None
    guide: GuideOut | None = Field(description="The best guide, or null when none fits.")
    score: float | None = Field(default=None, ge=0, le=100)
    matched_phrase: str | None = None
    error_code: ErrorCodeHit | None = Field(
        default=None, description="A known error code found in the text, with its meaning."
    )
    category: str | None = Field(description="The category used: given or read from the code.")
    brand: str | None = Field(description="The brand used: given, named in the text or the code's.")
    brand_source: BrandSource | None
    alternatives: list[MatchCandidate] = Field(max_length=3)
    reason: NoMatchReason | None = Field(
        default=None,
        description="Why `guide` is null: `no_guides` (none for this category and brand) or "
        "`no_close_match` (nothing fits the words well enough).",
    )
