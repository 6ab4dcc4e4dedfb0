"""Every message in and out is logged to the api in the background; a slow or failing api
never holds up or loses the consumer's reply."""

from __future__ import annotations

import asyncio
import time

from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import ApiStub, EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import free_port


async def test_messages_in_and_out_are_logged_in_order(
    telegram: FakeTelegram,
    engine: EngineStub,
    api: ApiStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9801, language_code="en")
    engine.answer = lambda body: [
        {"recipient_id": body["sender"], "text": f"echo: {body['message']}"},
        {
            "recipient_id": body["sender"],
            "text": "Anything else?",
            "buttons": [{"title": "No, thanks", "payload": "/deny"}],
        },
    ]
    with run_bot(make_settings()):
        sent = telegram.send_text(user, "the TV has no sound")
        replies = await telegram.wait_for_messages(user.id, 2)
        telegram.tap(user, replies[1], text="No, thanks")
        logged = await api.wait_for_logged(6, conversation_id=f"tg:{user.id}")
    assert [(entry["direction"], entry.get("text")) for entry in logged] == [
        ("in", "the TV has no sound"),
        ("out", "echo: the TV has no sound"),
        ("out", "Anything else?"),
        ("in", "No, thanks"),
        ("out", "echo: /deny"),
        ("out", "Anything else?"),
    ]
    first = logged[0]
    assert first["sender_kind"] == "customer"
    assert first["channel_message_id"] == str(sent["message"]["message_id"])
    assert first["sent_at"].endswith("+00:00")
    assert [entry["sender_kind"] for entry in logged[1:3]] == ["bot", "bot"]
    assert logged[1]["channel_message_id"] == str(replies[0]["message_id"])
    assert logged[3]["channel_message_id"].startswith("cb:")


async def test_a_failing_api_delays_only_the_log(
    telegram: FakeTelegram,
    api: ApiStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9802)
    api.failures = 3
    with run_bot(make_settings(conversation_log_backoff_seconds=0.2)):
        started = time.monotonic()
        telegram.send_text(user, "你好")
        await telegram.wait_for_messages(user.id, 1)
        replied_after = time.monotonic() - started
        logged = await api.wait_for_logged(2, conversation_id=f"tg:{user.id}")
    assert replied_after < 1.0
    assert [entry["text"] for entry in logged] == ["你好", "echo: 你好"]


async def test_an_unreachable_api_loses_no_reply(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9803)
    settings = make_settings(
        api_url=f"http://127.0.0.1:{free_port()}",
        conversation_log_attempts=2,
        shutdown_grace_seconds=0.5,
    )
    with run_bot(settings):
        for text in ("一", "二", "三"):
            telegram.send_text(user, text)
        replies = await telegram.wait_for_messages(user.id, 3)
        await asyncio.sleep(0.2)
    assert [m["text"] for m in replies] == ["echo: 一", "echo: 二", "echo: 三"]
