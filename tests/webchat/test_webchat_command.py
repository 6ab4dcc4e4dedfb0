"""``aftersales bot`` without a Telegram token: the web chat alone, started and stopped as an
operator does; and the development api key refused in production."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import httpx
import pytest
from pydantic import SecretStr

from aftersales.runtime import InsecureDefaultsError
from bot.telegram.settings import BotSettings
from bot.webchat.settings import ensure_web_chat_usable
from tests.support.live_server import free_port
from tests.webchat.surveying_engine import SurveyingEngine

START_SECONDS = 60.0


def _environment(**values: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AFTERSALES_") and name != "TELEGRAM_BOT_TOKEN"
    }
    return {**kept, **values}


async def _page_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient() as client:
        while True:
            try:
                return await client.get(url)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def test_without_a_token_it_serves_the_web_chat_only(
    engine: SurveyingEngine, api_url: str
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aftersales.cli",
        "bot",
        "--port",
        str(port),
        env=_environment(
            AFTERSALES_BOT_ENGINE_URL=engine.url,
            AFTERSALES_BOT_API_URL=api_url,
            AFTERSALES_BOT_SHUTDOWN_GRACE_SECONDS="1",
        ),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        page = await _page_when_up(f"http://127.0.0.1:{port}/chat")
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", cookies=page.cookies
        ) as client:
            health = (await client.get("/health")).json()
            # A page still listening must not hold the shutdown.
            async with client.stream("GET", "/chat/api/events") as stream:
                assert stream.status_code == 200
                process.send_signal(signal.SIGTERM)
                _, errors = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = errors.decode()
    assert page.status_code == 200
    assert health["telegram"] == "off"
    assert "no TELEGRAM_BOT_TOKEN set; serving the web chat only" in log
    assert process.returncode in (0, -signal.SIGTERM), log


def test_in_production_the_development_api_key_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    with pytest.raises(InsecureDefaultsError, match="AFTERSALES_BOT_API_KEY"):
        ensure_web_chat_usable(BotSettings(telegram_token=None))
    ensure_web_chat_usable(BotSettings(telegram_token=None, api_key=SecretStr("a-real-key")))
