"""Tuning of webhook delivery (environment prefix ``AFTERSALES_API_WEBHOOK_``).

Whether a process runs the delivery worker at all is the api setting ``webhook_worker``
(``AFTERSALES_API_WEBHOOK_WORKER``).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.webhooks.backoff import RetrySchedule


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_WEBHOOK_", extra="ignore")

    poll_interval_seconds: float = Field(
        default=1.0, gt=0, le=300, description="Wait between passes when there was nothing to do."
    )
    batch_size: int = Field(
        default=20, ge=1, le=500, description="Deliveries claimed and sent at once per pass."
    )
    fan_out_batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Outbox events fanned out per pass."
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest a delivery attempt may take in all."
    )
    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Longest the connection to a receiver may take."
    )
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long a claimed delivery stays with its worker; after that (a crashed "
        "worker) any worker may claim it again. At least twice timeout_seconds.",
    )
    retry_first_seconds: float = Field(default=10.0, gt=0, description="Wait after a failure.")
    retry_factor: float = Field(default=3.0, ge=1, le=10, description="Each wait grows by this.")
    retry_max_seconds: float = Field(default=3600.0, gt=0, description="Longest wait.")
    retry_jitter: float = Field(
        default=0.2, ge=0, lt=1, description="Waits are shortened at random by up to this share."
    )
    retry_window_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="A delivery fails for good once it has failed for this long.",
    )
    gap_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long the fan-out waits for a missing outbox id (a transaction still "
        "open, or one that rolled back) before it moves past it.",
    )
    shutdown_grace_seconds: float = Field(
        default=15.0, ge=0, le=300, description="At shutdown, how long sends in flight may finish."
    )
    response_excerpt_bytes: int = Field(
        default=512, ge=0, le=16_384, description="How much of a failed answer is kept."
    )

    @model_validator(mode="after")
    def _consistent(self) -> WebhookSettings:
        if self.lease_seconds < 2 * self.timeout_seconds:
            raise ValueError("lease_seconds must be at least twice timeout_seconds")
        if self.connect_timeout_seconds > self.timeout_seconds:
            raise ValueError("connect_timeout_seconds must not exceed timeout_seconds")
        if self.retry_first_seconds > self.retry_max_seconds:
            raise ValueError("retry_first_seconds must not exceed retry_max_seconds")
        return self

    @property
    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule(
            first_delay=timedelta(seconds=self.retry_first_seconds),
            factor=self.retry_factor,
            max_delay=timedelta(seconds=self.retry_max_seconds),
            jitter=self.retry_jitter,
            window=timedelta(hours=self.retry_window_hours),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def gap_grace(self) -> timedelta:
        return timedelta(seconds=self.gap_grace_seconds)
