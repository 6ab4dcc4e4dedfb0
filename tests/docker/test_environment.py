"""Every variable compose sets or .env.example names is one the services read, and every
secret production insists on is in .env.example."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator

import pytest

from actions.settings import ActionsSettings
from aftersales.runtime import InsecureDefaultsError
from api.settings import ApiSettings
from bot.engine.settings import EngineSettings
from bot.telegram.settings import BotConfigurationError, BotSettings
from bot.webchat.settings import ensure_web_chat_usable
from tests.docker.deploy_files import (
    COMPOSE_FILE,
    PROJECT_SERVICES,
    env_example_names,
    interpolated_names,
    services,
    settings_environment_names,
)

#: Variables compose itself reads, for the images that are not the project's and for the
#: migrate service's shell; none of them reaches a settings class.
COMPOSE_ONLY_VARIABLES = frozenset(
    {
        "POSTGRES_PASSWORD",
        "SEED_DEMO",
        "GRAFANA_ADMIN_PASSWORD",
        "API_PUBLISHED_PORT",
        "BOT_PUBLISHED_PORT",
        "PROMETHEUS_PUBLISHED_PORT",
        "GRAFANA_PUBLISHED_PORT",
    }
)
_NAMED_VARIABLE = re.compile(r"\b(?:AFTERSALES_[A-Z0-9_]+|TELEGRAM_BOT_TOKEN)\b")


def test_the_collected_names_include_known_settings() -> None:
    names = settings_environment_names()
    assert {
        "AFTERSALES_ENV",
        "AFTERSALES_API_DATABASE_URL",
        "AFTERSALES_API_SCHEDULING_TIMEZONE",
        "AFTERSALES_ENGINE_AUTH_TOKEN",
        "AFTERSALES_BOT_WEBCHAT_COOKIE_SECURE",
        "TELEGRAM_BOT_TOKEN",
    } <= names


@pytest.mark.parametrize("name", [*PROJECT_SERVICES, "migrate", "rasa"])
def test_compose_sets_only_variables_the_settings_read(name: str) -> None:
    unknown = set(services()[name].get("environment", {})) - settings_environment_names()
    assert not unknown, f"{name} sets variables no settings class reads: {sorted(unknown)}"


def test_env_example_names_only_variables_the_settings_or_compose_read() -> None:
    unknown = env_example_names() - settings_environment_names() - COMPOSE_ONLY_VARIABLES
    assert not unknown, sorted(unknown)


def test_every_compose_only_variable_is_used_by_compose() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    unused = {name for name in COMPOSE_ONLY_VARIABLES if name not in text}
    assert not unused, sorted(unused)


def test_every_interpolated_variable_is_in_env_example() -> None:
    missing = interpolated_names() - env_example_names()
    assert not missing, sorted(missing)


def test_project_services_read_env_file() -> None:
    for name in [*PROJECT_SERVICES, "migrate"]:
        assert services()[name]["env_file"] == ".env", name


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for variable in list(settings_environment_names()):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    yield monkeypatch


def _checks() -> list[Callable[[], None]]:
    def bot_polling() -> None:
        settings = BotSettings(agent_group_id=-100123)
        ensure_web_chat_usable(settings)
        settings.ensure_usable()

    def bot_webhook() -> None:
        BotSettings(mode="webhook").ensure_usable()

    return [
        lambda: ApiSettings().ensure_safe_for_environment(),
        lambda: ActionsSettings().ensure_safe_for_environment(),
        lambda: EngineSettings().ensure_safe_for_environment(),
        bot_polling,
        bot_webhook,
    ]


def test_every_variable_production_requires_is_in_env_example(
    production: pytest.MonkeyPatch,
) -> None:
    """Run each service's own production check, set whatever it asks for, and repeat until
    it is satisfied: everything it asked for must be in .env.example."""
    documented = env_example_names()
    asked: set[str] = set()
    for check in _checks():
        for _ in range(20):
            try:
                check()
                break
            except (InsecureDefaultsError, BotConfigurationError) as refusal:
                named = set(_NAMED_VARIABLE.findall(str(refusal)))
                assert named, f"the refusal names no variable: {refusal}"
                assert named & documented, f"{sorted(named)} not in .env.example ({refusal})"
                for variable in named - {"TELEGRAM_BOT_TOKEN"}:
                    production.setenv(variable, secrets.token_hex(16))
                asked |= named
        else:
            pytest.fail("a production check never became satisfied")
    assert {"AFTERSALES_API_KEY_ADMIN", "AFTERSALES_ENGINE_AUTH_TOKEN"} <= asked
