"""The api client: service key and consumer headers, timeouts, retries and api errors."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import CaseStatus
from actions.settings import DEVELOPMENT_API_KEY, ActionsSettings
from aftersales.runtime import InsecureDefaultsError
from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS
from tests.actions.conversations import CUSTOMER
from tests.support.live_server import serve_in_thread

RESOLUTION = {"query": "kfr35", "kind": "none", "brands": [], "categories": [], "candidates": []}


class FlakyApi:
    """An HTTP server that fails a set number of times before answering, and records calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        self.app = FastAPI()
        self.app.get("/api/v1/catalogue/models/resolve")(self.resolve)
        self.app.post("/api/v1/cases/{case_id}/transitions")(self.transition)
        self.app.get("/api/v1/troubleshooting/guides/{guide_id}")(self.slow_guide)

    async def resolve(self, request: Request) -> Any:
        self.calls["resolve"] += 1
        self.headers.append(dict(request.headers))
        if self.calls["resolve"] <= self.failures:
            return Response(status_code=503)
        return RESOLUTION

    async def transition(self, case_id: int) -> Response:
        self.calls["transition"] += 1
        return Response(status_code=502)

    async def slow_guide(self, guide_id: int) -> Response:
        self.calls["guide"] += 1
        await asyncio.sleep(1.0)
        return Response(status_code=404)


@pytest.fixture
def flaky() -> Iterator[tuple[FlakyApi, str]]:
    api = FlakyApi(failures=2)
    with serve_in_thread(api.app) as url:
        yield api, url


def _client(url: str, **settings: Any) -> AftersalesApi:
    return AftersalesApi.from_settings(ActionsSettings(api_url=url, retry_backoff=0.01, **settings))


async def test_every_call_carries_the_service_key_and_the_consumer(
    flaky: tuple[FlakyApi, str],
) -> None:
    server, url = flaky
    client = _client(url, api_key=SecretStr("actions-secret"))
    await client.resolve_model(CUSTOMER, "kfr35")
    await client.aclose()
    headers = server.headers[-1]
    assert headers["x-api-key"] == "actions-secret"
    assert headers["x-customer-id"] == CUSTOMER


async def test_a_read_is_retried_until_the_api_answers(flaky: tuple[FlakyApi, str]) -> None:
    server, url = flaky
    client = _client(url, retry_attempts=3)
    resolution = await client.resolve_model(CUSTOMER, "kfr35")
    await client.aclose()
    assert resolution.kind.value == "none"
    assert server.calls["resolve"] == 3


async def test_a_read_gives_up_after_its_attempts(flaky: tuple[FlakyApi, str]) -> None:
    server, url = flaky
    client = _client(url, retry_attempts=2)
    with pytest.raises(ApiUnavailable):
        await client.resolve_model(CUSTOMER, "kfr35")
    await client.aclose()
    assert server.calls["resolve"] == 2


async def test_a_status_transition_is_never_repeated(flaky: tuple[FlakyApi, str]) -> None:
    server, url = flaky
    client = _client(url, retry_attempts=5)
    with pytest.raises(ApiUnavailable):
        await client.transition_case(CUSTOMER, 7, CaseStatus.RESOLVED)
    await client.aclose()
    assert server.calls["transition"] == 1


async def test_a_slow_api_times_out_instead_of_hanging_the_turn(
    flaky: tuple[FlakyApi, str],
) -> None:
    server, url = flaky
    client = _client(url, read_timeout=0.2, retry_attempts=2)
    started = asyncio.get_running_loop().time()
    with pytest.raises(ApiUnavailable):
        await client.get_guide(CUSTOMER, 1)
    await client.aclose()
    assert asyncio.get_running_loop().time() - started < 0.9
    assert server.calls["guide"] == 2


async def test_a_client_error_carries_the_api_problem_code(api: AftersalesApi) -> None:
    with pytest.raises(ApiRejected) as rejected:
        await api.lookup_serial(CUSTOMER, "X" * 200)
    assert rejected.value.status == 422
    assert rejected.value.code


async def test_a_missing_model_or_case_is_none(api: AftersalesApi) -> None:
    assert await api.get_model(CUSTOMER, "NO-SUCH-MODEL") is None
    assert await api.get_case(CUSTOMER, 999_999) is None


async def test_a_model_code_with_slashes_and_spaces_is_found(api: AftersalesApi) -> None:
    with_slash = await api.get_model(CUSTOMER, "KFR-35GW/BpR3")
    with_space = await api.get_model(CUSTOMER, "Mate 60 Pro")
    assert with_slash is not None and with_slash.code == "KFR-35GW/BpR3"
    assert with_space is not None and with_space.category == "phone"


def test_the_default_key_is_the_apis_development_key_for_the_actions_role() -> None:
    assert DEVELOPMENT_KEYS[Role.ACTIONS] == DEVELOPMENT_API_KEY


def test_production_refuses_the_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    with pytest.raises(InsecureDefaultsError):
        ActionsSettings().ensure_safe_for_environment()
    ActionsSettings(api_key=SecretStr("a-real-secret")).ensure_safe_for_environment()


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_ACTIONS_API_URL", "http://api.internal:9000")
    monkeypatch.setenv("AFTERSALES_ACTIONS_PORT", "6055")
    settings = ActionsSettings()
    assert (settings.api_url, settings.port) == ("http://api.internal:9000", 6055)
