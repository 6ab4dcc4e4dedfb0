"""How updates are taken in: deduplicated by update_id (across restarts too), one user's in
order while users run concurrently, floods answered once and dropped."""

from __future__ import annotations

import asyncio

from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser


async def test_a_redelivered_update_is_handled_once(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9101)
    with run_bot(make_settings()):
        update = telegram.send_text(user, "空调不制冷")
        await telegram.wait_for_messages(user.id, 1)
        await telegram.wait_until_confirmed(update["update_id"])
        telegram.redeliver(update["update_id"])
        await telegram.wait_until_confirmed(update["update_id"])
        telegram.send_text(user, "还在吗")
        await telegram.wait_for_messages(user.id, 2)
    assert engine.messages() == ["空调不制冷", "还在吗"]
    assert [m["text"] for m in telegram.sent_messages(user.id)] == [
        "echo: 空调不制冷",
        "echo: 还在吗",
    ]


async def test_a_redelivery_after_a_restart_is_recognised(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9102)
    with run_bot(make_settings()):
        update = telegram.send_text(user, "fridge is warm")
        await telegram.wait_for_messages(user.id, 1)
        await telegram.wait_until_confirmed(update["update_id"])
    telegram.redeliver(update["update_id"])
    with run_bot(make_settings()):
        await telegram.wait_until_confirmed(update["update_id"])
        telegram.send_text(user, "hello again")
        await telegram.wait_for_messages(user.id, 2)
    assert engine.messages() == ["fridge is warm", "hello again"]


async def test_an_update_interrupted_by_shutdown_is_handled_after_the_restart(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9103, language_code="en")
    engine.delay = lambda body: 2.0
    with run_bot(make_settings(shutdown_grace_seconds=0.2)):
        update = telegram.send_text(user, "slow one")
        await engine.wait_for_messages(1)
        # Telegram considers it delivered: only the bot's own record can bring it back.
        await telegram.wait_until_confirmed(update["update_id"])
    assert telegram.sent_messages(user.id) == []
    engine.delay = lambda body: 0.0
    with run_bot(make_settings()):
        [reply] = await telegram.wait_for_messages(user.id, 1)
        await telegram.wait_until_confirmed(update["update_id"])
    assert reply["text"] == "echo: slow one"


async def test_one_users_messages_keep_their_order_while_users_run_concurrently(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    patient, other = FakeUser(9104), FakeUser(9105)
    # The first message takes the engine longest: handled concurrently, its answer would
    # come last.
    engine.delay = lambda body: {"a1": 1.0, "a2": 0.3}.get(body["message"], 0.0)
    with run_bot(make_settings()):
        for text in ("a1", "a2", "a3"):
            telegram.send_text(patient, text)
        await engine.wait_for_messages(1, sender=f"tg:{patient.id}")
        telegram.send_text(other, "b1")
        [other_reply] = await telegram.wait_for_messages(other.id, 1)
        assert telegram.sent_messages(patient.id) == []
        replies = await telegram.wait_for_messages(patient.id, 3)
    assert other_reply["text"] == "echo: b1"
    assert [m["text"] for m in replies] == ["echo: a1", "echo: a2", "echo: a3"]
    assert engine.messages(f"tg:{patient.id}") == ["a1", "a2", "a3"]


async def test_a_flood_is_answered_once_and_the_excess_dropped(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9106, language_code="zh-hans")
    settings = make_settings(user_rate_limit_messages=3, user_rate_limit_window_seconds=60)
    with run_bot(settings):
        updates = [telegram.send_text(user, f"消息{number}") for number in range(1, 8)]
        for update in updates:
            await telegram.wait_until_confirmed(update["update_id"])
        await telegram.wait_for_messages(user.id, 4)
        await asyncio.sleep(0.5)
        texts = [m["text"] for m in telegram.sent_messages(user.id)]
    assert engine.messages() == ["消息1", "消息2", "消息3"]
    assert texts == [
        "echo: 消息1",
        "echo: 消息2",
        "echo: 消息3",
        "您发送消息的速度太快了，请稍等片刻再继续。",
    ]


async def test_an_album_over_the_flood_limit_is_dropped_whole(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9107, language_code="en")
    settings = make_settings(user_rate_limit_messages=1, user_rate_limit_window_seconds=60)
    with run_bot(settings):
        telegram.send_text(user, "first")
        await engine.wait_for_messages(1)
        parts = telegram.send_album(user, [b"\xff\xd8\xffa", b"\xff\xd8\xffb"])
        for part in parts:
            await telegram.wait_until_confirmed(part["update_id"])
        await telegram.wait_for_messages(user.id, 2)
        await asyncio.sleep(0.8)
    assert engine.messages() == ["first"]
    assert telegram.sent_messages(user.id)[-1]["text"].startswith("You are sending messages")
    # Every part was finished: nothing is left for the next start to handle again.
    with run_bot(make_settings(user_rate_limit_messages=1, user_rate_limit_window_seconds=60)):
        await asyncio.sleep(0.5)
    assert engine.messages() == ["first"]
