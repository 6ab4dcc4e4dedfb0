"""The migration creates the fee schedule and quote tables exactly as the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from api.db import create_engine
from api.models import Base

TABLES = {"fee_schedules", "quotes"}


def _table_of(difference: Any) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(name, str):
            return name
        if isinstance(part, str) and part in TABLES:
            return part
    return None


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, Base.metadata)
        if _table_of(difference) in TABLES
    ]


async def test_migration_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert tables >= TABLES
    assert differences == []
