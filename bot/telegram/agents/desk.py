"""The agents' desk: every handoff of a Telegram consumer is worked in a forum topic of the
agents' supergroup.

A new handoff opens a topic (or reopens the consumer's earlier one) with a case card. Agents
take over, release and close there; the api decides every claim, so of two agents exactly
one wins. While a handoff is open the consumer's messages are copied into the topic and the
holder's messages to the consumer. A topic deleted by mistake is created again, with the
card and the last messages, the moment something must be posted in it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.channel.handoffs import OPEN_STATUSES
from bot.telegram.agents.cards import case_card, topic_label, topic_name
from bot.telegram.agents.staff_api import StaffApi
from bot.telegram.agents.texts import (
    AGENT_FINISHED,
    AGENT_JOINED,
    ALREADY_CLAIMED,
    API_UNREACHABLE,
    BACK_IN_QUEUE,
    BANNED,
    CLOSE_BUTTON,
    CLOSED,
    NO_OPEN_HANDOFF,
    NOT_ALLOWED,
    NOT_CLAIMED,
    NOT_HOLDER,
    NOT_IN_A_TOPIC,
    RELEASED,
    TAKE_OVER_BUTTON,
    TOOK_OVER,
    UNBANNED,
    USER_UNREACHABLE,
    WAITING_TOO_LONG,
)
from bot.telegram.api_client import ApiRejected, ApiUnavailable
from bot.telegram.consumer import Consumer, conversation_id_of, user_id_of
from bot.telegram.conversation_log import ConversationLog, LogEntry
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineUnreachable
from bot.telegram.language import Language, as_language
from bot.telegram.replies import ReplySender
from bot.telegram.store.bot_store import BotStore
from bot.telegram.store.topics import HandoffTopic
from bot.telegram.texts import Bilingual

log = structlog.get_logger(__name__)

AGENT_ID_PREFIX = "telegram:"
CALLBACK_PREFIX = "ho:"
"""Callback data of the card's buttons: ``ho:take:<handoff id>``, ``ho:close:<handoff id>``."""
TAKE = "take"
CLOSE = "close"
_THREAD_GONE = ("message thread not found", "TOPIC_DELETED", "TOPIC_ID_INVALID")
_TOPIC_CLOSED = "TOPIC_CLOSED"
_NOT_MODIFIED = "TOPIC_NOT_MODIFIED"

Sent = TypeVar("Sent")


@dataclass(frozen=True, slots=True)
class Agent:
    """A member of the agents' group, acting in it."""

    user_id: int
    name: str
    language: Language

    @property
    def agent_id(self) -> str:
        return f"{AGENT_ID_PREFIX}{self.user_id}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an agent's action came to, and whether the topic was already told."""

    text: str
    announced: bool = False


def _gone(error: TelegramBadRequest) -> bool:
    return any(sign in error.message for sign in _THREAD_GONE)


class AgentDesk:
    def __init__(
        self,
        bot: Bot,
        staff: StaffApi,
        store: BotStore,
        engine: EngineClient,
        replies: ReplySender,
        conversation_log: ConversationLog,
        *,
        group_id: int,
        default_language: Language,
        note_marker: str,
    ) -> None:
        self._bot = bot
        self._staff = staff
        self._store = store
        self._engine = engine
        self._replies = replies
        self._log = conversation_log
        self.group_id = group_id
        self._default_language = default_language
        self._note_marker = note_marker
        # One consumer's topic is changed by one task at a time: the watcher, the consumer's
        # own messages and agents' actions would otherwise race to create or rename it.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    # --- what the api's queue says --------------------------------------------------------

    async def sync(self, open_handoffs: Sequence[dict[str, Any]]) -> None:
        """Follow the api's open handoffs: open topics for new ones, follow changes made
        elsewhere, close the topics of handoffs closed elsewhere, remind of late ones, and
        hand back conversations the engine could not take back when they were closed."""
        listed: set[int] = set()
        for handoff in open_handoffs:
            user_id = user_id_of(str(handoff["conversation_id"]))
            if user_id is None:
                continue
            listed.add(int(handoff["id"]))
            try:
                await self._learn(handoff, user_id)
                await self._remind_if_late(handoff)
            except (TelegramAPIError, ApiRejected) as error:
                # One handoff Telegram or the api refuses must not hold up the others.
                log.warning("handoff.not_followed", handoff_id=handoff["id"], error=str(error))
        for topic in await self._store.topics.open_topics():
            if topic.handoff_id in listed:
                continue
            try:
                await self._learn(await self._staff.handoff(topic.handoff_id), topic.user_id)
            except (TelegramAPIError, ApiRejected) as error:
                log.warning("handoff.not_followed", handoff_id=topic.handoff_id, error=str(error))
        await self._resume_pending()

    async def _learn(self, handoff: dict[str, Any], user_id: int) -> None:
        async with self._locks[user_id]:
            known = await self._store.topics.get(int(handoff["id"]))
            if known is None:
                if handoff["status"] in OPEN_STATUSES:
                    await self._open(handoff, user_id)
                return
            if (known.status, known.agent_id) == (handoff["status"], handoff.get("agent_id")):
                return
            # The list may predate an agent's action taken meanwhile: decide on the handoff
            # as it is now.
            current = await self._staff.handoff(known.handoff_id)
            if (known.status, known.agent_id) == (current["status"], current.get("agent_id")):
                return
            if current["status"] in OPEN_STATUSES:
                await self._follow(known, current)
            elif known.is_open:
                await self._finish(known, current, closed_by=current.get("closed_by") or "")

    async def _open(self, handoff: dict[str, Any], user_id: int) -> None:
        topic = HandoffTopic(
            handoff_id=int(handoff["id"]),
            user_id=user_id,
            thread_id=0,
            status=str(handoff["status"]),
            label=await self._label(handoff),
            reason=str(handoff["reason"]),
            agent_id=handoff.get("agent_id"),
            agent_name=handoff.get("agent_name"),
        )
        previous = await self._store.topics.latest_for_user(user_id)
        thread_id = None
        if previous is not None:
            thread_id = await self._reopen(previous.thread_id, _name(topic))
        if thread_id is None:
            thread_id = await self._create(_name(topic))
        topic = replace(topic, thread_id=thread_id)
        await self._store.topics.add(topic)
        log.info("handoff.topic_opened", handoff_id=topic.handoff_id, thread_id=thread_id)
        await self._post_card(topic, handoff)

    async def _follow(self, known: HandoffTopic, handoff: dict[str, Any]) -> None:
        topic = replace(
            known,
            status=str(handoff["status"]),
            agent_id=handoff.get("agent_id"),
            agent_name=handoff.get("agent_name"),
        )
        await self._store.topics.change(
            topic.handoff_id,
            status=topic.status,
            agent_id=topic.agent_id,
            agent_name=topic.agent_name,
        )
        await self._rename(topic)

    async def _remind_if_late(self, handoff: dict[str, Any]) -> None:
        timing = handoff.get("queue_timing") or {}
        if handoff["status"] != "queued" or not timing.get("sla_breached"):
            return
        topic = await self._store.topics.get(int(handoff["id"]))
        if topic is None or topic.reminded:
            return
        text = WAITING_TOO_LONG.in_(self._default_language).format(
            label=topic.label, minutes=int(timing.get("working_seconds_waited", 0)) // 60
        )
        # The general topic: where every agent looks, not only those following the topic.
        await self._bot.send_message(self.group_id, text)
        await self._store.topics.change(topic.handoff_id, reminded=True)

    # --- the consumer's side --------------------------------------------------------------

    async def under_takeover(self, user_id: int) -> bool:
        return await self._store.topics.open_for_user(user_id) is not None

    async def consumer_wrote(self, consumer: Consumer, messages: Sequence[Message]) -> None:
        """Copy what the consumer sent (text or media) into their handoff's topic."""
        async with self._locks[consumer.user_id]:
            topic = await self._store.topics.open_for_user(consumer.user_id)
            if topic is None:
                return
            for message in messages:

                async def copy(thread_id: int, message: Message = message) -> object:
                    return await self._bot.copy_message(
                        self.group_id,
                        from_chat_id=consumer.chat_id,
                        message_id=message.message_id,
                        message_thread_id=thread_id,
                    )

                await self._in_topic(topic, copy)
            if topic.status == "queued" and not topic.told_after_hours:
                await self._tell_when_agents_are_back(topic, consumer)

    async def _tell_when_agents_are_back(self, topic: HandoffTopic, consumer: Consumer) -> None:
        try:
            handoff = await self._staff.handoff(topic.handoff_id)
        except (ApiUnavailable, ApiRejected) as error:
            log.warning("handoff.wait_unknown", handoff_id=topic.handoff_id, error=str(error))
            return
        wait = handoff.get("expected_wait") or {}
        if wait.get("kind") != "after_hours":
            return
        await self._replies.say(consumer, str(wait["message"][consumer.language]))
        await self._store.topics.change(topic.handoff_id, told_after_hours=True)

    # --- the agents' side -----------------------------------------------------------------

    async def take(self, handoff_id: int, agent: Agent) -> Outcome:
        """Claim the handoff for ``agent``."""
        known = await self._store.topics.get(handoff_id)
        if known is None:
            return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
        async with self._locks[known.user_id]:
            topic = await self._store.topics.get(handoff_id)
            if topic is None or not topic.is_open:
                return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
            try:
                await self._staff.claim(handoff_id, agent.agent_id, agent.name)
            except ApiRejected as rejection:
                if rejection.code == "already_claimed":
                    holder = rejection.extra.get("agent_name") or rejection.extra.get("agent_id")
                    return Outcome(ALREADY_CLAIMED.in_(agent.language).format(holder=holder))
                return Outcome(NOT_ALLOWED.in_(agent.language).format(detail=rejection.detail))
            except ApiUnavailable:
                return Outcome(API_UNREACHABLE.in_(agent.language))
            topic = replace(topic, status="claimed", agent_id=agent.agent_id, agent_name=agent.name)
            await self._store.topics.change(
                handoff_id, status="claimed", agent_id=agent.agent_id, agent_name=agent.name
            )
            await self._rename(topic)
            consumer = await self._consumer(topic.user_id)
            await self._replies.say(
                consumer, AGENT_JOINED.in_(consumer.language).format(agent=agent.name)
            )
            text = await self._announce(topic, TOOK_OVER, agent.language, agent=agent.name)
            return Outcome(text, announced=True)

    async def release(self, handoff_id: int, agent: Agent) -> Outcome:
        known = await self._store.topics.get(handoff_id)
        if known is None:
            return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
        async with self._locks[known.user_id]:
            topic = await self._store.topics.get(handoff_id)
            if topic is None or not topic.is_open:
                return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
            try:
                await self._staff.release(handoff_id, agent.agent_id)
            except ApiRejected as rejection:
                return Outcome(NOT_ALLOWED.in_(agent.language).format(detail=rejection.detail))
            except ApiUnavailable:
                return Outcome(API_UNREACHABLE.in_(agent.language))
            topic = replace(topic, status="queued", agent_id=None, agent_name=None)
            await self._store.topics.change(
                handoff_id, status="queued", agent_id=None, agent_name=None, reminded=False
            )
            await self._rename(topic)
            consumer = await self._consumer(topic.user_id)
            await self._replies.say(consumer, BACK_IN_QUEUE)
            text = await self._announce(topic, RELEASED, agent.language, agent=agent.name)
            return Outcome(text, announced=True)

    async def close(self, handoff_id: int, agent: Agent) -> Outcome:
        """Resolve the handoff and hand the conversation back to the assistant."""
        known = await self._store.topics.get(handoff_id)
        if known is None:
            return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
        async with self._locks[known.user_id]:
            topic = await self._store.topics.get(handoff_id)
            if topic is None or not topic.is_open:
                return Outcome(NO_OPEN_HANDOFF.in_(agent.language))
            try:
                handoff = await self._staff.resolve(handoff_id, agent.agent_id)
            except ApiRejected as rejection:
                return Outcome(NOT_ALLOWED.in_(agent.language).format(detail=rejection.detail))
            except ApiUnavailable:
                return Outcome(API_UNREACHABLE.in_(agent.language))
            text = await self._finish(topic, handoff, closed_by=agent.name, language=agent.language)
            return Outcome(text, announced=True)

    async def agent_wrote(self, message: Message, agent: Agent) -> None:
        """An agent's message in a topic: to the consumer if they hold the chat, else a
        notice; a message starting with the note marker stays in the topic."""
        if message.message_thread_id is None:
            return
        topic = await self._store.topics.in_thread(message.message_thread_id)
        if topic is None or not topic.is_open:
            return
        text = message.text or message.caption or ""
        if text.startswith(self._note_marker):
            return
        if topic.status != "claimed" or topic.agent_id is None:
            await self._announce(topic, NOT_CLAIMED, agent.language)
            return
        if topic.agent_id != agent.agent_id:
            await self._announce(
                topic, NOT_HOLDER, agent.language, holder=topic.agent_name or topic.agent_id
            )
            return
        try:
            sent = await self._bot.copy_message(
                topic.user_id, from_chat_id=self.group_id, message_id=message.message_id
            )
        except TelegramForbiddenError:
            await self._announce(topic, USER_UNREACHABLE, agent.language)
            return
        self._log.record(
            LogEntry(
                conversation_id=conversation_id_of(topic.user_id),
                direction="out",
                text=text or "[attachment]",
                channel_message_id=str(sent.message_id),
                sent_at=message.date if isinstance(message.date, datetime) else None,
                agent_id=agent.agent_id,
            )
        )

    async def ban(self, thread_id: int | None, agent: Agent, *, banned: bool) -> str:
        topic = await self._store.topics.in_thread(thread_id) if thread_id is not None else None
        if topic is None:
            return NOT_IN_A_TOPIC.in_(agent.language)
        if banned:
            await self._store.bans.ban(topic.user_id, agent.agent_id)
            log.info("consumer.banned", user_id=topic.user_id, by=agent.agent_id)
            return BANNED.in_(agent.language)
        await self._store.bans.unban(topic.user_id)
        log.info("consumer.unbanned", user_id=topic.user_id, by=agent.agent_id)
        return UNBANNED.in_(agent.language)

    async def notify(self, message: Message, text: str) -> None:
        """Answer an agent in the topic (or the general topic) they wrote in."""
        thread_id = message.message_thread_id if message.is_topic_message else None
        await self._bot.send_message(self.group_id, text, message_thread_id=thread_id)

    async def handoff_in(self, thread_id: int | None) -> int | None:
        """The open handoff worked in a topic."""
        if thread_id is None:
            return None
        topic = await self._store.topics.in_thread(thread_id)
        return topic.handoff_id if topic is not None and topic.is_open else None

    # --- topics ---------------------------------------------------------------------------

    async def _finish(
        self,
        topic: HandoffTopic,
        handoff: dict[str, Any],
        *,
        closed_by: str,
        language: Language | None = None,
    ) -> str:
        status = str(handoff["status"])
        topic = replace(topic, status=status)
        await self._store.topics.change(topic.handoff_id, status=status)
        if not await self._resume(topic.user_id):
            await self._store.topics.change(topic.handoff_id, resume_pending=True)
        if status == "resolved":
            await self._replies.say(await self._consumer(topic.user_id), AGENT_FINISHED)
        notice = await self._announce(
            topic, CLOSED, language or self._default_language, agent=closed_by
        )
        await self._rename(topic)
        try:
            await self._bot.close_forum_topic(self.group_id, topic.thread_id)
        except TelegramBadRequest as error:
            log.info("handoff.topic_not_closed", thread_id=topic.thread_id, detail=error.message)
        log.info("handoff.topic_closed", handoff_id=topic.handoff_id, status=status)
        return notice

    async def _resume(self, user_id: int) -> bool:
        """Hand the conversation back to the assistant; False when the engine is not there."""
        conversation_id = conversation_id_of(user_id)
        try:
            await self._engine.resume(conversation_id)
        except (EngineUnreachable, EngineFailed) as error:
            log.warning("handoff.resume_failed", conversation_id=conversation_id, error=str(error))
            return False
        return True

    async def _resume_pending(self) -> None:
        for topic in await self._store.topics.awaiting_resume():
            async with self._locks[topic.user_id]:
                # A newer handoff paused the conversation again: it is the agents' now.
                reopened = await self._store.topics.open_for_user(topic.user_id) is not None
                if reopened or await self._resume(topic.user_id):
                    await self._store.topics.change(topic.handoff_id, resume_pending=False)

    async def _announce(
        self, topic: HandoffTopic, text: Bilingual, language: Language, **values: str | None
    ) -> str:
        body = text.in_(language).format(**values)

        async def send(thread_id: int) -> object:
            return await self._bot.send_message(self.group_id, body, message_thread_id=thread_id)

        await self._in_topic(topic, send)
        return body

    async def _in_topic(self, topic: HandoffTopic, send: Callable[[int], Awaitable[Sent]]) -> Sent:
        """Post in the topic, reopening it when closed and creating it again when gone."""
        try:
            return await send(topic.thread_id)
        except TelegramBadRequest as error:
            if _TOPIC_CLOSED in error.message:
                await self._bot.reopen_forum_topic(self.group_id, topic.thread_id)
                return await send(topic.thread_id)
            if not _gone(error):
                raise
        return await send(await self._recreate(topic))

    async def _recreate(self, topic: HandoffTopic) -> int:
        current = await self._store.topics.get(topic.handoff_id) or topic
        if current.thread_id != topic.thread_id:
            return current.thread_id
        thread_id = await self._create(_name(current))
        await self._store.topics.move(topic.user_id, topic.thread_id, thread_id)
        log.warning(
            "handoff.topic_recreated",
            handoff_id=topic.handoff_id,
            old_thread_id=topic.thread_id,
            thread_id=thread_id,
        )
        await self._post_card(replace(current, thread_id=thread_id))
        return thread_id

    async def _post_card(self, topic: HandoffTopic, handoff: dict[str, Any] | None = None) -> None:
        handoff = handoff or await self._staff.handoff(topic.handoff_id)
        conversation_id = str(handoff["conversation_id"])
        case_id = handoff.get("case_id")
        case = await self._staff.case(int(case_id)) if case_id else None
        attachments = await self._staff.attachments(int(case_id)) if case_id else []
        messages = await self._staff.last_messages(conversation_id, 10)
        language = await self._store.users.language_of(topic.user_id) or self._default_language
        card = case_card(
            handoff,
            customer_name=await self._customer_name(conversation_id),
            language=language,
            case=case,
            attachments=attachments,
            messages=messages,
        )
        await self._bot.send_message(
            self.group_id,
            card,
            message_thread_id=topic.thread_id,
            reply_markup=_card_buttons(topic.handoff_id),
        )

    async def _create(self, name: str) -> int:
        created = await self._bot.create_forum_topic(self.group_id, name)
        return created.message_thread_id

    async def _reopen(self, thread_id: int, name: str) -> int | None:
        """Reopen a consumer's earlier topic under a new name; None when it is gone."""
        try:
            await self._bot.reopen_forum_topic(self.group_id, thread_id)
        except TelegramBadRequest as error:
            if _gone(error):
                return None
            if _NOT_MODIFIED not in error.message:
                raise
        return thread_id if await self._set_name(thread_id, name) else None

    async def _rename(self, topic: HandoffTopic) -> None:
        if not await self._set_name(topic.thread_id, _name(topic)):
            await self._recreate(topic)

    async def _set_name(self, thread_id: int, name: str) -> bool:
        """False when the topic is gone."""
        try:
            await self._bot.edit_forum_topic(self.group_id, thread_id, name=name)
        except TelegramBadRequest as error:
            if _gone(error):
                return False
            if _NOT_MODIFIED not in error.message:
                raise
        return True

    async def _label(self, handoff: dict[str, Any]) -> str:
        case_id = handoff.get("case_id")
        case = await self._staff.case(int(case_id)) if case_id else None
        name = await self._customer_name(str(handoff["conversation_id"]))
        return topic_label(handoff, name, (case or {}).get("category"))

    async def _customer_name(self, conversation_id: str) -> str:
        customer = await self._staff.customer(conversation_id)
        return str((customer or {}).get("display_name") or conversation_id)

    async def _consumer(self, user_id: int) -> Consumer:
        language = await self._store.users.language_of(user_id)
        return Consumer(user_id, user_id, as_language(language or self._default_language))


def _name(topic: HandoffTopic) -> str:
    return topic_name(topic.label, topic.status, topic.reason, topic.agent_name)


def _card_buttons(handoff_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=TAKE_OVER_BUTTON, callback_data=f"{CALLBACK_PREFIX}{TAKE}:{handoff_id}"
                ),
                InlineKeyboardButton(
                    text=CLOSE_BUTTON, callback_data=f"{CALLBACK_PREFIX}{CLOSE}:{handoff_id}"
                ),
            ]
        ]
    )
