"""``aftersales bot``: the bot process as an operator starts it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.bot.stubs import EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import free_port


def _environment(**values: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AFTERSALES_") and name != "TELEGRAM_BOT_TOKEN"
    }
    return {**kept, **values}


async def test_it_serves_telegram_and_stops_cleanly(
    tmp_path: Path, telegram: FakeTelegram, engine: EngineStub
) -> None:
    port = free_port()
    environment = _environment(
        TELEGRAM_BOT_TOKEN=telegram.token,
        AFTERSALES_BOT_TELEGRAM_API_BASE=telegram.base_url,
        AFTERSALES_BOT_ENGINE_URL=engine.url,
        AFTERSALES_BOT_API_URL=f"http://127.0.0.1:{free_port()}",
        AFTERSALES_BOT_STORE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        AFTERSALES_BOT_POLLING_TIMEOUT_SECONDS="1",
        AFTERSALES_BOT_CONVERSATION_LOG_ATTEMPTS="1",
        AFTERSALES_BOT_SHUTDOWN_GRACE_SECONDS="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aftersales.cli",
        "bot",
        "--port",
        str(port),
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = FakeUser(9901, language_code="en")
        telegram.send_text(user, "is anyone there?")
        [reply] = await telegram.wait_for_messages(user.id, 1, within=60)
        assert reply["text"] == "echo: is anyone there?"
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), 30)
    log = errors.decode()
    # uvicorn re-raises the signal it handled once the app has shut down.
    assert process.returncode in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log
