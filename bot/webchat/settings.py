"""Configuration of the web chat (environment prefix ``AFTERSALES_BOT_WEBCHAT_``); the engine
and api addresses are the bot process's own (``AFTERSALES_BOT_``)."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError
from bot.telegram.settings import DEVELOPMENT_API_KEY, BotSettings


def _worker_id() -> str:
    return f"webchat-{socket.gethostname()[:60]}-{os.getpid()}"


class WebChatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_BOT_WEBCHAT_", extra="ignore")

    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie only over HTTPS (set when served behind TLS).",
    )
    rate_limit_messages: int = Field(
        default=20, ge=1, description="Messages a browser may send in one window."
    )
    rate_limit_window_seconds: float = Field(default=10.0, gt=0)
    max_text_chars: int = Field(default=4000, ge=1, description="Longest message accepted.")
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest photo accepted from a browser."
    )
    outbound_poll_seconds: float = Field(
        default=1.0, gt=0, description="Pause between two looks at the outbound queue."
    )
    replay_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Pause between two looks for kept messages the engine can take again.",
    )
    outbound_lease_seconds: int = Field(default=60, ge=5, le=3600)
    worker_id: str = Field(
        default_factory=_worker_id,
        pattern=r"^[A-Za-z0-9_.:@-]{1,128}$",
        description="Name under which this process leases outbound items.",
    )
    heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="A comment line keeps idle event streams open."
    )


def ensure_web_chat_usable(bot_settings: BotSettings) -> None:
    """Refuse the development api key in production, as the Telegram front end does."""
    if (
        bot_settings.runtime.is_production
        and bot_settings.api_key.get_secret_value() == DEVELOPMENT_API_KEY
    ):
        raise InsecureDefaultsError(
            "production mode refuses the development API key; set AFTERSALES_BOT_API_KEY"
        )
