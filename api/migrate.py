"""Schema migrations: apply them, and tell whether a database is up to date."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "aftersales db upgrade"


class DatabaseNotMigratedError(RuntimeError):
    """The database schema is older than this release of the api."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def expected_heads(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to serve a database that lacks this release's migrations."""
    url = engine.url.render_as_string(hide_password=False)
    heads = expected_heads(url)
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )
    if current != heads:
        state = ", ".join(sorted(current)) or "empty"
        raise DatabaseNotMigratedError(
            f"The database at {engine.url.render_as_string(hide_password=True)} is not migrated "
            f"(it is at {state}; this release needs {', '.join(sorted(heads))}). "
            f"Run `{UPGRADE_COMMAND}` first."
        )
