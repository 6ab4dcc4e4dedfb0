"""Actions run against the real api on a database holding the shipped demo data."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from actions import api_client
from actions.api_client import API_KEY_HEADER, API_PREFIX, AftersalesApi
from actions.settings import DEVELOPMENT_API_KEY
from api.db import create_engine, create_session_factory
from api.demo import load_demo_data_if_empty
from tests.support.databases import MigratedSqliteTemplate
from tests.support.live_server import free_port


@pytest.fixture(scope="session")
def demo_database(
    sqlite_template: MigratedSqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One migrated SQLite file with the demo data, loaded once and copied for each test."""
    url = sqlite_template.fresh_url(tmp_path_factory.mktemp("actions-demo"))
    asyncio.run(_load_demo_data(url))
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


async def _load_demo_data(url: str) -> None:
    engine = create_engine(url)
    try:
        await load_demo_data_if_empty(create_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(demo_database: Path, tmp_path: Path) -> str:
    # The actions see the api only through HTTP; the api's own tests cover both databases.
    target = tmp_path / "actions.sqlite3"
    shutil.copyfile(demo_database, target)
    return f"sqlite+aiosqlite:///{target}"


def api_over(app: FastAPI) -> AftersalesApi:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://api" + API_PREFIX,
        headers={API_KEY_HEADER: DEVELOPMENT_API_KEY},
    )
    return AftersalesApi(http, retry_attempts=2, retry_backoff=0)


@pytest.fixture
async def api(api_app: FastAPI) -> AsyncIterator[AftersalesApi]:
    """The real api in-process, installed as the client every action uses."""
    client = api_over(api_app)
    api_client.install(client)
    yield client
    await api_client.close()


@pytest.fixture
async def api_down() -> AsyncIterator[AftersalesApi]:
    """A client whose api is not listening: every call fails at the transport."""
    http = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{free_port()}{API_PREFIX}",
        headers={API_KEY_HEADER: DEVELOPMENT_API_KEY},
        timeout=httpx.Timeout(2.0),
    )
    client = AftersalesApi(http, retry_attempts=2, retry_backoff=0)
    api_client.install(client)
    yield client
    await api_client.close()
