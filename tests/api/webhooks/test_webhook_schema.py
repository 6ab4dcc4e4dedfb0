"""The webhook migration matches the ORM models, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from api.db import create_engine
from api.models import Base

WEBHOOK_TABLES = {
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_cursor",
}


def _mentions_webhook_table(difference: Any) -> bool:
    items = difference if isinstance(difference, list) else [difference]
    for item in items:
        for part in item[1:]:
            table = getattr(part, "table", None)
            names = {getattr(table, "name", None), getattr(part, "name", None), part}
            if names & WEBHOOK_TABLES:
                return True
    return False


def _webhook_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, Base.metadata)
        if _mentions_webhook_table(difference)
    ]


async def test_the_migration_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            differences = await connection.run_sync(_webhook_differences)
    finally:
        await engine.dispose()
    assert tables >= WEBHOOK_TABLES
    assert differences == []
