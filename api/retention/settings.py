"""How long consumers' conversations and files are kept (``AFTERSALES_API_RETENTION_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RetentionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_RETENTION_", extra="ignore")

    days: int = Field(
        default=730,
        ge=0,
        description="A consumer silent this long, with every case ended, is anonymised: "
        "transcript and files purged, cases kept without personal data; 0 keeps everything.",
    )
    interval_hours: float = Field(
        default=24.0, gt=0, description="How often the api looks for consumers to purge."
    )
    batch_size: int = Field(default=200, ge=1, le=10_000, description="Consumers per pass.")
