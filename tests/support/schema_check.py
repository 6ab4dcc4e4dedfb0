"""Whether a domain's tables, as the migrations made them, are what its ORM models declare."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from api.db import create_engine
from api.models import Base


async def migrated_tables_and_differences(
    database_url: str, tables: Set[str]
) -> tuple[set[str], list[Any]]:
    """The database's table names, and Alembic's differences that concern ``tables``."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            differences = await connection.run_sync(_differences, tables)
    finally:
        await engine.dispose()
    return names, differences


def _differences(connection: Connection, tables: Set[str]) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, Base.metadata)
        if _mentions(difference, tables)
    ]


def _mentions(difference: Any, tables: Set[str]) -> bool:
    items = difference if isinstance(difference, list) else [difference]
    for item in items:
        for part in item[1:]:
            table = getattr(part, "table", None)
            names = {getattr(table, "name", None), getattr(part, "name", None), part}
            if names & tables:
                return True
    return False
