"""The reminder timer: repeats `remind_due_surveys` inside the api process.

A pass that found work is followed by the next one at once; otherwise the timer pauses for
``timer_interval_seconds``. Passes are safe to repeat and to run in several processes: on
PostgreSQL every api replica may run a timer (passes skip the surveys another replica holds,
see `api.surveys.reminders`). On SQLite run one api process, hence one timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import utc_now
from api.surveys.reminders import ReminderPass, remind_due_surveys
from api.surveys.settings import SurveySettings, survey_settings

log = structlog.get_logger(__name__)


async def run_pass(
    session_factory: async_sessionmaker[AsyncSession], settings: SurveySettings
) -> ReminderPass:
    async with session_factory() as session, session.begin():
        return await remind_due_surveys(session, now=utc_now(), settings=settings)


async def _repeat(
    session_factory: async_sessionmaker[AsyncSession], settings: SurveySettings
) -> None:
    while True:
        try:
            outcome = await run_pass(session_factory, settings)
        except Exception:
            log.exception("survey_timer_pass_failed")
            outcome = ReminderPass(deliveries_noted=0, reminders_queued=0)
        if outcome.reminders_queued:
            log.info("survey_reminders_queued", count=outcome.reminders_queued)
        if not outcome.deliveries_noted and not outcome.reminders_queued:
            await asyncio.sleep(settings.timer_interval_seconds)


@asynccontextmanager
async def survey_timer_running(
    session_factory: async_sessionmaker[AsyncSession], settings: SurveySettings | None = None
) -> AsyncIterator[None]:
    """Run the timer while the context is open (unless the settings disable it)."""
    settings = settings or survey_settings()
    if not settings.timer_enabled:
        yield
        return
    task = asyncio.create_task(_repeat(session_factory, settings), name="survey-timer")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
