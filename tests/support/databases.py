"""Test databases: a migrated SQLite file per test, and PostgreSQL whenever one is reachable."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from api.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres_reachable() -> str | None:
    """None when reachable, else the reason to print beside the skipped tests."""
    try:
        connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL not reachable at {make_url(POSTGRES_ADMIN_URL).host}: {error}"
    await connection.close()
    return None


def postgres_skip_reason() -> str | None:
    return asyncio.run(_postgres_reachable())


class MigratedSqliteTemplate:
    """Migrates one SQLite file per test session and hands each test a fresh copy."""

    def __init__(self, directory: Path) -> None:
        self._template = directory / "template.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{self._template}")

    def fresh_url(self, directory: Path) -> str:
        target = directory / f"test-{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self._template, target)
        return f"sqlite+aiosqlite:///{target}"


class PostgresTestDatabase:
    """One migrated database per test session; each test starts from emptied tables."""

    def __init__(self) -> None:
        self.name = f"aftersales_test_{uuid.uuid4().hex[:12]}"
        self.url = (
            make_url(POSTGRES_ADMIN_URL)
            .set(database=self.name)
            .render_as_string(hide_password=False)
        )
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        upgrade(self.url)

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def empty_tables(self) -> None:
        asyncio.run(self._empty_tables())

    async def _empty_tables(self) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(self.url), timeout=10)
        try:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
            if tables:
                names = ", ".join(f'"{row["tablename"]}"' for row in tables)
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()

    def drop(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
