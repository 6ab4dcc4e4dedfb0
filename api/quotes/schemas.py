"""Request and response bodies of the quote endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.customers.text_rules import Code, FreeText
from api.fees.schedule_model import MAX_FEN, LabourBand
from api.quotes.models import Quote, QuoteStatus

MAX_LINES = 30
MAX_TOTAL_FEN = 100_000_000
Line = Annotated[FreeText, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LineKind(StrEnum):
    VISIT = "visit"
    LABOUR = "labour"
    PART = "part"


class QuoteText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: Line = Field(description="简体中文")
    en: Line = Field(description="English")


class QuoteLineIn(BaseModel):
    """One line. Labour names its repair type (``code``) and ``band``; a part names its code
    and whether it is genuine."""

    model_config = ConfigDict(extra="forbid")

    kind: LineKind
    code: Code | None = Field(
        default=None, description="Labour repair type or part code of the schedule."
    )
    band: LabourBand | None = Field(default=None, description="Labour lines only.")
    genuine: bool | None = Field(default=None, description="Part lines only: a genuine part?")
    description: QuoteText
    quantity: int = Field(default=1, ge=1, le=99)
    unit_price_fen: int = Field(ge=0, le=MAX_FEN)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> QuoteLineIn:
        if self.kind is not LineKind.VISIT and self.code is None:
            raise ValueError(f"a {self.kind} line needs a code")
        if (self.kind is LineKind.LABOUR) != (self.band is not None):
            raise ValueError("band is given for labour lines, and only for them")
        if (self.kind is LineKind.PART) != (self.genuine is not None):
            raise ValueError("genuine is given for part lines, and only for them")
        return self

    @property
    def total_fen(self) -> int:
        return self.quantity * self.unit_price_fen


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cause: QuoteText = Field(description="What causes the fault.")
    work: QuoteText = Field(description="The work to be done.")
    risks: QuoteText | None = Field(default=None, description="Risks the consumer should know.")
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=MAX_LINES)
    override_reason: Line | None = Field(
        default=None,
        description="Why a line departs from the schedule (a part above list price, labour "
        "outside its band, an item not in the schedule); without it such a quote is 422.",
    )

    @model_validator(mode="after")
    def _total_within_limit(self) -> QuoteIn:
        if sum(line.total_fen for line in self.lines) > MAX_TOTAL_FEN:
            raise ValueError(f"the total must not exceed {MAX_TOTAL_FEN} fen")
        return self


class QuoteLineOut(BaseModel):
    kind: LineKind
    code: str | None
    band: LabourBand | None
    genuine: bool | None
    description: QuoteText
    quantity: int
    unit_price_fen: int
    total_fen: int


class QuoteOut(BaseModel):
    id: int
    visit_id: int
    case_id: int
    status: QuoteStatus
    cause: QuoteText
    work: QuoteText
    risks: QuoteText | None
    lines: list[QuoteLineOut]
    total_fen: int
    currency: str = Field(examples=["CNY"])
    schedule_version: str
    override_reason: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        return cls(
            id=quote.id,
            visit_id=quote.visit_id,
            case_id=quote.case_id,
            status=QuoteStatus(quote.status),
            cause=QuoteText.model_validate(quote.cause),
            work=QuoteText.model_validate(quote.work),
            risks=None if quote.risks is None else QuoteText.model_validate(quote.risks),
            lines=[QuoteLineOut.model_validate(line) for line in quote.lines],
            total_fen=quote.total_fen,
            currency=quote.currency,
            schedule_version=quote.schedule_version,
            override_reason=quote.override_reason,
            created_at=quote.created_at,
            decided_at=quote.decided_at,
        )


def stored_line(line: QuoteLineIn) -> dict[str, Any]:
    return {**line.model_dump(mode="json"), "total_fen": line.total_fen}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "decline"]
