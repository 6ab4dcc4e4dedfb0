"""The store's database: one async SQLAlchemy engine, created at start-up, disposed at exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.telegram.store.schema import metadata


class BotDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        sqlite = make_url(url).get_backend_name() == "sqlite"
        options: dict[str, Any] = (
            {"connect_args": {"timeout": 30}} if sqlite else {"pool_pre_ping": True}
        )
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if sqlite:
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    async def create_schema(self) -> None:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    """Write-ahead logging, so that the many small commits of a busy bot do not each wait
    for a sync to disk; a committed row still survives the process stopping."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
