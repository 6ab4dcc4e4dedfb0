"""Agents' working hours and the claim service level (environment prefix
``AFTERSALES_API_HANDOFFS_``)."""

from __future__ import annotations

from datetime import time, timedelta
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.customers.preferences import DEFAULT_TIMEZONE, validate_timezone
from api.handoffs.service_hours import ServiceHours


class HandoffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_HANDOFFS_", extra="ignore")

    agents_open_at: time = Field(
        default=time(9, 0), description="Local time agents start work, every day."
    )
    agents_close_at: time = Field(
        default=time(21, 0), description="Local time agents stop work, every day."
    )
    agents_timezone: Annotated[str, AfterValidator(validate_timezone)] = Field(
        default=DEFAULT_TIMEZONE, description="IANA time zone of the working hours."
    )
    claim_within_minutes: int = Field(
        default=10,
        gt=0,
        le=24 * 60,
        description="An escalated chat is claimed within this many working minutes.",
    )

    @model_validator(mode="after")
    def _opens_before_closing(self) -> HandoffSettings:
        if self.agents_open_at >= self.agents_close_at:
            raise ValueError("agents_open_at must be earlier than agents_close_at")
        return self

    @property
    def service_hours(self) -> ServiceHours:
        return ServiceHours(
            opens_at=self.agents_open_at,
            closes_at=self.agents_close_at,
            timezone=ZoneInfo(self.agents_timezone),
        )

    @property
    def claim_within(self) -> timedelta:
        return timedelta(minutes=self.claim_within_minutes)


@cache
def handoff_settings() -> HandoffSettings:
    """The process's handoff settings (a FastAPI dependency; tests override it)."""
    return HandoffSettings()
