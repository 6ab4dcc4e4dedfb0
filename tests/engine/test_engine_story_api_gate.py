"""The gate in front of the api: it passes requests through unchanged, and answers 503 to
the requests made for a consumer the api is cut off from, while the block lasts."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions.api_client import CUSTOMER_HEADER, AftersalesApi, ApiUnavailable
from actions.settings import ActionsSettings
from bot.engine.stories.api_gate import ApiGate, started_api_gate
from bot.engine.stories.backends import free_port


@dataclass
class Upstream:
    """A stand-in api that tells what reached it."""

    url: str
    requests: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    seen: list[dict[str, object]] = []

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(
            {
                "method": request.method,
                "path": request.raw_path,
                "body": body,
                "customer": request.headers.get(CUSTOMER_HEADER),
                "trace": request.headers.get("X-Trace"),
            }
        )
        if request.path.startswith("/api/v1/catalogue/models/"):
            problem = {"type": "about:blank", "title": "Not Found", "status": 404}
            return web.json_response(
                {**problem, "code": "model_not_found"},
                status=404,
                content_type="application/problem+json",
            )
        answer = gzip.compress(json.dumps({"echo": body.decode()}).encode())
        return web.Response(
            status=201,
            body=answer,
            headers={"Content-Encoding": "gzip", "X-Answer": "yes"},
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", echo)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield Upstream(str(server.make_url("")).rstrip("/"), seen)
    await server.close()


@pytest.fixture
def gate(upstream: Upstream) -> Iterator[ApiGate]:
    with started_api_gate(upstream.url) as started:
        yield started


async def test_requests_pass_through_unchanged(gate: ApiGate, upstream: Upstream) -> None:
    async with httpx.AsyncClient(base_url=gate.url) as client:
        answer = await client.post(
            "/api/v1/cases?q=%E5%86%B0%E7%AE%B1&limit=5",
            content=b'{"serial": "GR1"}',
            headers={CUSTOMER_HEADER: "web:a", "X-Trace": "t-1"},
        )
    assert answer.status_code == 201
    assert answer.headers["X-Answer"] == "yes"
    assert answer.json() == {"echo": '{"serial": "GR1"}'}
    assert upstream.requests == [
        {
            "method": "POST",
            "path": "/api/v1/cases?q=%E5%86%B0%E7%AE%B1&limit=5",
            "body": b'{"serial": "GR1"}',
            "customer": "web:a",
            "trace": "t-1",
        }
    ]


async def test_the_api_is_unavailable_to_the_cut_off_consumer_only_inside_the_block(
    gate: ApiGate, upstream: Upstream
) -> None:
    async with httpx.AsyncClient(base_url=gate.url) as client:

        async def status(customer: str) -> int:
            answer = await client.get("/api/v1/cases", headers={CUSTOMER_HEADER: customer})
            return answer.status_code

        with gate.unavailable_for("web:a"):
            assert gate.is_unavailable_for("web:a")
            answer = await client.get("/api/v1/cases", headers={CUSTOMER_HEADER: "web:a"})
            assert answer.status_code == 503
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["code"] == "api_unavailable"
            assert await asyncio.gather(status("web:b"), status("web:a")) == [201, 503]
            assert (await client.get("/api/v1/cases")).status_code == 201
        assert not gate.is_unavailable_for("web:a")
        assert await status("web:a") == 201
    assert [request["customer"] for request in upstream.requests] == ["web:b", None, "web:a"]


def test_overlapping_outages_of_one_consumer_end_with_the_last() -> None:
    gate = ApiGate("http://127.0.0.1:9")
    with gate.unavailable_for("web:a"):
        with gate.unavailable_for("web:a"):
            pass
        assert gate.is_unavailable_for("web:a")
    assert not gate.is_unavailable_for("web:a")


async def test_an_api_that_does_not_answer_is_a_bad_gateway() -> None:
    with started_api_gate(f"http://127.0.0.1:{free_port()}") as gate:
        async with httpx.AsyncClient(base_url=gate.url) as client:
            answer = await client.get("/api/v1/cases")
    assert answer.status_code == 502
    assert answer.json()["code"] == "api_unreachable"


async def test_the_actions_client_meets_a_real_outage(gate: ApiGate) -> None:
    settings = ActionsSettings(api_url=gate.url, retry_attempts=2, retry_backoff=0.01)
    api = AftersalesApi.from_settings(settings)
    try:
        assert await api.get_model("web:a", "KFR-35GW") is None
        with gate.unavailable_for("web:a"):
            with pytest.raises(ApiUnavailable):
                await api.get_model("web:a", "KFR-35GW")
            assert await api.get_model("web:b", "KFR-35GW") is None
        assert await api.get_model("web:a", "KFR-35GW") is None
    finally:
        await api.aclose()


def test_the_gate_must_be_started_to_have_an_address() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = ApiGate("http://127.0.0.1:9").url
