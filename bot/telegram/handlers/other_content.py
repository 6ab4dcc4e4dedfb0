"""Content the engine cannot read (voice, stickers, locations, other media) gets an answer
of its own; a shared contact gives the engine its phone number."""

from __future__ import annotations

import phonenumbers
from aiogram import F, Router
from aiogram.enums import ContentType
from aiogram.types import Message

from bot.telegram.attachments import AttachmentKeeper
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.handlers.context import record_inbound
from bot.telegram.payloads import intent_payload
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import ReplySender
from bot.telegram.store.bot_store import BotStore
from bot.telegram.texts import (
    CONTENT_NOT_SUPPORTED,
    STICKER_RECEIVED,
    TYPE_THE_ADDRESS,
    VOICE_NOT_SUPPORTED,
)

UNREADABLE_CONTENT = frozenset(
    {
        ContentType.VIDEO,
        ContentType.ANIMATION,
        ContentType.LIVE_PHOTO,
        ContentType.DICE,
        ContentType.POLL,
        ContentType.GAME,
        ContentType.STORY,
        ContentType.PAID_MEDIA,
        ContentType.CHECKLIST,
    }
)
"""What a consumer may send that nobody here can read (service messages are not answered)."""


def international_phone(raw: str) -> str:
    """Telegram's ``phone_number`` (digits with the country code, with or without ``+``)
    as E.164 when it is a valid number, else as ``+digits``."""
    digits = "".join(char for char in raw if char.isdigit())
    candidate = f"+{digits}"
    try:
        parsed = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return candidate
    if not phonenumbers.is_valid_number(parsed):
        return candidate
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def other_content_router() -> Router:
    router = Router(name="other-content")

    @router.message(F.voice | F.audio | F.video_note)
    async def voice(
        message: Message,
        consumer: Consumer,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(conversation_log, consumer, message, "[voice]")
        await replies.say(consumer, VOICE_NOT_SUPPORTED)

    @router.message(F.sticker)
    async def sticker(
        message: Message,
        consumer: Consumer,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        emoji = message.sticker.emoji if message.sticker is not None else None
        record_inbound(conversation_log, consumer, message, f"[sticker {emoji or ''}]".strip())
        await replies.say(consumer, STICKER_RECEIVED)

    @router.message(F.location)
    async def location(
        message: Message,
        consumer: Consumer,
        store: BotStore,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        assert message.location is not None
        latitude, longitude = message.location.latitude, message.location.longitude
        record_inbound(
            conversation_log, consumer, message, f"[location {latitude:.6f},{longitude:.6f}]"
        )
        # The engine gets the coordinates with the address the user types next.
        await store.users.share_location(consumer.user_id, latitude, longitude)
        await replies.say(consumer, TYPE_THE_ADDRESS)

    @router.message(F.contact)
    async def contact(
        message: Message,
        consumer: Consumer,
        relay: EngineRelay,
        keeper: AttachmentKeeper,
        conversation_log: ConversationLog,
    ) -> None:
        assert message.contact is not None
        phone = international_phone(message.contact.phone_number)
        record_inbound(conversation_log, consumer, message, f"[contact {phone}]")
        consumer = await relay.relay(
            consumer, intent_payload("inform", {"phone": phone}), message_id=message.message_id
        )
        await keeper.attach_held(consumer)

    @router.message(F.content_type.in_(UNREADABLE_CONTENT))
    async def anything_else(
        message: Message,
        consumer: Consumer,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(
            conversation_log, consumer, message, f"[{message.content_type or 'unknown'}]"
        )
        await replies.say(consumer, CONTENT_NOT_SUPPORTED)

    return router
