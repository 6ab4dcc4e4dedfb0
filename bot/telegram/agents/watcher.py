"""The background task that reads the api's handoff queue and keeps the topics in step."""

from __future__ import annotations

import asyncio

import structlog

from bot.channel.background import BackgroundTask
from bot.telegram.agents.desk import AgentDesk
from bot.telegram.agents.staff_api import StaffApi
from bot.telegram.api_client import ApiUnavailable

log = structlog.get_logger(__name__)


class HandoffWatcher:
    def __init__(self, staff: StaffApi, desk: AgentDesk, *, interval_seconds: float) -> None:
        self._staff = staff
        self._desk = desk
        self._interval = interval_seconds
        self._background = BackgroundTask("handoff-watcher", self._run)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

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
