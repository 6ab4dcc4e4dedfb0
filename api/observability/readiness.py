"""Whether the api can serve: its database answers and carries this release's migrations."""

from __future__ import annotations

import asyncio

from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from api.errors import ApiError
from api.migrate import UPGRADE_COMMAND, expected_head

CHECK_TIMEOUT_SECONDS = 5.0


async def ensure_ready(engine: AsyncEngine) -> None:
    """Raise 503 ``database_unreachable`` or ``database_not_migrated`` when the api cannot
    serve; the problem names what is wrong without revealing where the database is."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    except Exception as error:  # any failure to reach the database makes the api unready
        raise ApiError(
            503,
            "database_unreachable",
            f"The database cannot be reached ({type(error).__name__}).",
        ) from None
    head = expected_head()
    if current != {head}:
        state = ", ".join(sorted(current)) or "empty"
        raise ApiError(
            503,
            "database_not_migrated",
            f"The database is at revision {state}; this release needs {head}. "
            f"Run `{UPGRADE_COMMAND}`.",
            extra={"current": sorted(current), "expected": head},
        )
