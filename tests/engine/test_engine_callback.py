"""A reminder's replies reach the front end through the callback URL, retried while the
receiver is down; the receiver is a real HTTP server on a local port."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.engine.callback import CallbackDelivery
from bot.engine.events import ReminderScheduled
from bot.engine.server import EngineServices
from bot.engine.settings import EngineSettings
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    KeywordParser,
    write_bot,
)

MESSAGES = [{"recipient_id": "tg:42", "text": "您的工程师明天上午到。"}]


class Receiver:
    """The front end's side: records every POST, answering with the scripted statuses
    first and 200 afterwards."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[Any, dict[str, str]]] = []
        self.delivered = asyncio.Event()
        self.app = FastAPI()
        self.app.post("/callback")(self.receive)

    async def receive(self, request: Request) -> JSONResponse:
        self.requests.append((await request.json(), dict(request.query_params)))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.delivered.set()
        return JSONResponse({}, status_code=status)

    @property
    def bodies(self) -> list[Any]:
        return [body for body, _ in self.requests]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[str]:
    """Serve the receiver on a socket that already listens: a request sent at once waits
    in the backlog instead of being refused."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(receiver.app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{port}/callback"
    finally:
        server.should_exit = True
        await task
        listener.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def delivery(url: str, http: httpx.AsyncClient, **options: Any) -> CallbackDelivery:
    values: dict[str, Any] = {
        "attempts": 4,
        "first_backoff_seconds": 0.01,
        "max_backoff_seconds": 0.05,
        "timeout_seconds": 2.0,
    }
    values.update(options)
    return CallbackDelivery(url, http, **values)


async def test_messages_are_posted_as_the_rest_reply_list_with_the_token(
    http: httpx.AsyncClient,
) -> None:
    receiver = Receiver()
    async with serving(receiver) as url:
        sent = await delivery(url, http, token=SecretStr("t0ken")).deliver(MESSAGES)
    assert sent
    assert receiver.requests == [(MESSAGES, {"token": "t0ken"})]


async def test_a_receiver_that_is_down_for_a_while_gets_the_messages_once_back(
    http: httpx.AsyncClient,
) -> None:
    receiver = Receiver([503, 429, 502])
    async with serving(receiver) as url:
        assert await delivery(url, http).deliver(MESSAGES)
    assert receiver.bodies == [MESSAGES] * 4


async def test_a_refusal_is_final(http: httpx.AsyncClient) -> None:
    receiver = Receiver([422])
    async with serving(receiver) as url:
        with capture_logs() as logs:
            assert not await delivery(url, http).deliver(MESSAGES)
    assert receiver.bodies == [MESSAGES]
    assert [log["event"] for log in logs] == ["callback.refused"]
    assert logs[0]["status"] == 422


async def test_tries_end_after_the_configured_attempts(http: httpx.AsyncClient) -> None:
    receiver = Receiver([500] * 10)
    async with serving(receiver) as url:
        with capture_logs() as logs:
            assert not await delivery(url, http, attempts=3).deliver(MESSAGES)
    assert len(receiver.requests) == 3
    [failure] = logs
    assert failure["event"] == "callback.undelivered"
    assert failure["error"] == "answered 500"
    assert failure["recipient_id"] == "tg:42"


async def test_an_unreachable_receiver_is_retried_then_given_up(http: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/callback"
    started = time.monotonic()
    with capture_logs() as logs:
        assert not await delivery(url, http, attempts=3).deliver(MESSAGES)
    assert time.monotonic() - started >= 0.01 + 0.02, "it waited between the tries"
    assert logs[0]["event"] == "callback.undelivered"
    assert logs[0]["error"].startswith("ConnectError")


async def test_nothing_to_deliver_sends_nothing(http: httpx.AsyncClient) -> None:
    receiver = Receiver()
    async with serving(receiver) as url:
        assert await delivery(url, http).deliver([])
    assert receiver.requests == []


DOMAIN = PRODUCT_DOMAIN.replace("  - affirm\n", "  - affirm\n  - EXTERNAL_nudge\n", 1)
RULES = (
    PRODUCT_RULES
    + """\
- rule: a nudge
  steps:
  - intent: EXTERNAL_nudge
  - action: utter_welcome
"""
)


async def test_a_fired_reminder_reaches_the_callback(tmp_path: Path) -> None:
    receiver = Receiver([503])
    async with serving(receiver) as url:
        settings = EngineSettings(
            data_dir=write_bot(tmp_path / "bot", DOMAIN, RULES),
            tracker_store_url="sqlite+aiosqlite:///:memory:",
            action_endpoint="",
            cache_dir=tmp_path / "cache",
            callback_url=url,
            callback_backoff_seconds=0.01,
        )
        services = await EngineServices.start(settings, parser=KeywordParser(PRODUCT_KEYWORDS))
        try:
            reminder = ReminderScheduled(
                "EXTERNAL_nudge", datetime.fromtimestamp(time.time() + 0.1), name="nudge"
            )
            await services.processor.append_events("tg:42", [reminder], execute_side_effects=True)
            async with asyncio.timeout(10):
                await receiver.delivered.wait()
        finally:
            await services.close()
    expected = [{"recipient_id": "tg:42", "text": "You are welcome."}]
    assert receiver.bodies == [expected, expected]
