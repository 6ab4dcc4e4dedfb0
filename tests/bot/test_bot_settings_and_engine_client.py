"""Settings of the bot process, and how the engine client tells failures apart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from aftersales.runtime import InsecureDefaultsError
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineUnreachable
from bot.telegram.settings import BotConfigurationError, BotMode, BotSettings
from tests.bot.stubs import EngineBroke, EngineStub
from tests.support.live_server import free_port, serve_in_thread


def test_the_token_is_read_from_telegram_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:from-env")
    monkeypatch.setenv("AFTERSALES_BOT_ENGINE_URL", "http://engine:5005")
    settings = BotSettings()
    assert settings.token() == "42:from-env"
    assert settings.engine_url == "http://engine:5005"
    assert settings.api_url == "http://127.0.0.1:8000"
    assert settings.api_key.get_secret_value() == "dev-bot-key"
    assert (settings.mode, settings.port) == (BotMode.POLLING, 8080)


def test_a_missing_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("AFTERSALES_BOT_TELEGRAM_TOKEN", raising=False)
    with pytest.raises(BotConfigurationError, match="TELEGRAM_BOT_TOKEN"):
        BotSettings().ensure_usable()


def test_webhook_mode_needs_an_url_and_a_secret() -> None:
    token = SecretStr("1:x")
    with pytest.raises(BotConfigurationError, match="WEBHOOK_URL"):
        BotSettings(telegram_token=token, mode="webhook").ensure_usable()
    with pytest.raises(InsecureDefaultsError, match="WEBHOOK_SECRET"):
        BotSettings(
            telegram_token=token, mode="webhook", webhook_url="https://bot.example.com/hook"
        ).ensure_usable()
    with pytest.raises(ValidationError, match="Telegram accepts"):
        BotSettings(webhook_secret=SecretStr("has spaces"))


def test_production_refuses_the_development_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    settings = BotSettings(telegram_token=SecretStr("1:x"))
    with pytest.raises(InsecureDefaultsError, match="AFTERSALES_BOT_API_KEY"):
        settings.ensure_usable()
    BotSettings(telegram_token=SecretStr("1:x"), api_key=SecretStr("k" * 32)).ensure_usable()


def test_production_takeover_refuses_the_development_agent_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    monkeypatch.setenv("AFTERSALES_BOT_AGENT_GROUP_ID", "-1001234567890")
    settings = BotSettings(telegram_token=SecretStr("1:x"), api_key=SecretStr("k" * 32))
    assert settings.agent_group_id == -1001234567890
    with pytest.raises(InsecureDefaultsError, match="AFTERSALES_BOT_AGENT_API_KEY"):
        settings.ensure_usable()
    BotSettings(
        telegram_token=SecretStr("1:x"),
        api_key=SecretStr("k" * 32),
        agent_api_key=SecretStr("a" * 32),
    ).ensure_usable()


@pytest.fixture
def stub() -> Iterator[EngineStub]:
    engine = EngineStub()
    with serve_in_thread(engine.app) as url:
        engine.url = url
        yield engine


@pytest.fixture
async def client(stub: EngineStub) -> AsyncIterator[EngineClient]:
    async with httpx.AsyncClient(base_url=stub.url, timeout=httpx.Timeout(0.5)) as http:
        yield EngineClient(http)


async def test_the_answer_is_read_leniently(stub: EngineStub, client: EngineClient) -> None:
    stub.answer = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": "hi",
            "buttons": [{"title": "A", "payload": "/a"}],
        },
        {"recipient_id": body["sender"], "buttons": [{"title": "", "payload": "/x"}, "junk"]},
        {"recipient_id": body["sender"], "image": "https://example.com/a.png"},
        "not a message",
        {"recipient_id": body["sender"], "custom": {"handoff": True}},
    ]
    messages = await client.send("tg:1", "hello", {"language": "en"})
    assert [(m.text, len(m.buttons), m.image, m.custom) for m in messages] == [
        ("hi", 1, None, None),
        (None, 0, "https://example.com/a.png", None),
        (None, 0, None, {"handoff": True}),
    ]
    assert stub.received() == [
        {"sender": "tg:1", "message": "hello", "metadata": {"language": "en"}}
    ]


async def test_what_cannot_have_arrived_is_unreachable(stub: EngineStub) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}") as http:
        with pytest.raises(EngineUnreachable):
            await EngineClient(http).send("tg:1", "hello", {})
        assert not await EngineClient(http).is_up()
    stub.down = True
    async with httpx.AsyncClient(base_url=stub.url) as http:
        with pytest.raises(EngineUnreachable, match="503"):
            await EngineClient(http).send("tg:1", "hello", {})
        assert not await EngineClient(http).is_up()


async def test_what_may_have_arrived_is_a_failure(stub: EngineStub, client: EngineClient) -> None:
    def broken(body: dict[str, object]) -> list[dict[str, object]]:
        raise EngineBroke("boom")

    stub.answer = broken
    with pytest.raises(EngineFailed, match="500"):
        await client.send("tg:1", "hello", {})
    stub.answer = lambda body: {"not": "a list"}  # type: ignore[arg-type,return-value]
    with pytest.raises(EngineFailed, match="not a list"):
        await client.send("tg:1", "hello", {})
    stub.answer = lambda body: []
    stub.delay = lambda body: 2.0
    with pytest.raises(EngineFailed, match="ReadTimeout"):
        await client.send("tg:1", "hello", {})
    assert await client.is_up()
