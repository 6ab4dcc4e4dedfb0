"""Fixtures of the web chat tests: the real api over HTTP on a database holding the demo
data, a stand-in engine (or the real one, in the browser test) and the bot's HTTP app with
no Telegram token, each served on a loopback port."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app as create_api_app
from api.auth_roles import Role
from api.db import create_engine, create_session_factory
from api.demo import load_demo_data_if_empty
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from bot.http_app import create_app as create_bot_app
from bot.telegram.settings import BotSettings
from bot.webchat.settings import WebChatSettings
from tests.support.databases import MigratedSqliteTemplate
from tests.support.live_server import serve_in_thread
from tests.support.outbound_hours import deliver_at_any_hour
from tests.webchat.surveying_engine import SurveyingEngine


@pytest.fixture(scope="session")
def demo_database(
    sqlite_template: MigratedSqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One migrated SQLite file with the demo data, loaded once and copied for each test."""
    url = sqlite_template.fresh_url(tmp_path_factory.mktemp("webchat-demo"))
    asyncio.run(_load_demo_data(url))
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


async def _load_demo_data(url: str) -> None:
    engine = create_engine(url)
    try:
        await load_demo_data_if_empty(create_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def api_url(demo_database: Path, tmp_path: Path) -> Iterator[str]:
    """The real api over HTTP (the bot reaches it only that way)."""
    database = tmp_path / "api.sqlite3"
    shutil.copyfile(demo_database, database)
    settings = ApiSettings(
        database_url=f"sqlite+aiosqlite:///{database}",
        attachments_dir=tmp_path / "attachments",
        webhook_worker=False,
    )
    app = deliver_at_any_hour(create_api_app(settings))
    with serve_in_thread(app) as url:
        yield url


StaffClient = Callable[[Role], httpx.AsyncClient]


@pytest.fixture
async def staff(api_url: str) -> AsyncIterator[StaffClient]:
    """Clients of the api with a role's key, as agents' and the backend's tools call it."""
    clients: list[httpx.AsyncClient] = []

    def build(role: Role) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            base_url=f"{api_url}/api/v1", headers={"X-API-Key": DEVELOPMENT_KEYS[role]}
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
def engine() -> Iterator[SurveyingEngine]:
    stub = SurveyingEngine()
    with serve_in_thread(stub.app) as url:
        stub.url = url
        yield stub


WebChatRunner = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def run_webchat(tmp_path: Path, api_url: str) -> WebChatRunner:
    """Serve the bot's HTTP app without a Telegram token; keyword arguments override the
    web chat settings (``engine_url`` the engine's address)."""

    def run(engine_url: str, **webchat: Any) -> AbstractContextManager[str]:
        settings = BotSettings(
            telegram_token=None,
            engine_url=engine_url,
            api_url=api_url,
            store_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            conversation_log_backoff_seconds=0.01,
            shutdown_grace_seconds=2.0,
        )
        values: dict[str, Any] = {"outbound_poll_seconds": 0.1, "heartbeat_seconds": 1.0}
        values.update(webchat)
        return serve_in_thread(create_bot_app(settings, WebChatSettings(**values)))

    return run
