"""Typed text: the consumer's words go to the engine as they are."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.telegram.attachments import AttachmentKeeper
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.handlers.context import record_inbound
from bot.telegram.payloads import reads_as_payload
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import ReplySender
from bot.telegram.texts import UNKNOWN_COMMAND


def text_router() -> Router:
    router = Router(name="text")

    @router.message(F.text)
    async def text(
        message: Message,
        consumer: Consumer,
        relay: EngineRelay,
        keeper: AttachmentKeeper,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        assert message.text is not None
        record_inbound(conversation_log, consumer, message, message.text)
        if reads_as_payload(message.text):
            # An unknown command, or an attempt to speak the engine's payload syntax.
            await replies.say(consumer, UNKNOWN_COMMAND)
            return
        consumer = await relay.relay(consumer, message.text, message_id=message.message_id)
        await keeper.attach_held(consumer)

    return router
