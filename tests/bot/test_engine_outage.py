"""The engine down, slow or failing: the user hears about it politely in their language,
and what they said while it was out of reach is replayed to it, in order, once it is back."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineBroke, EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import free_port

BUSY_SAVED_ZH = "系统繁忙，您的消息已保存，恢复后会自动为您继续处理，无需重复发送。"


async def test_messages_kept_while_the_engine_is_down_are_replayed_in_order(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9601, language_code="zh-hans")
    engine.down = True
    with run_bot(make_settings()):
        telegram.send_text(user, "洗衣机不排水")
        telegram.send_text(user, "型号 XQG100")
        [notice] = await telegram.wait_for_messages(user.id, 1)
        await asyncio.sleep(0.6)
        assert engine.received() == []
        assert len(telegram.sent_messages(user.id)) == 1, "the user is told once"
        engine.down = False
        messages = await telegram.wait_for_messages(user.id, 3)
    assert notice["text"] == BUSY_SAVED_ZH
    assert [m["text"] for m in messages[1:]] == ["echo: 洗衣机不排水", "echo: 型号 XQG100"]
    first, second = engine.received()
    assert (first["message"], second["message"]) == ("洗衣机不排水", "型号 XQG100")
    assert first["metadata"]["message_id"] < second["metadata"]["message_id"]


async def test_a_new_message_waits_behind_the_queued_ones(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9602)
    engine.down = True
    # Replays only when the user writes again: the background retry is far away.
    with run_bot(make_settings(engine_replay_interval_seconds=3600)):
        telegram.send_text(user, "first")
        await telegram.wait_for_messages(user.id, 1)
        engine.down = False
        telegram.send_text(user, "second")
        await telegram.wait_for_messages(user.id, 3)
    assert engine.messages() == ["first", "second"]


async def test_queued_messages_survive_a_restart(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9603, language_code="en")
    nothing_listening = f"http://127.0.0.1:{free_port()}"
    with run_bot(make_settings(engine_url=nothing_listening)):
        telegram.send_text(user, "my oven is dead")
        [notice] = await telegram.wait_for_messages(user.id, 1)
    assert notice["text"].startswith("The system is busy right now. Your message is saved")
    with run_bot(make_settings()):
        messages = await telegram.wait_for_messages(user.id, 2)
    assert messages[1]["text"] == "echo: my oven is dead"
    assert engine.messages() == ["my oven is dead"]


async def test_a_slow_engine_gets_a_word_that_the_answer_is_coming(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9604, language_code="en")
    engine.delay = lambda body: 1.2
    with run_bot(make_settings(engine_slow_notice_seconds=0.3)):
        telegram.send_text(user, "hello")
        messages = await telegram.wait_for_messages(user.id, 2)
    assert [m["text"] for m in messages] == [
        "Still working on it, one moment please…",
        "echo: hello",
    ]
    typing = telegram.calls("sendChatAction")
    assert typing and typing[0].params == {"chat_id": user.id, "action": "typing"}


async def test_a_failing_engine_is_not_sent_the_message_again(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9605, language_code="zh-hans")
    calls: list[str] = []

    def fail_once(body: dict[str, Any]) -> list[dict[str, Any]]:
        calls.append(body["message"])
        if len(calls) == 1:
            raise EngineBroke("the engine broke while handling the message")
        return [{"recipient_id": body["sender"], "text": "ok"}]

    engine.answer = fail_once
    with run_bot(make_settings()):
        telegram.send_text(user, "第一条")
        [apology] = await telegram.wait_for_messages(user.id, 1)
        await asyncio.sleep(0.6)
        telegram.send_text(user, "第二条")
        await telegram.wait_for_messages(user.id, 2)
    assert apology["text"] == "系统繁忙，请稍后再试。"
    assert calls == ["第一条", "第二条"]
