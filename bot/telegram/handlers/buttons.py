"""Taps on inline buttons: the button's payload goes to the engine as the user's message,
and the keyboard is replaced by a mark of the choice so it cannot be answered twice."""

from __future__ import annotations

import structlog
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.telegram.attachments import AttachmentKeeper
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog, LogEntry
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import BUTTON_PREFIX, MAX_TEXT_CHARS
from bot.telegram.store.bot_store import BotStore
from bot.telegram.texts import ALREADY_CHOSEN, BUTTON_EXPIRED, CHOICE_MARK

log = structlog.get_logger(__name__)


def buttons_router() -> Router:
    router = Router(name="buttons")

    @router.callback_query(F.data.startswith(BUTTON_PREFIX))
    async def tapped(
        query: CallbackQuery,
        bot: Bot,
        consumer: Consumer,
        store: BotStore,
        relay: EngineRelay,
        keeper: AttachmentKeeper,
        conversation_log: ConversationLog,
    ) -> None:
        assert query.data is not None
        message = query.message if isinstance(query.message, Message) else None
        key = query.data.removeprefix(BUTTON_PREFIX)
        choice = await store.buttons.choose(key, consumer.user_id)
        if choice is None:
            await _answer(query, BUTTON_EXPIRED.in_(consumer.language))
            if message is not None and message.reply_markup is not None:
                await _show_choice(bot, message, None)
            return
        if not choice.first:
            await _answer(query, ALREADY_CHOSEN.in_(consumer.language))
            return
        await _answer(query, None)
        if message is not None:
            await _show_choice(bot, message, choice.title)
        conversation_log.record(
            LogEntry(
                conversation_id=consumer.conversation_id,
                direction="in",
                text=choice.title,
                channel_message_id=f"cb:{query.id}",
                sent_at=None,
            )
        )
        consumer = await relay.relay(
            consumer,
            choice.payload,
            message_id=message.message_id if message is not None else None,
        )
        await keeper.attach_held(consumer)

    @router.callback_query()
    async def unknown_button(query: CallbackQuery, consumer: Consumer) -> None:
        await _answer(query, BUTTON_EXPIRED.in_(consumer.language))

    return router


async def _answer(query: CallbackQuery, text: str | None) -> None:
    """Stop the button's spinner; a query Telegram already gave up on is no failure."""
    try:
        await query.answer(text)
    except TelegramBadRequest as error:
        log.info("button.answer_late", query_id=query.id, detail=error.message)


async def _show_choice(bot: Bot, message: Message, title: str | None) -> None:
    """Take the keyboard off the message, noting the chosen ``title`` under a text."""
    try:
        marked = f"{message.text}\n\n{CHOICE_MARK.format(title=title)}" if message.text else None
        if title is not None and marked is not None and len(marked) <= MAX_TEXT_CHARS:
            await bot.edit_message_text(
                marked, chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
            )
        else:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
            )
    except TelegramBadRequest as error:
        # Already edited (a quick second tap) or deleted: the keyboard is gone either way.
        log.info("button.keyboard_not_removed", message_id=message.message_id, detail=error.message)
