"""Configuration of the dialogue engine process (environment prefix ``AFTERSALES_ENGINE_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings
from bot.engine.constants import DEFAULT_MAX_NUMBER_OF_PREDICTIONS
from bot.engine.processor import BusyReplies

_BUSY = BusyReplies()


class EngineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_ENGINE_", extra="ignore")

    data_dir: Path = Field(default=Path("nlu_data"), description="Rasa 3.x project data.")
    host: str = "127.0.0.1"
    port: int = Field(default=5005, gt=0, lt=65536)
    action_endpoint: str = Field(
        default="http://127.0.0.1:5055/webhook",
        description="rasa-sdk action server webhook; empty to run without custom actions.",
    )
    action_timeout_seconds: float = Field(default=15.0, gt=0)
    tracker_store_url: str = "sqlite+aiosqlite:///var/engine.sqlite3"
    auth_token: SecretStr | None = Field(
        default=None, description="Like Rasa's --auth-token: required as ?token= when set."
    )
    cache_dir: Path = Path("var/engine-cache")
    max_number_of_predictions: int = Field(default=DEFAULT_MAX_NUMBER_OF_PREDICTIONS, gt=0)
    busy_reply_zh: str = _BUSY.zh
    busy_reply_en: str = _BUSY.en
    default_language: str = Field(default="zh", pattern="^(zh|en)$")
    callback_url: str = Field(
        default="",
        description="Where messages no request waits for (reminders) are POSTed, as the REST "
        "reply's list; empty: they are only kept in the tracker.",
    )
    callback_token: SecretStr | None = Field(
        default=None, description="Sent to the callback as ?token= (a Rasa endpoint's token)."
    )
    callback_attempts: int = Field(default=5, ge=1, le=20)
    callback_backoff_seconds: float = Field(
        default=0.5, ge=0, description="First pause between tries, doubled each time."
    )
    callback_max_backoff_seconds: float = Field(default=30.0, ge=0)
    callback_timeout_seconds: float = Field(default=10.0, gt=0)

    @cached_property
    def runtime(self) -> RuntimeSettings:
        return RuntimeSettings()

    def busy_replies(self) -> BusyReplies:
        return BusyReplies(
            zh=self.busy_reply_zh, en=self.busy_reply_en, default_language=self.default_language
        )

    def ensure_safe_for_environment(self) -> None:
        if self.runtime.is_production and self.auth_token is None:
            raise InsecureDefaultsError(
                "production mode refuses an engine without AFTERSALES_ENGINE_AUTH_TOKEN"
            )
