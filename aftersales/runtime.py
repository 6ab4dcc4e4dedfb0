"""Settings every process shares: which environment it runs in and where state lives."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Field(default=Path("var"), description="Local state: SQLite files, caches.")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION


class InsecureDefaultsError(RuntimeError):
    """A production process found a secret still at its documented development value."""
