"""Schema migrations: apply them, and tell whether a database is up to date."""

from __future__ import annotations

from functools import cache
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


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@cache
def expected_head() -> str:
    """The newest revision of this release (read once: parsing every script is slow)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError("the migrations directory has no revisions")
    return head


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Refuse to serve a database that lacks this release's migrations."""
    head = expected_head()
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )
    if current != {head}:
        state = ", ".join(sorted(current)) or "empty"
        raise DatabaseNotMigratedError(
            f"The database at {engine.url.render_as_string(hide_password=True)} is not migrated "
            f"(it is at {state}; this release needs {head}). Run `{UPGRADE_COMMAND}` first."
        )
