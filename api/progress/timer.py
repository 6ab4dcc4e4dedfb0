"""The progress pass, repeated inside the api process every ``interval_minutes``.

A message's dedupe key names the quiet spell it ends, and quiet time counts from the last
message sent, so api replicas running passes at the same moment tell a case once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import utc_now
from api.progress.service import send_progress_updates
from api.progress.settings import ProgressSettings

log = structlog.get_logger(__name__)

FIRST_PASS_DELAY_SECONDS = 30.0


async def _repeat(
    session_factory: async_sessionmaker[AsyncSession], settings: ProgressSettings
) -> None:
    await asyncio.sleep(FIRST_PASS_DELAY_SECONDS)
    while True:
        try:
            async with session_factory() as session, session.begin():
                told = await send_progress_updates(session, now=utc_now(), settings=settings)
        except Exception:
            log.exception("progress.pass_failed")
        else:
            if told:
                log.info("progress.consumers_told", cases=told)
        await asyncio.sleep(settings.interval_minutes * 60)


@asynccontextmanager
async def progress_running(
    session_factory: async_sessionmaker[AsyncSession], settings: ProgressSettings | None = None
) -> AsyncIterator[None]:
    task = asyncio.create_task(
        _repeat(session_factory, settings or ProgressSettings()), name="progress"
    )
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
