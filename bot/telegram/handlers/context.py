"""Who is writing: resolved once per consumer update, before the handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, Message, TelegramObject, User

from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog, LogEntry
from bot.telegram.language import Language, as_language, language_from_code
from bot.telegram.store.users import UserStore


class ConsumerContext(BaseMiddleware):
    """Gives handlers a ``consumer``: the user, their chat and the language to answer in."""

    def __init__(self, users: UserStore, default_language: Language) -> None:
        self._users = users
        self._default_language = default_language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or chat is None:
            return None
        detected = language_from_code(user.language_code, self._default_language)
        language = await self._users.observe(user.id, detected)
        data["consumer"] = Consumer(user.id, chat.id, as_language(language))
        return await handler(event, data)


def record_inbound(
    conversation_log: ConversationLog,
    consumer: Consumer,
    message: Message,
    text: str | None,
    *,
    attachment_id: int | None = None,
) -> None:
    conversation_log.record(
        LogEntry(
            conversation_id=consumer.conversation_id,
            direction="in",
            text=text,
            channel_message_id=str(message.message_id),
            sent_at=message.date if isinstance(message.date, datetime) else None,
            attachment_id=attachment_id,
        )
    )
