"""Fixtures shared by the whole suite: migrated databases and the api app over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from tests.support.databases import (
    MigratedSqliteTemplate,
    PostgresTestDatabase,
    postgres_skip_reason,
)

DATABASE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> MigratedSqliteTemplate:
    return MigratedSqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresTestDatabase]:
    reason = postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    database = PostgresTestDatabase()
    yield database
    database.drop()


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: MigratedSqliteTemplate
) -> str:
    """A migrated, empty database: SQLite always, PostgreSQL when one is reachable."""
    if request.param == "sqlite":
        return sqlite_template.fresh_url(tmp_path)
    database: PostgresTestDatabase = request.getfixturevalue("postgres_database")
    database.empty_tables()
    return database.url


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> ApiSettings:
    # The webhook worker is exercised by its own tests; elsewhere it would only add noise.
    return ApiSettings(
        database_url=database_url,
        attachments_dir=tmp_path / "attachments",
        webhook_worker=False,
        warm_up=False,
    )


@pytest.fixture
async def api_app(api_settings: ApiSettings) -> AsyncIterator[FastAPI]:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        yield app


ApiClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def api_client_for(api_app: FastAPI) -> AsyncIterator[ApiClientFactory]:
    """Build clients that call the api in-process with a role's key (and a customer identity)."""
    clients: list[httpx.AsyncClient] = []

    def build(role: Role | None = Role.ADMIN, customer: str | None = None) -> httpx.AsyncClient:
        headers = {}
        if role is not None:
            headers["X-API-Key"] = DEVELOPMENT_KEYS[role]
        if customer is not None:
            headers["X-Customer-Id"] = customer
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app), base_url="http://api", headers=headers
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
def admin_client(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.ADMIN)
