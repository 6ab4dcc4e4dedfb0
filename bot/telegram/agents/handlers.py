"""The routers of the takeover: the agents' group (buttons, commands, replies in topics) and,
on the consumer's side, the messages of consumers held by an agent or banned."""

from __future__ import annotations

from typing import Any

import structlog
from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from bot.telegram.agents.desk import CALLBACK_PREFIX, CLOSE, TAKE, Agent, AgentDesk
from bot.telegram.agents.texts import NO_OPEN_HANDOFF
from bot.telegram.consumer import Consumer
from bot.telegram.conversation_log import ConversationLog
from bot.telegram.handlers.context import record_inbound
from bot.telegram.language import Language, language_from_code
from bot.telegram.store.bot_store import BotStore

log = structlog.get_logger(__name__)

_SERVICE_MESSAGES = (
    F.forum_topic_created
    | F.forum_topic_edited
    | F.forum_topic_closed
    | F.forum_topic_reopened
    | F.new_chat_members
    | F.left_chat_member
    | F.pinned_message
)


def agent_of(user: User, default_language: Language) -> Agent:
    return Agent(user.id, user.full_name, language_from_code(user.language_code, default_language))


def agents_router(desk: AgentDesk, default_language: Language) -> Router:
    router = Router(name="agents")
    router.message.filter(F.chat.id == desk.group_id, ~_SERVICE_MESSAGES)
    router.callback_query.filter(F.message.chat.id == desk.group_id)

    @router.callback_query(F.data.startswith(CALLBACK_PREFIX))
    async def card_button(query: CallbackQuery) -> None:
        assert query.data is not None
        action, _, number = query.data.removeprefix(CALLBACK_PREFIX).partition(":")
        agent = agent_of(query.from_user, default_language)
        if not number.isdigit() or action not in (TAKE, CLOSE):
            await _answer(query, None)
            return
        if action == TAKE:
            outcome = await desk.take(int(number), agent)
        else:
            outcome = await desk.close(int(number), agent)
        await _answer(query, outcome.text)

    @router.message(Command("take", "release", "close"))
    async def handoff_command(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        agent = agent_of(message.from_user, default_language)
        handoff_id = await desk.handoff_in(_thread_of(message))
        if handoff_id is None:
            await desk.notify(message, NO_OPEN_HANDOFF.in_(agent.language))
            return
        actions = {"take": desk.take, "release": desk.release, "close": desk.close}
        action = actions[command.command.lower()]
        outcome = await action(handoff_id, agent)
        if not outcome.announced:
            await desk.notify(message, outcome.text)

    @router.message(Command("ban", "unban"))
    async def ban_command(message: Message, command: CommandObject) -> None:
        assert message.from_user is not None
        agent = agent_of(message.from_user, default_language)
        banned = command.command.lower() == "ban"
        await desk.notify(message, await desk.ban(_thread_of(message), agent, banned=banned))

    @router.message(F.from_user)
    async def agent_message(message: Message) -> None:
        assert message.from_user is not None
        if message.from_user.is_bot:
            return
        await desk.agent_wrote(message, agent_of(message.from_user, default_language))

    return router


def takeover_router(desk: AgentDesk) -> Router:
    """First among the consumer's routers: a banned consumer's messages are dropped, and while
    a person has the consumer's chat (`bot.channel.handoffs`: a handoff queued or claimed) the
    agents hear them, not the assistant."""
    router = Router(name="takeover")

    # Filters run before the consumer context exists: they see Telegram's user.
    async def is_banned(_: Any, event_from_user: User, store: BotStore) -> bool:
        return await store.bans.is_banned(event_from_user.id)

    async def held_by_agents(_: Any, event_from_user: User) -> bool:
        return await desk.under_takeover(event_from_user.id)

    @router.message(is_banned)
    @router.callback_query(is_banned)
    async def dropped(_: Message | CallbackQuery, consumer: Consumer) -> None:
        log.info("consumer.banned_message_dropped", user_id=consumer.user_id)

    @router.message(held_by_agents)
    async def to_agents(
        message: Message,
        consumer: Consumer,
        conversation_log: ConversationLog,
        album: list[Message] | None = None,
    ) -> None:
        messages = album or [message]
        for part in messages:
            record_inbound(conversation_log, consumer, part, _log_text(part))
        await desk.consumer_wrote(consumer, messages)

    return router


def _thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _log_text(message: Message) -> str:
    if message.text or message.caption:
        return str(message.text or message.caption)
    return f"[{message.content_type}]"


async def _answer(query: CallbackQuery, text: str | None) -> None:
    try:
        await query.answer(text)
    except TelegramBadRequest as error:
        log.info("agents.answer_late", query_id=query.id, detail=error.message)
