"""docker/Dockerfile and the image's health check script."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from types import ModuleType

import pytest

from tests.docker.deploy_files import (
    DOCKERFILE,
    HEALTHCHECK_SCRIPT,
    PROJECT_SERVICES,
    ROOT,
    health_target,
    services,
)

_INSTRUCTION = re.compile(r"^([A-Z]+)\s+(.*)$")


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions with continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _INSTRUCTION.match(line.strip())
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def test_build_is_multi_stage_on_slim_python() -> None:
    stages = arguments_of("FROM")
    assert len(stages) >= 2
    assert all(stage.startswith("python:3.11-slim AS ") for stage in stages)
    first_stage = stages[0].split(" AS ")[1]
    assert any(f"--from={first_stage}" in copy for copy in arguments_of("COPY"))


def test_the_project_is_installed_from_a_wheel() -> None:
    runs = " ".join(arguments_of("RUN"))
    assert "python -m build --wheel" in runs
    assert re.search(r"pip install [^&]*\.whl", runs)


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = arguments_of("USER")
    assert users, "no USER"
    assert users[-1] not in {"root", "0", "0:0"}


def test_the_image_has_a_health_check_with_the_script() -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    assert "CMD" in healthcheck
    assert "aftersales-healthcheck" in healthcheck
    assert any(
        copy.startswith("docker/healthcheck.py ") and "aftersales-healthcheck" in copy
        for copy in arguments_of("COPY")
    )


def test_the_command_chooses_the_service() -> None:
    assert arguments_of("ENTRYPOINT") == ['["aftersales"]']
    assert arguments_of("CMD")[-1] == '["api"]'


def test_the_engine_data_is_in_the_image_where_the_engine_reads_it() -> None:
    copies = arguments_of("COPY")
    assert any(copy.split()[-2:] == ["nlu_data", "./nlu_data"] for copy in copies)
    assert arguments_of("WORKDIR")[-1] == "/app"
    environment = " ".join(arguments_of("ENV"))
    assert "AFTERSALES_ENGINE_DATA_DIR=/app/nlu_data" in environment


def test_every_package_the_wheel_holds_is_copied_into_the_build() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {copy.split()[0] for copy in arguments_of("COPY") if not copy.startswith("--")}
    assert set(packages) <= copied
    assert pyproject["project"]["readme"] in " ".join(arguments_of("COPY"))


@pytest.fixture(scope="module")
def healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("image_healthcheck", HEALTHCHECK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("service", PROJECT_SERVICES)
def test_the_script_finds_the_service_of_the_main_process(
    healthcheck: ModuleType, service: str
) -> None:
    command_line = ["/usr/local/bin/python", "/usr/local/bin/aftersales", service, "--port", "1"]
    assert healthcheck.service_of(command_line) == service


def test_one_shot_commands_have_no_endpoint(healthcheck: ModuleType) -> None:
    assert healthcheck.service_of(["/usr/local/bin/aftersales", "db", "upgrade"]) is None
    assert healthcheck.service_of(["sh", "-c", "aftersales db upgrade"]) is None


def test_the_script_asks_each_service_on_its_configured_port(healthcheck: ModuleType) -> None:
    assert healthcheck.health_url("api", {}) == "http://127.0.0.1:8000/healthz"
    assert (
        healthcheck.health_url("bot", {"AFTERSALES_BOT_PORT": "9000"})
        == "http://127.0.0.1:9000/health"
    )
    assert healthcheck.health_url("actions", {}) == "http://127.0.0.1:5055/health"
    assert (
        healthcheck.health_url("engine", {"AFTERSALES_ENGINE_AUTH_TOKEN": "a b"})
        == "http://127.0.0.1:5005/status?token=a%20b"
    )


@pytest.mark.parametrize("service", PROJECT_SERVICES)
def test_the_script_and_compose_ask_the_same_endpoint(
    healthcheck: ModuleType, service: str
) -> None:
    port, path = health_target(service)
    assert healthcheck.health_url(service, {}) == f"http://127.0.0.1:{port}{path}"


def test_every_volume_of_a_project_service_is_a_directory_the_user_owns() -> None:
    runs = arguments_of("RUN")
    for service in [*PROJECT_SERVICES, "migrate"]:
        for volume in services()[service].get("volumes", []):
            mount_point = volume.split(":")[1]
            assert mount_point.startswith("/app/var/"), volume
            relative = mount_point.removeprefix("/app/")
            assert any(
                f" {relative} " in f" {run} " and "chown -R aftersales:aftersales var" in run
                for run in runs
            ), f"{service}: {mount_point} is not created for the image's user"
