"""What the bot sends: 429 waited out for retry_after, 403 recorded and not retried, sends
paced per chat."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from aftersales import metric_names
from bot.metrics import REGISTRY
from bot.telegram.store.bot_store import BotStore
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.bot.waiting import eventually
from tests.support.fake_telegram import (
    BLOCKED_BY_USER,
    FakeTelegram,
    FakeUser,
    TelegramError,
    too_many_requests,
)


def _answer_twice(body: dict[str, object]) -> list[dict[str, object]]:
    return [
        {"recipient_id": body["sender"], "text": "first answer"},
        {"recipient_id": body["sender"], "text": "second answer"},
    ]


async def test_a_flood_wait_is_honoured_then_the_message_is_sent(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9201)
    telegram.fail(
        "sendMessage", too_many_requests(2), when=lambda params: params["chat_id"] == user.id
    )
    with run_bot(make_settings()):
        telegram.send_text(user, "hello")
        [reply] = await telegram.wait_for_messages(user.id, 1)
    refused, accepted = telegram.calls("sendMessage")
    assert refused.error is not None and refused.error["parameters"] == {"retry_after": 2}
    assert accepted.ok and accepted.params["text"] == "echo: hello"
    assert accepted.at - refused.at >= 1.9
    assert reply["text"] == "echo: hello"


async def test_a_flood_wait_longer_than_allowed_is_not_waited_out(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9202)
    telegram.fail("sendMessage", too_many_requests(3600), when=lambda p: p["chat_id"] == user.id)
    with run_bot(make_settings(outbound_max_retry_after_seconds=30)):
        telegram.send_text(user, "hello")
        await telegram.wait_for_calls("sendMessage")
        await asyncio.sleep(0.5)
    assert len(telegram.calls("sendMessage")) == 1


async def test_server_errors_are_retried(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9203)
    telegram.fail("sendMessage", TelegramError(502, "Bad Gateway"), times=2)
    sent_before = _calls("sendMessage", "ok")
    settings = make_settings()
    with run_bot(settings):
        telegram.send_text(user, "hello")
        await telegram.wait_for_messages(user.id, 1)
        async with httpx.AsyncClient() as client:
            exposition = (await client.get(f"http://127.0.0.1:{settings.port}/metrics")).text
    assert [call.ok for call in telegram.calls("sendMessage")] == [False, False, True]
    assert _calls("sendMessage", "ok") == sent_before + 1, "one call, however many tries"
    assert metric_names.BOT_TELEGRAM_CALLS_TOTAL in exposition


def _calls(method: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        metric_names.BOT_TELEGRAM_CALLS_TOTAL, {"method": method, "outcome": outcome}
    )
    return value or 0.0


async def test_a_user_who_blocked_the_bot_is_recorded_and_not_retried(
    tmp_path: Path,
    telegram: FakeTelegram,
    engine: EngineStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9204)
    engine.answer = _answer_twice
    telegram.fail(
        "sendMessage", BLOCKED_BY_USER, times=None, when=lambda p: p["chat_id"] == user.id
    )
    settings = make_settings()
    failed_before = _calls("sendMessage", "failed")
    with run_bot(settings):
        telegram.send_text(user, "hello")
        await telegram.wait_for_calls("sendMessage")
        await asyncio.sleep(0.5)
    assert _calls("sendMessage", "failed") == failed_before + 1
    [only_try] = telegram.calls("sendMessage")
    assert only_try.error is not None and only_try.error["error_code"] == 403
    store = await BotStore.open(settings.store_url)
    try:
        assert await store.users.is_blocked(user.id)
        await store.users.observe(user.id, "zh")
        assert not await store.users.is_blocked(user.id), "writing again unblocks"
    finally:
        await store.close()


async def test_sends_to_one_chat_are_paced(
    telegram: FakeTelegram,
    engine: EngineStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9205)
    engine.answer = lambda body: [
        {"recipient_id": body["sender"], "text": f"part {number}"} for number in range(1, 6)
    ]
    with run_bot(make_settings(outbound_chat_per_second=4.0, outbound_chat_burst=2)):
        telegram.send_text(user, "hello")
        await telegram.wait_for_messages(user.id, 5)
    sent = [call.at for call in telegram.calls("sendMessage")]
    # Two go at once (the burst), the other three a quarter second apart.
    assert sent[-1] - sent[0] >= 0.7
    assert [m["text"] for m in telegram.sent_messages(user.id)] == [
        f"part {number}" for number in range(1, 6)
    ]


async def test_telegrams_word_that_a_user_blocked_the_bot_is_recorded(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9206)
    settings = make_settings()
    with run_bot(settings):
        telegram.send_text(user, "hi")
        await telegram.wait_for_messages(user.id, 1)
        store = await BotStore.open(settings.store_url)
        try:

            async def blocked() -> bool:
                return await store.users.is_blocked(user.id)

            async def unblocked() -> bool:
                return not await store.users.is_blocked(user.id)

            telegram.block_bot(user)
            await eventually(blocked)
            telegram.unblock_bot(user)
            await eventually(unblocked)
        finally:
            await store.close()
