"""Configuration of the action server (environment prefix ``AFTERSALES_ACTIONS_``)."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings

#: The api's documented development key for the actions role.
DEVELOPMENT_API_KEY = "dev-actions-key"


class ActionsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_ACTIONS_", extra="ignore")

    api_url: str = "http://127.0.0.1:8000"
    api_key: SecretStr = SecretStr(DEVELOPMENT_API_KEY)
    connect_timeout: float = Field(default=2.0, gt=0, description="Seconds to open a connection.")
    read_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for an api answer; a turn never hangs."
    )
    retry_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries of an idempotent api call before giving up."
    )
    retry_backoff: float = Field(
        default=0.2, ge=0, description="First pause between tries, doubled each time (seconds)."
    )
    host: str = "127.0.0.1"
    port: int = 5055

    @cached_property
    def runtime(self) -> RuntimeSettings:
        return RuntimeSettings()

    def ensure_safe_for_environment(self) -> None:
        if self.runtime.is_production and (self.api_key.get_secret_value() == DEVELOPMENT_API_KEY):
            raise InsecureDefaultsError(
                "production mode refuses the development API key; set AFTERSALES_ACTIONS_API_KEY"
            )
