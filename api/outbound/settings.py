"""Retries and quiet hours of outbound deliveries (environment prefix
``AFTERSALES_API_OUTBOUND_``)."""

from __future__ import annotations

from datetime import time, timedelta
from functools import cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.outbound.retry import RetryPolicy
from api.surveys.quiet_hours import QuietHours


class OutboundSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_OUTBOUND_", extra="ignore")

    max_attempts: int = Field(
        default=6, ge=1, le=100, description="Delivery attempts before an item is failed."
    )
    retry_base_seconds: int = Field(
        default=30, ge=1, description="Wait after the first failure; it doubles each time."
    )
    retry_max_seconds: int = Field(default=3600, ge=1, description="Longest wait between tries.")
    quiet_from: time = Field(
        default=time(21, 0),
        description="Consumer's local time from which only urgent messages are delivered.",
    )
    quiet_until: time = Field(
        default=time(9, 0),
        description="Consumer's local time at which every message may be delivered again.",
    )

    @model_validator(mode="after")
    def _base_within_max(self) -> OutboundSettings:
        if self.retry_base_seconds > self.retry_max_seconds:
            raise ValueError("retry_base_seconds must not exceed retry_max_seconds")
        return self

    @model_validator(mode="after")
    def _quiet_period_is_a_period(self) -> OutboundSettings:
        if self.quiet_from == self.quiet_until:
            raise ValueError("quiet_from and quiet_until must differ")
        return self

    @property
    def quiet_hours(self) -> QuietHours:
        return QuietHours(starts=self.quiet_from, ends=self.quiet_until)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            base_delay=timedelta(seconds=self.retry_base_seconds),
            max_delay=timedelta(seconds=self.retry_max_seconds),
        )


@cache
def outbound_settings() -> OutboundSettings:
    """The process's outbound settings (a FastAPI dependency; tests override it)."""
    return OutboundSettings()
