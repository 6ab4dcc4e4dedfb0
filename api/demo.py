"""The shipped demo data, loaded on the first start of a local installation."""

from __future__ import annotations

import structlog
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.seeding import demo_data_files, load_seed_files

log = structlog.get_logger(__name__)


async def load_demo_data_if_empty(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        if await _has_any_rows(session):
            return False
        counts = await load_seed_files(session, demo_data_files())
        await session.commit()
    log.info("demo data loaded", sections=counts)
    return True


async def _has_any_rows(session: AsyncSession) -> bool:
    from api.models import Base

    connection = await session.connection()
    existing = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    for table in Base.metadata.sorted_tables:
        if table.name in existing:
            found = await session.execute(table.select().limit(1))
            if found.first() is not None:
                return True
    return False
