"""Configuration of the bot process (environment prefix ``AFTERSALES_BOT_``).

The Telegram token is also read from ``TELEGRAM_BOT_TOKEN``, the name every Telegram tool
documents.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings

#: The api's documented development keys for the bot role and the agent role.
DEVELOPMENT_API_KEY = "dev-bot-key"
DEVELOPMENT_AGENT_API_KEY = "dev-agent-key"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class BotConfigurationError(RuntimeError):
    """The settings cannot run the bot in the chosen mode."""


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AFTERSALES_BOT_", extra="ignore", populate_by_name=True
    )

    telegram_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "telegram_token", "AFTERSALES_BOT_TELEGRAM_TOKEN", "TELEGRAM_BOT_TOKEN"
        ),
        description="The bot's token from @BotFather.",
    )
    telegram_api_base: str | None = Field(
        default=None,
        description="A Bot API server other than api.telegram.org (a local Bot API server).",
    )
    mode: BotMode = BotMode.POLLING
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to (webhook mode)."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Telegram sends it in X-Telegram-Bot-Api-Secret-Token; 1-256 of A-Z a-z "
        "0-9 _ -.",
    )
    webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/[A-Za-z0-9_/.-]*$")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, gt=0, lt=65536)
    polling_timeout_seconds: int = Field(default=10, ge=0, le=50)

    engine_url: str = "http://127.0.0.1:5005"
    engine_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait for the engine's answer to one message."
    )
    engine_connect_timeout_seconds: float = Field(default=3.0, gt=0)
    engine_token: SecretStr | None = Field(
        default=None,
        description="The engine's auth token (AFTERSALES_ENGINE_AUTH_TOKEN), sent as ?token=.",
    )
    engine_slow_notice_seconds: float = Field(
        default=8.0, gt=0, description="After this long the user is told the answer is coming."
    )
    engine_replay_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often queued messages are retried while it is down."
    )

    api_url: str = "http://127.0.0.1:8000"
    api_key: SecretStr = SecretStr(DEVELOPMENT_API_KEY)
    api_timeout_seconds: float = Field(default=15.0, gt=0)
    conversation_log_attempts: int = Field(
        default=5, ge=1, le=20, description="Tries to log one message before giving up."
    )
    conversation_log_backoff_seconds: float = Field(default=0.5, ge=0)

    store_url: str = Field(
        default="sqlite+aiosqlite:///var/bot.sqlite3",
        description="The bot's own small store: seen updates, buttons, users, queued messages.",
    )
    default_language: str = Field(
        default="zh",
        pattern="^(zh|en)$",
        description="Language of users whose Telegram client sends no language_code.",
    )

    user_rate_limit_messages: int = Field(default=20, ge=1)
    user_rate_limit_window_seconds: float = Field(default=10.0, gt=0)
    outbound_global_per_second: float = Field(default=30.0, gt=0)
    outbound_chat_per_second: float = Field(default=1.0, gt=0)
    outbound_chat_burst: int = Field(default=3, ge=1)
    outbound_attempts: int = Field(
        default=4, ge=1, le=10, description="Tries of one Telegram call refused with 429 or 5xx."
    )
    outbound_max_retry_after_seconds: float = Field(
        default=60.0, gt=0, description="A longer flood wait than this is not waited out."
    )
    agent_group_id: int | None = Field(
        default=None,
        description="Supergroup with topics where agents take over chats; unset: no takeover.",
    )
    agent_api_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_AGENT_API_KEY),
        description="The api key of the agent role, used for the agents' actions in the group.",
    )
    handoff_poll_interval_seconds: float = Field(
        default=3.0, gt=0, description="How often the api's handoff queue is read."
    )
    internal_note_marker: str = Field(
        default="!",
        min_length=1,
        max_length=8,
        description="An agent's message starting with this stays in the topic as a note.",
    )
    outbound_delivery: bool = Field(
        default=True, description="Deliver the api's outbound queue (surveys, reminders)."
    )
    outbound_poll_interval_seconds: float = Field(
        default=2.0, gt=0, description="Pause between two leases of the outbound queue."
    )
    outbound_lease_seconds: int = Field(default=60, ge=5, le=3600)
    outbound_worker_id: str = Field(default="telegram-bot", pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")
    album_quiet_seconds: float = Field(
        default=1.0, gt=0, description="An album is complete once no part came for this long."
    )
    album_max_wait_seconds: float = Field(default=5.0, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @cached_property
    def runtime(self) -> RuntimeSettings:
        return RuntimeSettings()

    def token(self) -> str:
        if self.telegram_token is None or not self.telegram_token.get_secret_value():
            raise BotConfigurationError(
                "set TELEGRAM_BOT_TOKEN (or AFTERSALES_BOT_TELEGRAM_TOKEN) to the bot's token"
            )
        return self.telegram_token.get_secret_value()

    def ensure_usable(self) -> None:
        """Refuse settings the chosen mode cannot run with, and development secrets in
        production."""
        self.token()
        if self.mode is BotMode.WEBHOOK:
            if not self.webhook_url:
                raise BotConfigurationError("webhook mode needs AFTERSALES_BOT_WEBHOOK_URL")
            if self.webhook_secret is None:
                # Without it anyone who finds the URL could post updates as any user.
                raise InsecureDefaultsError("webhook mode needs AFTERSALES_BOT_WEBHOOK_SECRET")
        if self.runtime.is_production and self.api_key.get_secret_value() == DEVELOPMENT_API_KEY:
            raise InsecureDefaultsError(
                "production mode refuses the development API key; set AFTERSALES_BOT_API_KEY"
            )
        if (
            self.runtime.is_production
            and self.agent_group_id is not None
            and self.agent_api_key.get_secret_value() == DEVELOPMENT_AGENT_API_KEY
        ):
            raise InsecureDefaultsError(
                "production mode refuses the development agent key; set "
                "AFTERSALES_BOT_AGENT_API_KEY"
            )
