"""Settings every process shares: which environment it runs in."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    env: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`production` refuses default secrets and development API keys.",
    )

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION


class InsecureDefaultsError(RuntimeError):
    """A production process found a secret still at its documented development value."""
