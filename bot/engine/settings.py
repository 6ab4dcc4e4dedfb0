"""Configuration of the dialogue engine process (environment prefix ``AFTERSALES_ENGINE_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings
from bot.engine.constants import DEFAULT_MAX_NUMBER_OF_PREDICTIONS
from bot.engine.processor import BusyReplies

_BUSY = BusyReplies()
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


def is_redis_url(url: str) -> bool:
    return urlsplit(url).scheme in REDIS_SCHEMES


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
    action_domain_digest: bool = Field(
        default=True,
        description="Send `domain_digest` and the domain only when the action server lacks it "
        "(rasa-sdk 3.11 and newer); false sends the whole domain every call, as Rasa 3.6 does.",
    )
    tracker_store_url: str = Field(
        default="sqlite+aiosqlite:///var/engine.sqlite3",
        description="Conversations and pending reminders: a SQLAlchemy async URL (SQLite, "
        "PostgreSQL) or a Redis URL (`redis://host:6379/0`).",
    )
    tracker_store_expire_seconds: int = Field(
        default=0,
        ge=0,
        description="Redis tracker store: a conversation without a new event for this long "
        "is deleted; 0 keeps every conversation.",
    )
    lock_store_url: str = Field(
        default="",
        description="Redis URL of the per-conversation lock shared by engine replicas; empty: "
        "locks inside this process (one engine only).",
    )
    lock_lifetime_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A conversation lock whose holder stops renewing it (a crashed replica) "
        "is free after this long.",
    )
    lock_poll_seconds: float = Field(
        default=0.02, gt=0, description="How often a message waiting for its turn asks again."
    )
    redis_key_prefix: str = Field(
        default="aftersales:engine:", description="Start of every Redis key the engine writes."
    )
    reminder_poll_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often pending reminders are read from the tracker store, so one "
        "scheduled by another replica fires even if that replica stopped.",
    )
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

    @field_validator("lock_store_url")
    @classmethod
    def _lock_store_is_redis(cls, url: str) -> str:
        if url and not is_redis_url(url):
            raise ValueError("the lock store is a Redis URL (redis://, rediss:// or unix://)")
        return url

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
