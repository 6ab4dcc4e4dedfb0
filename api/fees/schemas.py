"""Request and response bodies of the fee endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.catalogue.vocabulary import CategoryCode
from api.fees.estimate import Basis, Estimate
from api.fees.schedule_model import CategoryFees, FeeSchedule, LabourBand


class TextOut(BaseModel):
    zh: str = Field(description="简体中文")
    en: str = Field(description="English")


class BandOut(BaseModel):
    band: LabourBand
    min_fen: int
    max_fen: int


class LabourOut(BaseModel):
    code: str = Field(examples=["refrigerant"])
    name: TextOut
    bands: list[BandOut]


class PartOut(BaseModel):
    code: str = Field(examples=["start_capacitor"])
    name: TextOut
    price_fen: int = Field(description="List price of the genuine part, in fen.")


class CategoryFeesOut(BaseModel):
    """The public schedule of one category (with the brand's override when it has one)."""

    schedule_version: str
    currency: str = Field(examples=["CNY"])
    category: CategoryCode
    brand: str | None = Field(description="The brand whose override applies; null for none.")
    visit_fee_fen: int = Field(description="Waived inside a free warranty window.")
    labour: list[LabourOut]
    parts: list[PartOut]

    @classmethod
    def of(
        cls, schedule: FeeSchedule, category: CategoryCode, brand: str | None
    ) -> CategoryFeesOut:
        fees: CategoryFees = schedule.fees_for(category, brand)
        return cls(
            schedule_version=schedule.version,
            currency=schedule.currency,
            category=category,
            brand=brand.lower() if brand and schedule.has_override(category, brand) else None,
            visit_fee_fen=fees.visit_fee_fen,
            labour=[
                LabourOut(
                    code=code,
                    name=TextOut(zh=rate.name.zh, en=rate.name.en),
                    bands=[
                        BandOut(band=band, min_fen=fen.min_fen, max_fen=fen.max_fen)
                        for band, fen in rate.bands.items()
                    ],
                )
                for code, rate in fees.labour.items()
            ],
            parts=[
                PartOut(
                    code=code,
                    name=TextOut(zh=part.name.zh, en=part.name.en),
                    price_fen=part.price_fen,
                )
                for code, part in fees.parts.items()
            ],
        )


class EstimateOut(BaseModel):
    """Free (and why), or the schedule's visit fee and labour range; never a made-up total."""

    basis: Basis
    reason: TextOut
    category: CategoryCode
    brand: str | None
    schedule_version: str
    currency: str
    visit_fee_fen: int | None
    labour_min_fen: int | None
    labour_max_fen: int | None
    price_factors: TextOut | None = Field(description="What decides the final price.")

    @classmethod
    def of(cls, estimate: Estimate) -> EstimateOut:
        factors = estimate.price_factors
        return cls(
            basis=estimate.basis,
            reason=TextOut(zh=estimate.reason.zh, en=estimate.reason.en),
            category=estimate.category,
            brand=estimate.brand,
            schedule_version=estimate.schedule_version,
            currency=estimate.currency,
            visit_fee_fen=estimate.visit_fee_fen,
            labour_min_fen=None if estimate.labour is None else estimate.labour.min_fen,
            labour_max_fen=None if estimate.labour is None else estimate.labour.max_fen,
            price_factors=None if factors is None else TextOut(zh=factors.zh, en=factors.en),
        )


class ScheduleVersionOut(BaseModel):
    version: str
    active: bool
    loaded_at: datetime | None = Field(description="Null for the shipped default in use.")


class ScheduleVersionDocument(ScheduleVersionOut):
    document: dict[str, Any]
