"""Agents take over chats in the forum topics of their supergroup: the real bot against the
fake Bot API, the real api (handoffs, surveys, transcript) and the real embedded engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from api.auth_roles import Role
from api.db import create_engine
from api.handoffs.models import Handoff
from api.handoffs.settings import HandoffSettings, handoff_settings
from bot.telegram.agents.texts import (
    AGENT_FINISHED,
    AGENT_JOINED,
    ALREADY_CLAIMED,
    BACK_IN_QUEUE,
    BANNED,
    CLOSE_BUTTON,
    NOT_HOLDER,
    TAKE_OVER_BUTTON,
    TOOK_OVER,
    UNBANNED,
)
from bot.telegram.language import language_from_code
from bot.telegram.settings import BotSettings
from bot.telegram.store.bot_store import BotStore
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.live_chain import (
    ASK_FOR_A_PERSON,
    GREETING,
    ApiAs,
    api_app,
    daytime_zone,
    live_action_server,
    live_engine,
    night_zone,
    open_handoff,
    register_consumer,
)
from tests.bot.waiting import eventually
from tests.support.databases import MigratedSqliteTemplate
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import free_port, serve_in_thread

CONSUMER = FakeUser(7101, first_name="张三", language_code="zh-hans")
CONVERSATION = f"tg:{CONSUMER.id}"
LI_NA = FakeUser(9001, first_name="李娜", language_code="zh-hans")
TOM = FakeUser(9002, first_name="Tom", language_code="en")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: MigratedSqliteTemplate) -> str:
    # What the bot does with a handoff does not depend on the api's database.
    return sqlite_template.fresh_url(tmp_path)


@dataclass
class Chain:
    api: FastAPI
    api_url: str
    engine_url: str
    agents: ApiAs
    forum: int

    async def handoff(self, handoff_id: int) -> dict[str, object]:
        handoff: dict[str, object] = await self.agents.call("GET", f"/handoffs/{handoff_id}")
        return handoff

    async def engine_events(self) -> list[dict[str, object]]:
        async with httpx.AsyncClient(base_url=self.engine_url) as client:
            tracker = (await client.get(f"/conversations/{CONVERSATION}/tracker")).json()
        events: list[dict[str, object]] = tracker["events"]
        return events


@pytest.fixture
def action_server() -> bool:
    """Whether the engine runs the real actions (a test asking for a person the way a
    consumer does); other tests queue the handoff in the api as ``action_handoff`` would."""
    return False


WITH_ACTION_SERVER = pytest.mark.parametrize("action_server", [True], ids=["action_server"])


@pytest.fixture
async def chain(
    database_url: str, tmp_path: Path, telegram: FakeTelegram, action_server: bool
) -> AsyncIterator[Chain]:
    app = api_app(database_url, tmp_path)
    with ExitStack() as stack:
        api_url = stack.enter_context(serve_in_thread(app))
        endpoint = stack.enter_context(live_action_server(api_url)) if action_server else ""
        engine_url = stack.enter_context(live_engine(tmp_path / "engine", endpoint))
        agents = ApiAs(api_url, Role.AGENT)
        await register_consumer(api_url, CONVERSATION, "张三")
        try:
            yield Chain(app, api_url, engine_url, agents, telegram.add_forum())
        finally:
            await agents.close()


@pytest.fixture
def takeover_settings(make_settings: SettingsFactory, chain: Chain) -> SettingsFactory:
    def build(**overrides: object) -> BotSettings:
        values: dict[str, object] = {
            "engine_url": chain.engine_url,
            "api_url": chain.api_url,
            "agent_group_id": chain.forum,
            "handoff_poll_interval_seconds": 0.1,
            "outbound_poll_interval_seconds": 0.2,
        }
        return make_settings(**(values | overrides))

    return build


def _texts(messages: list[dict[str, object]]) -> list[str]:
    return [str(message.get("text") or message.get("caption") or "") for message in messages]


async def _topic_of(telegram: FakeTelegram, forum: int) -> int:
    [thread_id] = (await telegram.wait_for_topics(forum, 1)).keys()
    return thread_id


async def _card(telegram: FakeTelegram, forum: int, thread_id: int) -> dict[str, object]:
    async def shown() -> bool:
        return any("Handoff" in text for text in _texts(telegram.topic_messages(forum, thread_id)))

    await eventually(shown)
    return next(
        message
        for message in telegram.topic_messages(forum, thread_id)
        if "Handoff" in str(message.get("text"))
    )


async def _topic_shows(telegram: FakeTelegram, forum: int, thread_id: int, text: str) -> None:
    async def shown() -> bool:
        return any(text in body for body in _texts(telegram.topic_messages(forum, thread_id)))

    await eventually(shown)


@WITH_ACTION_SERVER
async def test_two_agents_one_wins_notes_stay_and_close_hands_back(
    telegram: FakeTelegram, chain: Chain, takeover_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    forum = chain.forum
    with run_bot(takeover_settings()):
        telegram.send_text(CONSUMER, "hi")
        await telegram.wait_for_messages(CONSUMER.id, 1)
        telegram.send_text(CONSUMER, ASK_FOR_A_PERSON)

        thread = await _topic_of(telegram, forum)
        card = await _card(telegram, forum, thread)
        [handoff] = (await chain.agents.call("GET", "/handoffs"))["items"]
        topic = telegram.forum_topics(forum)[thread]
        assert topic.name == f"🔴 #H{handoff['id']} 张三 · requested"
        assert "张三 (tg:7101)" in str(card["text"])
        # The api's word on the wait reached the consumer through the action.
        queued: Any = await chain.handoff(int(handoff["id"]))
        told_wait = queued["expected_wait"]["message"]["zh"]
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), told_wait))
        keyboard: Any = card["reply_markup"]
        buttons = [button["text"] for row in keyboard["inline_keyboard"] for button in row]
        assert buttons == [TAKE_OVER_BUTTON, CLOSE_BUTTON]

        # While the chat waits for an agent, the consumer is heard in the topic only.
        telegram.send_text(CONSUMER, "还要等多久？")
        await _topic_shows(telegram, forum, thread, "还要等多久？")

        telegram.tap(LI_NA, card, text=TAKE_OVER_BUTTON)
        telegram.tap(TOM, card, text=TAKE_OVER_BUTTON)
        answers = await telegram.wait_for_calls("answerCallbackQuery", count=2)
        claimed = await chain.handoff(int(handoff["id"]))
        winner, loser = (
            (LI_NA, TOM) if claimed["agent_id"] == f"telegram:{LI_NA.id}" else (TOM, LI_NA)
        )
        assert claimed["status"] == "claimed"
        answered = sorted(str(call.params.get("text")) for call in answers)
        assert answered == sorted(
            [
                _in_language_of(winner, TOOK_OVER.zh, TOOK_OVER.en).format(agent=winner.first_name),
                _in_language_of(loser, ALREADY_CLAIMED.zh, ALREADY_CLAIMED.en).format(
                    holder=winner.first_name
                ),
            ]
        )
        assert telegram.forum_topics(forum)[thread].name == (
            f"🟡 #H{handoff['id']} 张三 · {winner.first_name}"
        )
        joined = AGENT_JOINED.zh.format(agent=winner.first_name)
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), joined))

        telegram.send_text(loser, "我来回答吧", chat_id=forum, message_thread_id=thread)
        telegram.send_text(winner, "!客户语气很急，先安抚", chat_id=forum, message_thread_id=thread)
        reply = "您好，我是客服，马上为您处理。"
        telegram.send_text(winner, reply, chat_id=forum, message_thread_id=thread)
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), reply))
        notice = _in_language_of(loser, NOT_HOLDER.zh, NOT_HOLDER.en).format(
            holder=winner.first_name
        )
        await _topic_shows(telegram, forum, thread, notice)

        telegram.send_photo(CONSUMER, b"\xff\xd8 photo of the unit", caption="铭牌")
        await _topic_shows(telegram, forum, thread, "铭牌")

        telegram.send_text(winner, "/close", chat_id=forum, message_thread_id=thread)
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), AGENT_FINISHED.zh))
        await _until(lambda: telegram.forum_topics(forum)[thread].closed)
        assert telegram.forum_topics(forum)[thread].name.startswith("✅ ")

        telegram.send_text(CONSUMER, "hi")
        await _until(lambda: _texts(telegram.sent_messages(CONSUMER.id)).count(GREETING) == 2)

    to_consumer = _texts(telegram.sent_messages(CONSUMER.id))
    assert "我来回答吧" not in to_consumer
    assert not any("先安抚" in text for text in to_consumer)
    photos = [m for m in telegram.topic_messages(forum, thread) if m.get("photo")]
    assert [photo["caption"] for photo in photos] == ["铭牌"]
    resolved = await chain.handoff(int(handoff["id"]))
    assert resolved["status"] == "resolved"
    events = await chain.engine_events()
    said = [event["text"] for event in events if event["event"] == "user"]
    assert said == ["hi", ASK_FOR_A_PERSON, "hi"], "nothing reached it while agents held the chat"
    steps = [(event["event"], event.get("name")) for event in events]
    handed_back = steps[steps.index(("pause", None)) :][:7]
    assert handed_back == [
        ("pause", None),
        ("resume", None),
        ("action", "action_listen"),
        ("user", None),
        ("user_featurization", None),
        ("action", "utter_greet"),
        ("bot", None),
    ]
    outbound = await chain.agents.call("GET", "/outbound", params={"conversation_id": CONVERSATION})
    assert [item["kind"] for item in outbound["items"]] == ["survey_due"]


def _has(messages: list[dict[str, object]], text: str) -> bool:
    return text in _texts(messages)


def _in_language_of(agent: FakeUser, zh: str, en: str) -> str:
    return en if language_from_code(agent.language_code, "zh") == "en" else zh


async def _until(condition: Callable[[], bool], within: float = 5.0) -> None:
    async def holds() -> bool:
        return condition()

    await eventually(holds, within=within)


async def test_deleted_topic_is_recreated_with_nothing_lost(
    telegram: FakeTelegram, chain: Chain, takeover_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    forum = chain.forum
    with run_bot(takeover_settings()):
        handoff = await open_handoff(chain.api_url, CONVERSATION, "fault: 冰箱不制冷")
        first = await _topic_of(telegram, forum)
        await _card(telegram, forum, first)
        telegram.send_text(CONSUMER, "第一条：冰箱不制冷了")
        await _topic_shows(telegram, forum, first, "第一条：冰箱不制冷了")

        telegram.delete_topic(forum, first)
        telegram.send_text(CONSUMER, "第二条：还有异响")
        topics = await telegram.wait_for_topics(forum, 1)
        [second] = topics.keys()
        assert second != first
        assert topics[second].name == f"🔴 #H{handoff['id']} 张三 · requested"
        await _topic_shows(telegram, forum, second, "第二条：还有异响")
        card = await _card(telegram, forum, second)
        # The new card carries the transcript, so what the deleted topic showed is not lost.
        assert "第一条：冰箱不制冷了" in str(card["text"])

        telegram.send_text(LI_NA, "/take", chat_id=forum, message_thread_id=second)
        await _until(
            lambda: telegram.forum_topics(forum)[second].name.endswith(f"· {LI_NA.first_name}")
        )

    assert (await chain.handoff(int(handoff["id"])))["agent_id"] == f"telegram:{LI_NA.id}"
    texts = _texts(telegram.topic_messages(forum, second))
    assert texts.index("第二条：还有异响") > 0, "the card comes first in the new topic"


@WITH_ACTION_SERVER
async def test_consumer_writing_after_close_reopens_their_topic(
    telegram: FakeTelegram, chain: Chain, takeover_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    forum = chain.forum
    with run_bot(takeover_settings()):
        telegram.send_text(CONSUMER, ASK_FOR_A_PERSON)
        thread = await _topic_of(telegram, forum)
        [first] = (await chain.agents.call("GET", "/handoffs"))["items"]
        card = await _card(telegram, forum, thread)
        telegram.tap(LI_NA, card, text=TAKE_OVER_BUTTON)
        await _until(lambda: telegram.forum_topics(forum)[thread].name.startswith("🟡"))
        telegram.tap(LI_NA, card, text=CLOSE_BUTTON)
        await _until(lambda: telegram.forum_topics(forum)[thread].closed)

        telegram.send_text(CONSUMER, "hi")
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), GREETING))
        telegram.send_text(CONSUMER, ASK_FOR_A_PERSON)
        await _until(lambda: not telegram.forum_topics(forum)[thread].closed)
        [second] = (await chain.agents.call("GET", "/handoffs"))["items"]
        assert second["id"] != first["id"]
        assert telegram.forum_topics(forum)[thread].name == f"🔴 #H{second['id']} 张三 · requested"
        telegram.send_text(CONSUMER, "又漏水了，请尽快处理")
        await _topic_shows(telegram, forum, thread, "又漏水了，请尽快处理")

    assert list(telegram.forum_topics(forum)) == [thread]
    cards = [text for text in _texts(telegram.topic_messages(forum, thread)) if "Handoff" in text]
    assert [f"H{first['id']}" in cards[0], f"H{second['id']}" in cards[1]] == [True, True]


async def test_consumer_writing_while_agents_are_off_duty_is_told_when_they_are_back(
    telegram: FakeTelegram, chain: Chain, takeover_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    # Agents work 09:00-21:00 in a zone where it is the middle of the night now.
    chain.api.dependency_overrides[handoff_settings] = lambda: HandoffSettings(
        agents_timezone=night_zone()
    )
    forum = chain.forum
    with run_bot(takeover_settings()):
        handoff = await open_handoff(chain.api_url, CONVERSATION, "fault: 热水器不出热水")
        thread = await _topic_of(telegram, forum)
        telegram.send_text(CONSUMER, "有人吗？")
        await _topic_shows(telegram, forum, thread, "有人吗？")
        queued = await chain.handoff(int(handoff["id"]))
        wait: Any = queued["expected_wait"]
        assert wait["kind"] == "after_hours"
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), wait["message"]["zh"]))
        telegram.send_text(CONSUMER, "还在吗？")
        await _topic_shows(telegram, forum, thread, "还在吗？")

    told = _texts(telegram.sent_messages(CONSUMER.id)).count(wait["message"]["zh"])
    assert told == 1, "told once, not at every message"


async def test_release_ban_and_a_reminder_of_a_late_handoff(
    telegram: FakeTelegram,
    chain: Chain,
    database_url: str,
    takeover_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    chain.api.dependency_overrides[handoff_settings] = lambda: HandoffSettings(
        agents_timezone=daytime_zone(), claim_within_minutes=10
    )
    forum = chain.forum
    settings = takeover_settings()
    with run_bot(settings):
        telegram.send_text(CONSUMER, "hi")
        await telegram.wait_for_messages(CONSUMER.id, 1)
        handoff = await open_handoff(chain.api_url, CONVERSATION, "fault: 电视黑屏")
        thread = await _topic_of(telegram, forum)
        await _card(telegram, forum, thread)
        queued_name = telegram.forum_topics(forum)[thread].name

        telegram.send_text(TOM, "/take", chat_id=forum, message_thread_id=thread)
        await _until(lambda: telegram.forum_topics(forum)[thread].name.endswith("· Tom"))
        telegram.send_text(TOM, "/release", chat_id=forum, message_thread_id=thread)
        await _until(lambda: telegram.forum_topics(forum)[thread].name == queued_name)
        await _until(lambda: _has(telegram.sent_messages(CONSUMER.id), BACK_IN_QUEUE.zh))
        assert (await chain.handoff(int(handoff["id"])))["status"] == "queued"

        telegram.send_text(TOM, "/ban", chat_id=forum, message_thread_id=thread)
        await _topic_shows(telegram, forum, thread, BANNED.en)
        abuse = telegram.send_text(CONSUMER, "骂人的话")
        await _handled(telegram, settings, abuse["update_id"])
        telegram.send_text(TOM, "/unban", chat_id=forum, message_thread_id=thread)
        await _topic_shows(telegram, forum, thread, UNBANNED.en)
        telegram.send_text(CONSUMER, "对不起，电视还是黑屏")
        await _topic_shows(telegram, forum, thread, "对不起，电视还是黑屏")

        # The handoff has waited half an hour of working time: beyond the service level.
        await _queued_since(database_url, int(handoff["id"]), minutes=30)
        general = _texts(_general_topic(telegram, forum))
        await _until(lambda: len(_general_topic(telegram, forum)) == 1)
        await asyncio.sleep(0.5)  # several more passes of the queue, none repeats it

    topic_texts = _texts(telegram.topic_messages(forum, thread))
    assert "骂人的话" not in topic_texts
    assert general == [], "no reminder while the handoff was within its service level"
    [reminder] = _texts(_general_topic(telegram, forum))
    assert reminder.startswith(f"⏰ #H{handoff['id']} 张三")


async def _handled(telegram: FakeTelegram, settings: BotSettings, update_id: int) -> None:
    """Wait until the bot has taken the update in and finished handling it."""
    await telegram.wait_until_confirmed(update_id)
    store = await BotStore.open(settings.store_url)
    try:

        async def finished() -> bool:
            payloads = await store.updates.unfinished()
            return not any(f'"update_id":{update_id}' in payload for payload in payloads)

        await eventually(finished)
    finally:
        await store.close()


def _general_topic(telegram: FakeTelegram, forum: int) -> list[dict[str, object]]:
    return [m for m in telegram.sent_messages(forum) if "message_thread_id" not in m]


async def _queued_since(database_url: str, handoff_id: int, *, minutes: int) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id)
                .values(queued_at=datetime.now(UTC) - timedelta(minutes=minutes))
            )
    finally:
        await engine.dispose()


async def test_a_chat_closed_while_the_engine_is_away_is_handed_back_when_it_returns(
    telegram: FakeTelegram,
    chain: Chain,
    tmp_path: Path,
    takeover_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    forum = chain.forum
    port = free_port()
    with run_bot(takeover_settings(engine_url=f"http://127.0.0.1:{port}")):
        handoff = await open_handoff(chain.api_url, CONVERSATION, "fault: 空调漏水")
        thread = await _topic_of(telegram, forum)
        card = await _card(telegram, forum, thread)
        telegram.send_text(CONSUMER, "请快点")
        await _topic_shows(telegram, forum, thread, "请快点")
        telegram.tap(LI_NA, card, text=TAKE_OVER_BUTTON)
        await _until(lambda: telegram.forum_topics(forum)[thread].name.startswith("🟡"))
        telegram.tap(LI_NA, card, text=CLOSE_BUTTON)
        await _until(lambda: telegram.forum_topics(forum)[thread].closed)
        assert (await chain.handoff(int(handoff["id"])))["status"] == "resolved"

        with live_engine(tmp_path / "late-engine", port=port) as engine_url:

            async def handed_back() -> bool:
                async with httpx.AsyncClient(base_url=engine_url) as client:
                    tracker = (await client.get(f"/conversations/{CONVERSATION}/tracker")).json()
                return any(event["event"] == "resume" for event in tracker["events"])

            await eventually(handed_back)
