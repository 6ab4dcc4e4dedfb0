"""docker/compose.yaml: valid Compose, real CLI commands, health checks on real endpoints."""

from __future__ import annotations

import json
import re
import shlex

import httpx
import jsonschema
import pytest
from sanic import Sanic
from starlette.types import ASGIApp

from actions.server import build_app
from actions.settings import ActionsSettings
from aftersales.cli import build_parser
from api.app import create_app as create_api_app
from api.settings import ApiSettings
from bot.engine.server import create_app as create_engine_app
from bot.http_app import create_app as create_bot_app
from tests.docker.deploy_files import (
    COMPOSE_SCHEMA,
    PROJECT_SERVICES,
    compose,
    health_target,
    services,
)

_CLI_CALL = re.compile(r"\baftersales\s+([^;&|]+)")


def test_compose_file_validates_against_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator(schema).validate(compose())


def test_the_schema_rejects_a_service_with_an_unknown_key() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    broken = {"services": {"api": {"image": "x", "healthcheck": {"probe": "/healthz"}}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(broken)


def cli_invocations(service: dict[str, object]) -> list[list[str]]:
    """The ``aftersales`` argument lists a service runs: its command after the image's
    ``aftersales`` entry point, or each ``aftersales ...`` call of a shell command."""
    command = service["command"]
    assert isinstance(command, list)
    if "entrypoint" not in service:
        return [[str(part) for part in command]]
    script = " ".join(str(part) for part in command)
    return [shlex.split(call) for call in _CLI_CALL.findall(script)]


@pytest.mark.parametrize("name", [*PROJECT_SERVICES, "migrate"])
def test_every_command_is_a_real_cli_subcommand(name: str) -> None:
    invocations = cli_invocations(services()[name])
    assert invocations, f"{name} runs no aftersales command"
    parser = build_parser()
    for arguments in invocations:
        try:
            parsed = parser.parse_args(arguments)
        except SystemExit as error:
            raise AssertionError(
                f"{name}: `aftersales {' '.join(arguments)}` is refused"
            ) from error
        assert callable(parsed.handler)


def test_migrate_upgrades_then_seeds_the_demo_only_when_asked() -> None:
    invocations = cli_invocations(services()["migrate"])
    assert invocations == [["db", "upgrade"], ["seed", "--demo"]]
    script = " ".join(services()["migrate"]["command"])
    assert re.search(r'if \[ "\$\$\{SEED_DEMO:-0\}" = 1 \]; then aftersales seed --demo', script)


@pytest.mark.parametrize("name", list(services()))
def test_every_long_running_service_has_a_health_check_and_a_restart_policy(name: str) -> None:
    service = services()[name]
    if name == "migrate":
        assert service["restart"] == "no"
        return
    assert service["restart"] == "unless-stopped"
    healthcheck = service["healthcheck"]
    assert not healthcheck.get("disable", False)
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}


@pytest.mark.parametrize("name", list(services()))
def test_dependencies_wait_for_health_or_completion(name: str) -> None:
    for dependency, rule in services()[name].get("depends_on", {}).items():
        expected = (
            "service_completed_successfully" if dependency == "migrate" else "service_healthy"
        )
        assert rule == {"condition": expected}, f"{name} -> {dependency}"
        assert dependency in services()


def test_api_waits_for_the_migration() -> None:
    assert services()["api"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


@pytest.mark.parametrize(
    ("name", "default_port"), [("api", 8000), ("actions", 5055), ("engine", 5005), ("bot", 8080)]
)
def test_health_checks_use_python_on_the_service_port(name: str, default_port: int) -> None:
    test = services()[name]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert health_target(name)[0] == default_port


async def asgi_status(app: ASGIApp, path: str) -> int:
    """The status of ``GET path`` without starting the app's lifespan: what matters is that
    the route exists, not what it answers before the service has started."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return (await client.get(path)).status_code


async def test_the_api_health_check_path_answers() -> None:
    assert await asgi_status(create_api_app(ApiSettings()), health_target("api")[1]) == 200


async def test_the_bot_health_check_path_exists() -> None:
    assert await asgi_status(create_bot_app(), health_target("bot")[1]) not in {404, 405}


async def test_the_engine_health_check_path_exists() -> None:
    assert await asgi_status(create_engine_app(), health_target("engine")[1]) not in {404, 405}


def test_the_action_server_health_check_path_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other tests may have built a rasa-sdk app in this process; test mode allows a second one.
    monkeypatch.setattr(Sanic, "test_mode", True)
    routes = {
        "/" + route.path.lstrip("/"): route.methods
        for route in build_app(ActionsSettings()).router.routes
    }
    assert "GET" in routes[health_target("actions")[1]]
