"""Fixtures of the bot tests: the fake Telegram server, stand-ins for the engine and the
api over real HTTP, and the bot process itself served in a thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.http_app import create_app
from bot.telegram.settings import BotSettings
from tests.bot.stubs import ApiStub, EngineStub
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import free_port, serve_in_thread


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    with fake.running():
        yield fake


@pytest.fixture
def engine() -> Iterator[EngineStub]:
    stub = EngineStub()
    with serve_in_thread(stub.app) as url:
        stub.url = url
        yield stub


@pytest.fixture
def api() -> Iterator[ApiStub]:
    stub = ApiStub()
    with serve_in_thread(stub.app) as url:
        stub.url = url
        yield stub


SettingsFactory = Callable[..., BotSettings]


@pytest.fixture
def make_settings(
    tmp_path: Path, telegram: FakeTelegram, engine: EngineStub, api: ApiStub
) -> SettingsFactory:
    """Bot settings pointing at the fakes, paced for tests; keyword arguments override."""

    def build(**overrides: Any) -> BotSettings:
        values: dict[str, Any] = {
            "telegram_token": SecretStr(telegram.token),
            "telegram_api_base": telegram.base_url,
            "engine_url": engine.url,
            "api_url": api.url,
            "store_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            "port": free_port(),
            "polling_timeout_seconds": 1,
            "outbound_chat_per_second": 50.0,
            "outbound_chat_burst": 10,
            "album_quiet_seconds": 0.4,
            "engine_replay_interval_seconds": 0.2,
            "engine_slow_notice_seconds": 5.0,
            "conversation_log_backoff_seconds": 0.01,
            "shutdown_grace_seconds": 5.0,
        }
        values.update(overrides)
        return BotSettings(**values)

    return build


BotRunner = Callable[[BotSettings], AbstractContextManager[str]]


@pytest.fixture
def run_bot() -> BotRunner:
    """Serve the bot process (its HTTP app, which starts the Telegram front end)."""

    def run(settings: BotSettings) -> AbstractContextManager[str]:
        return serve_in_thread(create_app(settings), port=settings.port)

    return run
