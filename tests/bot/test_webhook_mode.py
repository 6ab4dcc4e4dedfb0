"""Webhook mode: Telegram pushes updates to the bot's HTTP port, proven by the secret token."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from bot.telegram.settings import BotSettings
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.support.fake_telegram import WEBHOOK_SECRET_HEADER, FakeTelegram, FakeUser

SECRET = "hook-secret_0123456789"


def _webhook_settings(make_settings: SettingsFactory) -> tuple[str, BotSettings]:
    probe = make_settings()
    url = f"http://127.0.0.1:{probe.port}/telegram/webhook"
    settings = make_settings(
        mode="webhook", webhook_url=url, webhook_secret=SecretStr(SECRET), port=probe.port
    )
    return url, settings


async def test_updates_pushed_with_the_secret_are_answered(
    telegram: FakeTelegram,
    engine: EngineStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    url, settings = _webhook_settings(make_settings)
    user = FakeUser(8101, language_code="en")
    with run_bot(settings):
        [registered] = telegram.calls("setWebhook")
        assert registered.params["url"] == url
        assert registered.params["secret_token"] == SECRET
        assert set(registered.params["allowed_updates"]) == {
            "message",
            "callback_query",
            "my_chat_member",
        }
        assert telegram.calls("getUpdates") == []
        update = telegram.send_text(user, "my washer leaks")
        [reply] = await telegram.wait_for_messages(user.id, 1)
        await telegram.wait_until_confirmed(update["update_id"])
    assert reply["text"] == "echo: my washer leaks"
    assert engine.messages() == ["my washer leaks"]
    # Stopping does not remove the webhook: Telegram keeps updates until the bot is back.
    assert telegram.calls("deleteWebhook") == []


async def test_requests_without_the_right_secret_are_refused(
    telegram: FakeTelegram,
    engine: EngineStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    url, settings = _webhook_settings(make_settings)
    forged = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 8102, "type": "private", "first_name": "X"},
            "from": {"id": 8102, "is_bot": False, "first_name": "X"},
            "text": "forged",
        },
    }
    with run_bot(settings):
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=forged)
            wrong = await client.post(url, json=forged, headers={WEBHOOK_SECRET_HEADER: "guess"})
            not_json = await client.post(url, content=b"{", headers={WEBHOOK_SECRET_HEADER: SECRET})
            not_an_update = await client.post(
                url, json={"update_id": "x"}, headers={WEBHOOK_SECRET_HEADER: SECRET}
            )
        await asyncio.sleep(0.5)
    assert [missing.status_code, wrong.status_code] == [401, 401]
    assert [not_json.status_code, not_an_update.status_code] == [400, 400]
    assert engine.received() == []
    assert telegram.calls("sendMessage") == []
