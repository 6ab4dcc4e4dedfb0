"""The conversation log: every message in and out, recorded in the api in the background.

Logging never delays or loses a consumer's reply: entries wait in a bounded queue and one
worker sends them in order (so a transcript reads in the order things were said), each
retried with backoff while the api is unreachable. An entry the api refuses, or one still
failing after its tries, is given up with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.telegram.api_client import AftersalesApi, ApiRejected, ApiUnavailable

log = structlog.get_logger(__name__)

QUEUE_CAPACITY = 10_000
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class LogEntry:
    conversation_id: str
    direction: Literal["in", "out"]
    text: str | None
    channel_message_id: str | None
    sent_at: datetime | None
    attachment_id: int | None = None
    agent_id: str | None = None
    """Set for an agent's message copied to the consumer."""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "direction": self.direction,
            "sender_kind": "customer" if self.direction == "in" else "bot",
        }
        if self.agent_id is not None:
            body["sender_kind"] = "agent"
            body["agent_id"] = self.agent_id
        if self.text is not None:
            body["text"] = self.text
        if self.attachment_id is not None:
            body["attachment_id"] = self.attachment_id
        if self.channel_message_id is not None:
            body["channel_message_id"] = self.channel_message_id
        if self.sent_at is not None:
            body["sent_at"] = self.sent_at.isoformat()
        return body


class ConversationLog:
    def __init__(self, api: AftersalesApi, *, attempts: int, backoff_seconds: float) -> None:
        self._api = api
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._queue: asyncio.Queue[LogEntry] = asyncio.Queue(QUEUE_CAPACITY)
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._worker = asyncio.create_task(self._run(), name="conversation-log")

    def record(self, entry: LogEntry) -> None:
        """Queue an entry; returns at once."""
        if entry.text is None and entry.attachment_id is None:
            return
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            log.warning(
                "conversation_log.queue_full",
                conversation_id=entry.conversation_id,
                direction=entry.direction,
            )

    async def close(self, grace_seconds: float) -> None:
        """Send what is queued (for at most ``grace_seconds``), then stop."""
        if self._worker is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace_seconds)
        if not self._queue.empty():
            log.warning("conversation_log.unsent_at_exit", entries=self._queue.qsize())
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def _run(self) -> None:
        while True:
            entry = await self._queue.get()
            try:
                await self._send(entry)
            finally:
                self._queue.task_done()

    async def _send(self, entry: LogEntry) -> None:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=MAX_BACKOFF_SECONDS),
            retry=retry_if_exception_type(ApiUnavailable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._api.log_message(entry.conversation_id, entry.body())
        except ApiRejected as rejection:
            log.warning(
                "conversation_log.refused",
                conversation_id=entry.conversation_id,
                status=rejection.status,
                code=rejection.code,
                detail=rejection.detail,
            )
        except ApiUnavailable as error:
            log.warning(
                "conversation_log.unavailable",
                conversation_id=entry.conversation_id,
                attempts=self._attempts,
                error=str(error),
            )
        except Exception:
            log.exception("conversation_log.failed", conversation_id=entry.conversation_id)
