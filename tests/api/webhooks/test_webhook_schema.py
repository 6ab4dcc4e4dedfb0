"""The webhook migration matches the ORM models, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support.schema_check import migrated_tables_and_differences

WEBHOOK_TABLES = {
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_cursor",
}


async def test_the_migration_matches_the_models(database_url: str) -> None:
    tables, differences = await migrated_tables_and_differences(database_url, WEBHOOK_TABLES)
    assert tables >= WEBHOOK_TABLES
    assert differences == []
