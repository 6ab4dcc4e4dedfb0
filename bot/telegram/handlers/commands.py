"""Commands: /start (with a deep-link parameter), /help, /lang, /status, /cancel, /human."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.telegram.attachments import AttachmentKeeper
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.handlers.context import record_inbound
from bot.telegram.language import language_named
from bot.telegram.payloads import intent_payload
from bot.telegram.relay import EngineRelay
from bot.telegram.replies import ReplySender
from bot.telegram.store.buttons import Button
from bot.telegram.texts import (
    CHOOSE_LANGUAGE,
    HELP,
    LANGUAGE_BUTTONS,
    LANGUAGE_NOT_OFFERED,
)

SERIAL_LINK_PREFIX = "SN_"
"""``t.me/<bot>?start=SN_<serial>``: the link printed as a QR code on a product."""
_SERIAL = re.compile(r"^[A-Za-z0-9-]{4,40}$")

COMMAND_INTENTS = {"status": "check_status", "cancel": "stop", "human": "request_human"}


def start_payload(parameter: str | None) -> str:
    """What ``/start`` says to the engine: a greeting, carrying the serial number of a
    product's deep link when it holds a plausible one."""
    if parameter and parameter.startswith(SERIAL_LINK_PREFIX):
        serial = parameter.removeprefix(SERIAL_LINK_PREFIX)
        if _SERIAL.match(serial):
            return intent_payload("inform", {"serial_number": serial.upper()})
    return intent_payload("greet")


def language_payload(language: str) -> str:
    return intent_payload("set_language", {"language": language})


def commands_router() -> Router:
    router = Router(name="commands")

    @router.message(CommandStart())
    async def start(
        message: Message,
        command: CommandObject,
        consumer: Consumer,
        relay: EngineRelay,
        keeper: AttachmentKeeper,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(conversation_log, consumer, message, message.text)
        consumer = await relay.relay(
            consumer, start_payload(command.args), message_id=message.message_id
        )
        await keeper.attach_held(consumer)

    @router.message(Command("help"))
    async def show_help(
        message: Message,
        consumer: Consumer,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(conversation_log, consumer, message, message.text)
        await replies.say(consumer, HELP)

    @router.message(Command("lang"))
    async def switch_language(
        message: Message,
        command: CommandObject,
        consumer: Consumer,
        relay: EngineRelay,
        replies: ReplySender,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(conversation_log, consumer, message, message.text)
        if not command.args:
            await replies.offer(
                consumer,
                CHOOSE_LANGUAGE.in_(consumer.language),
                [Button(title, language_payload(code)) for title, code in LANGUAGE_BUTTONS],
            )
            return
        language = language_named(command.args)
        if language is None:
            await replies.say(consumer, LANGUAGE_NOT_OFFERED)
            return
        await relay.relay(consumer, language_payload(language), message_id=message.message_id)

    @router.message(Command(*COMMAND_INTENTS))
    async def ask_engine(
        message: Message,
        command: CommandObject,
        consumer: Consumer,
        relay: EngineRelay,
        keeper: AttachmentKeeper,
        conversation_log: ConversationLog,
    ) -> None:
        record_inbound(conversation_log, consumer, message, message.text)
        intent = COMMAND_INTENTS[command.command.lower()]
        consumer = await relay.relay(
            consumer, intent_payload(intent), message_id=message.message_id
        )
        await keeper.attach_held(consumer)

    return router
