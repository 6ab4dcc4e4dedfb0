"""Passing a consumer's message to the engine and its answer back to the chat.

While the engine cannot be reached, messages are kept in the store, in order, and the user
is told once that they will be answered; they are replayed (before anything newer from the
same user) as soon as the engine is back. A slow engine gets a typing indicator and, after a
while, a word that the answer is coming.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import structlog
from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError

from bot.telegram.consumer import Consumer
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineMessage, EngineUnreachable
from bot.telegram.language import as_language
from bot.telegram.payloads import chosen_language
from bot.telegram.replies import ReplySender
from bot.telegram.store.bot_store import BotStore
from bot.telegram.store.pending import PendingMessage
from bot.telegram.texts import BUSY_RETRY, BUSY_SAVED, STILL_WORKING

log = structlog.get_logger(__name__)

CHANNEL = "telegram"
TYPING_REFRESH_SECONDS = 4.5
"""Telegram shows a chat action for about five seconds."""


def engine_metadata(
    consumer: Consumer,
    message_id: int | None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the engine learns about a message beside its text."""
    return {
        "language": consumer.language,
        "channel": CHANNEL,
        "chat_id": consumer.chat_id,
        "message_id": message_id,
        "attachments": list(attachments or []),
    }


class EngineRelay:
    def __init__(
        self,
        bot: Bot,
        engine: EngineClient,
        replies: ReplySender,
        store: BotStore,
        *,
        slow_notice_seconds: float,
    ) -> None:
        self._bot = bot
        self._engine = engine
        self._replies = replies
        self._store = store
        self._slow_notice_seconds = slow_notice_seconds

    async def relay(
        self,
        consumer: Consumer,
        message: str,
        *,
        message_id: int | None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Consumer:
        """Send one message of ``consumer`` to the engine and show its answer.

        Returns the consumer as they are after the message (a language payload changes
        their language).
        """
        language = chosen_language(message)
        if language is not None:
            await self._store.users.choose_language(consumer.user_id, language)
            consumer = replace(consumer, language=language)
        metadata = engine_metadata(consumer, message_id, attachments)
        location = await self._store.users.take_location(consumer.user_id)
        if location is not None:
            metadata["location"] = location
        queued_before = await self._store.pending.has_pending(consumer.user_id)
        if queued_before and not await self.replay(consumer.user_id):
            # The user was told when the first message was kept; this one joins the queue.
            await self._store.pending.add(consumer.user_id, consumer.chat_id, message, metadata)
            return consumer
        try:
            answer = await self._ask(consumer, message, metadata)
        except EngineUnreachable as error:
            log.warning("engine.unreachable", user_id=consumer.user_id, error=str(error))
            await self._store.pending.add(consumer.user_id, consumer.chat_id, message, metadata)
            await self._replies.say(consumer, BUSY_SAVED)
            return consumer
        except EngineFailed as error:
            log.warning("engine.failed", user_id=consumer.user_id, error=str(error))
            await self._replies.say(consumer, BUSY_RETRY)
            return consumer
        await self._replies.deliver(consumer, answer)
        return consumer

    async def replay(self, user_id: int) -> bool:
        """Send the user's queued messages to the engine, oldest first, showing each
        answer; False when the engine is still out of reach (the rest stay queued)."""
        for pending in await self._store.pending.for_user(user_id):
            consumer = await self._consumer_of(pending)
            try:
                answer = await self._ask(consumer, pending.message, pending.metadata)
            except EngineUnreachable:
                return False
            except EngineFailed as error:
                # The engine may have recorded it: sending it again could repeat the turn.
                log.warning("engine.replay_failed", user_id=user_id, error=str(error))
                await self._store.pending.remove(pending.id)
                await self._replies.say(consumer, BUSY_RETRY)
                continue
            await self._store.pending.remove(pending.id)
            log.info("engine.replayed", user_id=user_id, queued_at=pending.queued_at)
            if await self._store.users.is_blocked(user_id):
                continue
            await self._replies.deliver(consumer, answer)
        return True

    async def _consumer_of(self, pending: PendingMessage) -> Consumer:
        language = await self._store.users.language_of(pending.user_id)
        queued_language = pending.metadata.get("language")
        return Consumer(
            user_id=pending.user_id,
            chat_id=pending.chat_id,
            language=as_language(language or str(queued_language)),
        )

    async def _ask(
        self, consumer: Consumer, message: str, metadata: dict[str, Any]
    ) -> list[EngineMessage]:
        sender = consumer.conversation_id
        async with _typing(self._bot, consumer.chat_id):
            answer = asyncio.ensure_future(self._engine.send(sender, message, metadata))
            try:
                done, _ = await asyncio.wait({answer}, timeout=self._slow_notice_seconds)
                if not done:
                    await self._replies.say(consumer, STILL_WORKING)
                return await answer
            finally:
                if not answer.done():
                    answer.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await answer


@contextlib.asynccontextmanager
async def _typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends; a failure only ends the indicator."""

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramAPIError as error:
                log.debug("typing.stopped", chat_id=chat_id, error=error.message)
                return
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    indicator = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        indicator.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await indicator
