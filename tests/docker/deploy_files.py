"""The deployment files under docker/ and what the project's code says they must match."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
DOCKERFILE = DOCKER / "Dockerfile"
PROMETHEUS_CONFIG = DOCKER / "prometheus" / "prometheus.yml"
GRAFANA = DOCKER / "grafana"
HEALTHCHECK_SCRIPT = DOCKER / "healthcheck.py"
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")

#: The services that run the project's image, by the command that selects them.
PROJECT_SERVICES = ("api", "actions", "engine", "bot")
#: Modules whose pydantic-settings classes are every setting the services read.
SETTINGS_MODULES = (
    "aftersales.runtime",
    "api.settings",
    "api.handoffs.settings",
    "api.outbound.settings",
    "api.progress.settings",
    "api.retention.settings",
    "api.scheduling.settings",
    "api.surveys.settings",
    "api.webhooks.settings",
    "actions.settings",
    "bot.engine.settings",
    "bot.telegram.settings",
    "bot.webchat.settings",
)
_ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[A-Za-z/]*)")
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def settings_classes() -> list[type[BaseSettings]]:
    classes: list[type[BaseSettings]] = []
    for module_name in SETTINGS_MODULES:
        module = importlib.import_module(module_name)
        for _, member in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(member, BaseSettings)
                and member is not BaseSettings
                and member.__module__ == module_name
            ):
                classes.append(member)
    return classes


@cache
def settings_environment_names() -> frozenset[str]:
    """Every environment variable a settings class reads, upper-cased."""
    names: set[str] = set()
    for settings_class in settings_classes():
        prefix = settings_class.model_config.get("env_prefix", "")
        for field_name, field in settings_class.model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names.update(
                    choice.upper()
                    for choice in alias.choices
                    if isinstance(choice, str) and choice.isupper()
                )
            else:
                names.add(f"{prefix}{field_name}".upper())
    return frozenset(names)


def env_example_names() -> set[str]:
    """Variables .env.example sets or names in a commented-out line."""
    return set(_ENV_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def interpolated_names() -> set[str]:
    """Variables compose.yaml substitutes (``${NAME}``; ``$${...}`` is left to the shell)."""
    return set(_INTERPOLATION.findall(COMPOSE_FILE.read_text(encoding="utf-8")))


def health_target(service: str) -> tuple[int, str]:
    """Port and path the service's compose health check asks."""
    test = " ".join(services()[service]["healthcheck"]["test"])
    match = _HEALTH_URL.search(test)
    assert match, f"{service}'s health check asks no local URL"
    return int(match.group(1)), match.group(2)
