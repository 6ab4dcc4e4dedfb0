"""Showing the engine's answers (and the front end's own texts) in a Telegram chat.

Texts longer than a Telegram message are split; buttons become an inline keyboard whose
callback data is a short stored key; images are sent as photos, with the text as caption
when it fits. Every message sent is logged to the conversation log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog, LogEntry
from bot.telegram.engine_client import EngineMessage
from bot.telegram.store.buttons import Button, ButtonStore
from bot.telegram.texts import CHOOSE_AN_OPTION, Bilingual

log = structlog.get_logger(__name__)

MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
BUTTON_PREFIX = "b:"
"""Callback data of the buttons this module sends: ``b:<key>``."""


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters as Telegram counts them (UTF-16 code units, so
    an emoji counts twice), cut after a line break or a space when there is one in the
    second half of the piece."""
    pieces: list[str] = []
    rest = text
    while _telegram_length(rest) > limit:
        fitting = _fitting_prefix(rest, limit)
        window = rest[:fitting]
        cut = max(window.rfind("\n"), window.rfind(" "))
        if cut < fitting // 2:
            cut = fitting
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def _telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def keyboard_layout(titles: Sequence[str]) -> list[list[int]]:
    """Rows of button indexes, in order: short titles (scores, yes/no) side by side, long
    ones on a row of their own."""
    rows: list[list[int]] = []
    row: list[int] = []
    room = 0
    for index, title in enumerate(titles):
        fits = _buttons_per_row(title)
        room = min(room, fits) if row else fits
        if row and len(row) >= room:
            rows.append(row)
            row, room = [], fits
        row.append(index)
    if row:
        rows.append(row)
    return rows


def _buttons_per_row(title: str) -> int:
    if len(title) <= 3:
        return 5
    return 2 if len(title) <= 12 else 1


class ReplySender:
    def __init__(self, bot: Bot, buttons: ButtonStore, conversation_log: ConversationLog) -> None:
        self._bot = bot
        self._buttons = buttons
        self._log = conversation_log

    async def deliver(self, consumer: Consumer, messages: Sequence[EngineMessage]) -> None:
        """Send the engine's messages in order; a user who blocked the bot ends the batch."""
        for message in messages:
            try:
                await self._deliver_one(consumer, message)
            except TelegramForbiddenError:
                log.info("reply.user_unreachable", user_id=consumer.user_id)
                return
            except TelegramAPIError as error:
                log.warning(
                    "reply.not_delivered",
                    user_id=consumer.user_id,
                    error=type(error).__name__,
                    detail=error.message,
                )

    async def deliver_or_raise(self, consumer: Consumer, messages: Sequence[EngineMessage]) -> None:
        """Send the engine's messages in order; Telegram's refusal is raised to the caller
        (a delivery that must be reported as failed)."""
        for message in messages:
            await self._deliver_one(consumer, message)

    async def say(self, consumer: Consumer, text: Bilingual | str) -> None:
        """Send one of the front end's own texts (a refusal by Telegram is only logged)."""
        body = text.in_(consumer.language) if isinstance(text, Bilingual) else text
        try:
            await self._send_text(consumer, body, None)
        except TelegramAPIError as error:
            log.warning(
                "reply.not_delivered",
                user_id=consumer.user_id,
                error=type(error).__name__,
                detail=error.message,
            )

    async def offer(self, consumer: Consumer, text: str, buttons: Sequence[Button]) -> None:
        """Send a text with buttons of the front end's own (e.g. the language choice)."""
        await self.deliver(consumer, [EngineMessage(text=text, buttons=tuple(buttons))])

    async def _deliver_one(self, consumer: Consumer, message: EngineMessage) -> None:
        keyboard = await self._keyboard(consumer, message.buttons)
        text = message.text
        if text is None and keyboard is not None:
            text = CHOOSE_AN_OPTION.in_(consumer.language)
        if message.image is not None:
            caption = text if text is not None and len(text) <= MAX_CAPTION_CHARS else None
            shown = await self._send_photo(
                consumer, message.image, caption, keyboard if caption is not None else None
            )
            if shown and caption is not None:
                text = None
        if text is not None:
            await self._send_text(consumer, text, keyboard)
        if message.custom is not None:
            log.info("reply.custom_not_shown", user_id=consumer.user_id)

    async def _keyboard(
        self, consumer: Consumer, buttons: Sequence[Button]
    ) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        keys = await self._buttons.register(consumer.user_id, buttons)
        rows = keyboard_layout([button.title for button in buttons])
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=buttons[index].title, callback_data=BUTTON_PREFIX + keys[index]
                    )
                    for index in row
                ]
                for row in rows
            ]
        )

    async def _send_text(
        self, consumer: Consumer, text: str, keyboard: InlineKeyboardMarkup | None
    ) -> None:
        pieces = split_text(text)
        for number, piece in enumerate(pieces, start=1):
            sent = await self._bot.send_message(
                consumer.chat_id,
                piece,
                reply_markup=keyboard if number == len(pieces) else None,
            )
            self._record(consumer, sent, piece)

    async def _send_photo(
        self,
        consumer: Consumer,
        image: str,
        caption: str | None,
        keyboard: InlineKeyboardMarkup | None,
    ) -> bool:
        try:
            sent = await self._bot.send_photo(
                consumer.chat_id, image, caption=caption, reply_markup=keyboard
            )
        except TelegramBadRequest as error:
            # An image Telegram cannot fetch must not cost the user the text beside it.
            log.warning("reply.image_refused", image=image, detail=error.message)
            return False
        self._record(consumer, sent, caption if caption is not None else f"[image] {image}")
        return True

    def _record(self, consumer: Consumer, sent: Message, text: str) -> None:
        self._log.record(
            LogEntry(
                conversation_id=consumer.conversation_id,
                direction="out",
                text=text,
                channel_message_id=str(sent.message_id),
                sent_at=sent.date if isinstance(sent.date, datetime) else None,
            )
        )
