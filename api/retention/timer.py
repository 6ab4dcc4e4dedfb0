"""The retention pass, repeated inside the api process every ``interval_hours``.

Passes are idempotent (an anonymised consumer is never picked again), so replicas running
it at the same time only repeat a query; on SQLite run one api process, as for every timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cases.attachments.storage import BlobStore
from api.db import utc_now
from api.retention.service import purge_expired
from api.retention.settings import RetentionSettings

log = structlog.get_logger(__name__)

FIRST_PASS_DELAY_SECONDS = 60.0
"""Let a starting api serve first; the purge is never urgent."""


async def run_retention_pass(
    session_factory: async_sessionmaker[AsyncSession],
    attachments_dir: Path,
    settings: RetentionSettings,
) -> int:
    """Purge expired consumers in batches until none is left; how many were."""
    store, purged = BlobStore(attachments_dir), 0
    while True:
        async with session_factory() as session, session.begin():
            batch = await purge_expired(
                session, store, now=utc_now(), days=settings.days, limit=settings.batch_size
            )
        purged += batch
        if batch < settings.batch_size:
            return purged


async def _repeat(
    session_factory: async_sessionmaker[AsyncSession],
    attachments_dir: Path,
    settings: RetentionSettings,
) -> None:
    await asyncio.sleep(FIRST_PASS_DELAY_SECONDS)
    while True:
        try:
            purged = await run_retention_pass(session_factory, attachments_dir, settings)
        except Exception:
            log.exception("retention.pass_failed")
        else:
            if purged:
                log.info("retention.purged", customers=purged, days=settings.days)
        await asyncio.sleep(settings.interval_hours * 3600)


@asynccontextmanager
async def retention_running(
    session_factory: async_sessionmaker[AsyncSession],
    attachments_dir: Path,
    settings: RetentionSettings | None = None,
) -> AsyncIterator[None]:
    settings = settings or RetentionSettings()
    if settings.days == 0:
        yield
        return
    task = asyncio.create_task(
        _repeat(session_factory, attachments_dir, settings), name="retention"
    )
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
