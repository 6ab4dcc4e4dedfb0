"""Agent replies and surveys for web conversations: leased from the api's outbound queue for
the browsers listening now, pushed down their event streams, acknowledged once shown.

An item is acknowledged only after a page took it; items of a browser that is not
listening are not leased at all and wait in the queue for its next visit. Each session
remembers the items it was shown (and the page remembers them too), so an item leased
again after a lost acknowledgement is acknowledged without being shown twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog

from aftersales.request_ids import request_id_bound
from bot.channel.background import BackgroundTask
from bot.telegram.api_client import ApiRejected, ApiUnavailable
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineMessage, EngineUnreachable
from bot.webchat.messages import present
from bot.webchat.outbound_queue import MAX_CONVERSATIONS_PER_LEASE, LeasedItem, WebOutboundQueue
from bot.webchat.pipeline import record_shown
from bot.webchat.sessions import CONVERSATION_PREFIX, ChatSession, SessionRegistry, StreamEvent
from bot.webchat.settings import WebChatSettings

log = structlog.get_logger(__name__)

AGENT_REPLY = "agent_reply"
TAKE_TIMEOUT_SECONDS = 5.0
"""A listening page's stream writes a pushed event out at once; one that does not is gone."""


class _NotNow(Exception):
    """The item cannot be shown now; its lease runs out and it is leased again later."""


class OutboundPump:
    def __init__(
        self,
        queue: WebOutboundQueue,
        sessions: SessionRegistry,
        engine: EngineClient,
        conversation_log: ConversationLog,
        settings: WebChatSettings,
    ) -> None:
        self._queue = queue
        self._sessions = sessions
        self._engine = engine
        self._log = conversation_log
        self._settings = settings
        self._background = BackgroundTask("webchat-outbound", self._run)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def pass_once(self) -> int:
        """Lease and deliver what is due for the listening browsers; the items handled."""
        listening = [session.conversation_id for session in self._sessions.listening()]
        handled = 0
        for start in range(0, len(listening), MAX_CONVERSATIONS_PER_LEASE):
            batch = listening[start : start + MAX_CONVERSATIONS_PER_LEASE]
            items = await self._queue.lease(
                batch, lease_seconds=self._settings.outbound_lease_seconds
            )
            for item in items:
                with request_id_bound(f"outbound-{item.id}"):
                    await self._deliver(item)
            handled += len(items)
        return handled

    async def _run(self) -> None:
        wake = self._sessions.listening_changed
        while True:
            handled = 0
            try:
                handled = await self.pass_once()
            except (ApiUnavailable, ApiRejected) as error:
                log.warning("webchat.outbound.lease_failed", error=str(error))
            except Exception:
                log.exception("webchat.outbound.pass_failed")
            if handled:
                continue
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._settings.outbound_poll_seconds)

    async def _deliver(self, item: LeasedItem) -> None:
        session = self._sessions.get(item.conversation_id.removeprefix(CONVERSATION_PREFIX))
        try:
            if session is None or not session.is_listening:
                raise _NotNow("the browser stopped listening")
            if not session.was_delivered(item.id):
                await self._show(session, item)
            await self._queue.ack(item)
        except _NotNow as reason:
            log.info("webchat.outbound.later", item_id=item.id, reason=str(reason))
        except EngineFailed as error:
            log.warning("webchat.outbound.engine_failed", item_id=item.id, error=str(error))
            with contextlib.suppress(ApiUnavailable, ApiRejected):
                await self._queue.fail(item, f"the engine failed: {error}")
        except (ApiUnavailable, ApiRejected) as error:
            # Shown but not acknowledged: leased again later, acknowledged without a repeat.
            log.warning("webchat.outbound.ack_failed", item_id=item.id, error=str(error))

    async def _show(self, session: ChatSession, item: LeasedItem) -> None:
        messages = await self._messages(session, item)
        event = StreamEvent(f"outbound:{item.id}", messages)
        if not session.push(event):
            raise _NotNow("no page took the message")
        try:
            await asyncio.wait_for(event.taken.wait(), TAKE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise _NotNow("no page wrote the message out") from None
        session.mark_delivered(item.id)
        record_shown(self._log, session, messages, f"outbound:{item.id}")
        log.info("webchat.outbound.shown", item_id=item.id, kind=item.kind)

    async def _messages(self, session: ChatSession, item: LeasedItem) -> list[dict[str, Any]]:
        payload = item.payload
        if payload.get("type") == "text":
            texts = payload.get("text") or {}
            text = str(texts.get(session.language) or texts.get("zh") or "")
            speaker = "agent" if item.kind == AGENT_REPLY else "assistant"
            shown = present(session, EngineMessage(text=text), speaker)
            return [shown] if shown is not None else []
        try:
            answer = await self._engine.trigger_intent(
                session.conversation_id,
                str(payload.get("intent")),
                dict(payload.get("entities") or {}),
            )
        except EngineUnreachable as error:
            raise _NotNow(f"the engine is out of reach: {error}") from error
        return [shown for message in answer if (shown := present(session, message)) is not None]
