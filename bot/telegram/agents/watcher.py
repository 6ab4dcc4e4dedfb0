"""The background task that reads the api's handoff queue and keeps the topics in step."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from bot.telegram.agents.desk import AgentDesk
from bot.telegram.agents.staff_api import StaffApi
from bot.telegram.api_client import ApiUnavailable

log = structlog.get_logger(__name__)


class HandoffWatcher:
    def __init__(self, staff: StaffApi, desk: AgentDesk, *, interval_seconds: float) -> None:
        self._staff = staff
        self._desk = desk
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="handoff-watcher")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def run_once(self) -> None:
        await self._desk.sync(await self._staff.open_handoffs())

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except ApiUnavailable as error:
                log.warning("handoffs.api_unavailable", error=str(error))
            except Exception:
                log.exception("handoffs.sync_failed")
            await asyncio.sleep(self._interval)
