"""The catalogue migration matches the ORM models, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support.schema_check import migrated_tables_and_differences

CATALOGUE_TABLES = {"categories", "brands", "product_models", "units", "unit_repairs"}


async def test_migration_matches_the_models(database_url: str) -> None:
    tables, differences = await migrated_tables_and_differences(database_url, CATALOGUE_TABLES)
    assert tables >= CATALOGUE_TABLES
    assert differences == []
