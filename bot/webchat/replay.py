"""Sending kept messages once the engine is back, for the pages listening now: their answers
are pushed down the page's event stream, as agent replies are. A page that is not listening
gets them with its next message instead."""

from __future__ import annotations

import asyncio

import structlog

from bot.channel.background import BackgroundTask
from bot.channel.handoffs import HandoffWatch
from bot.telegram.engine_client import EngineClient
from bot.webchat.pipeline import WebChatPipeline
from bot.webchat.sessions import ChatSession, SessionRegistry, StreamEvent

log = structlog.get_logger(__name__)


class KeptReplayer:
    def __init__(
        self,
        sessions: SessionRegistry,
        pipeline: WebChatPipeline,
        engine: EngineClient,
        handoffs: HandoffWatch,
        *,
        interval_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._pipeline = pipeline
        self._engine = engine
        self._handoffs = handoffs
        self._interval = interval_seconds
        self._background = BackgroundTask("webchat-replay", self._run)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def pass_once(self) -> int:
        """Replay what waits for the listening pages; the sessions replayed."""
        waiting = [session for session in self._sessions.listening() if session.kept]
        if not waiting or not await self._engine.is_up():
            return 0
        replayed = 0
        for session in waiting:
            if await self._replay(session):
                replayed += 1
        return replayed

    async def _replay(self, session: ChatSession) -> bool:
        async with session.turn:
            if not session.kept:
                return False  # the consumer's own message sent them meanwhile
            person = await self._handoffs.state(session.conversation_id)
            if person.assistant_stands_aside:
                return False
            first = session.kept[0].message_id
            shown, _ = await self._pipeline.replay_kept(session)
            if shown and not session.push(StreamEvent(f"reply:{first}", shown)):
                session.unshown.extend(shown)
            return True

    async def _run(self) -> None:
        while True:
            try:
                await self.pass_once()
            except Exception:
                log.exception("webchat.replay.failed")
            await asyncio.sleep(self._interval)
