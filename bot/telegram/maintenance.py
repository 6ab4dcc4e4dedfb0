"""Background work of a running bot: replaying queued messages once the engine is back, and
forgetting old working state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from bot.channel.background import BackgroundTask
from bot.telegram.engine_client import EngineClient
from bot.telegram.relay import EngineRelay
from bot.telegram.sequencer import UserSequencer
from bot.telegram.store.bot_store import BotStore

log = structlog.get_logger(__name__)

PRUNE_INTERVAL_SECONDS = 3600.0
UPDATE_RETENTION_SECONDS = 2 * 24 * 3600.0
"""Telegram keeps an unconfirmed update for at most a day."""
BUTTON_RETENTION_SECONDS = 30 * 24 * 3600.0


class Maintenance:
    def __init__(
        self,
        store: BotStore,
        engine: EngineClient,
        relay: EngineRelay,
        sequencer: UserSequencer,
        *,
        replay_interval_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._engine = engine
        self._relay = relay
        self._sequencer = sequencer
        self._interval = replay_interval_seconds
        self._clock = clock
        self._replaying: set[int] = set()
        self._last_prune = 0.0
        self._background = BackgroundTask("bot-maintenance", self._run)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def _run_once(self) -> None:
        await self._replay_when_engine_is_back()
        if self._clock() - self._last_prune >= PRUNE_INTERVAL_SECONDS:
            await self._prune()

    async def _run(self) -> None:
        while True:
            try:
                await self._run_once()
            except Exception:
                log.exception("maintenance.failed")
            await asyncio.sleep(self._interval)

    async def _replay_when_engine_is_back(self) -> None:
        users = [user for user in await self._store.pending.users() if user not in self._replaying]
        if not users or not await self._engine.is_up():
            return
        for user in users:
            self._replaying.add(user)
            # In the user's lane, so that replayed messages stay ahead of newer ones.
            self._sequencer.submit(user, lambda user=user: self._replay(user))

    async def _replay(self, user: int) -> None:
        try:
            await self._relay.replay(user)
        finally:
            self._replaying.discard(user)

    async def _prune(self) -> None:
        now = self._clock()
        updates = await self._store.updates.prune(now - UPDATE_RETENTION_SECONDS)
        buttons = await self._store.buttons.prune(now - BUTTON_RETENTION_SECONDS)
        self._last_prune = now
        log.info("maintenance.pruned", updates=updates, buttons=buttons)
