"""The catalogue migration matches the ORM models, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from api.db import create_engine
from api.models import Base

CATALOGUE_TABLES = {"categories", "brands", "product_models", "units", "unit_repairs"}


def _table_of(difference: Any) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(name, str):
            return name
        if isinstance(part, str) and part in CATALOGUE_TABLES:
            return part
    return None


def _catalogue_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, Base.metadata)
        if _table_of(difference) in CATALOGUE_TABLES
    ]


async def test_migration_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            differences = await connection.run_sync(_catalogue_differences)
    finally:
        await engine.dispose()
    assert tables >= CATALOGUE_TABLES
    assert differences == []
