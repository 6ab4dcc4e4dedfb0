"""Configuration of the api process (environment prefix ``AFTERSALES_API_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings
from api.auth_roles import Role

DEVELOPMENT_KEYS: dict[Role, str] = {role: f"dev-{role.value}-key" for role in Role}


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/aftersales.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8000
    attachments_dir: Path = Path("var/attachments")
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_text_chars: int = Field(default=4000, gt=0)
    load_demo_data: bool = Field(
        default=False, description="Load the shipped demo data when the database is empty."
    )
    webhook_worker: bool = Field(
        default=True, description="Deliver webhooks from this process (see api.webhooks.worker)."
    )
    warm_up: bool = Field(
        default=True,
        description="Build the catalogue, policy and troubleshooting caches right after start, "
        "so the first consumers do not wait for them.",
    )
    key_actions: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.ACTIONS])
    key_bot: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.BOT])
    key_agent: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.AGENT])
    key_supervisor: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.SUPERVISOR])
    key_backend: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.BACKEND])
    key_admin: SecretStr = SecretStr(DEVELOPMENT_KEYS[Role.ADMIN])

    @cached_property
    def runtime(self) -> RuntimeSettings:
        return RuntimeSettings()

    def key_for(self, role: Role) -> SecretStr:
        key: SecretStr = getattr(self, f"key_{role.value}")
        return key

    def role_by_key(self) -> dict[str, Role]:
        return {self.key_for(role).get_secret_value(): role for role in Role}

    def ensure_safe_for_environment(self) -> None:
        if not self.runtime.is_production:
            return
        defaults = [
            f"AFTERSALES_API_KEY_{role.value.upper()}"
            for role in Role
            if self.key_for(role).get_secret_value() == DEVELOPMENT_KEYS[role]
        ]
        if defaults:
            raise InsecureDefaultsError(
                "production mode refuses the development API keys; set " + ", ".join(defaults)
            )
        keys = [self.key_for(role).get_secret_value() for role in Role]
        if len(set(keys)) != len(keys):
            raise InsecureDefaultsError("every role needs its own API key in production mode")
