"""The migration creates the fee schedule and quote tables exactly as the models declare."""

from __future__ import annotations

from tests.support.schema_check import migrated_tables_and_differences

TABLES = {"fee_schedules", "quotes"}


async def test_migration_matches_the_models(database_url: str) -> None:
    tables, differences = await migrated_tables_and_differences(database_url, TABLES)
    assert tables >= TABLES
    assert differences == []
