"""Photos and documents, alone or as an album: attached to the consumer's case and passed to
the engine as one message (the caption as its text)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.telegram.attachments import AttachmentKeeper, IncomingFile, KeptFile
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.handlers.context import record_inbound
from bot.telegram.payloads import intent_payload, reads_as_payload
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import ReplySender
from bot.telegram.texts import CONTENT_NOT_SUPPORTED


def incoming_file(message: Message) -> IncomingFile | None:
    if message.photo:
        largest = message.photo[-1]
        return IncomingFile(
            kind="photo",
            file_id=largest.file_id,
            file_unique_id=largest.file_unique_id,
            message_id=message.message_id,
            size=largest.file_size,
        )
    if message.document is not None:
        document = message.document
        return IncomingFile(
            kind="document",
            file_id=document.file_id,
            file_unique_id=document.file_unique_id,
            message_id=message.message_id,
            file_name=document.file_name,
            media_type=document.mime_type,
            size=document.file_size,
        )
    return None


def _log_text(message: Message, incoming: IncomingFile | None) -> str:
    if message.caption:
        return message.caption
    if incoming is None:
        return "[unsupported media]"
    if incoming.kind == "document":
        return f"[document: {incoming.file_name or 'unnamed'}]"
    return "[photo]"


def media_router() -> Router:
    router = Router(name="media")

    @router.message(F.photo | F.document | F.media_group_id)
    async def files_sent(
        message: Message,
        consumer: Consumer,
        keeper: AttachmentKeeper,
        relay: EngineRelay,
        replies: ReplySender,
        conversation_log: ConversationLog,
        album: list[Message] | None = None,
    ) -> None:
        messages = album or [message]
        incoming = {part.message_id: incoming_file(part) for part in messages}
        files = [item for item in incoming.values() if item is not None]
        kept = await keeper.keep(consumer, files) if files else []
        attached = {item.source.message_id: item for item in kept}
        for part in messages:
            record_inbound(
                conversation_log,
                consumer,
                part,
                _log_text(part, incoming[part.message_id]),
                attachment_id=_attachment_id(attached.get(part.message_id)),
            )
        if len(files) < len(messages):
            await replies.say(consumer, CONTENT_NOT_SUPPORTED)
        if not kept:
            return
        caption = next((part.caption for part in messages if part.caption), None)
        text = caption if caption and not reads_as_payload(caption) else intent_payload("inform")
        consumer = await relay.relay(
            consumer,
            text,
            message_id=messages[0].message_id,
            attachments=[item.metadata() for item in kept],
        )
        await keeper.attach_held(consumer)

    return router


def _attachment_id(kept: KeptFile | None) -> int | None:
    return kept.attachment_id if kept is not None else None
