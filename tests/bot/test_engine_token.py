"""The bot reaches an engine that requires its auth token (as a Rasa server started with
``--auth-token`` does) on every call, not only the REST channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.telegram.engine_client import EngineClient, EngineFailed, engine_http_client
from bot.telegram.settings import BotSettings
from tests.bot.live_chain import GREETING, live_engine

TOKEN = "engine-secret-1"
CONVERSATION = "tg:4242"


async def test_every_call_carries_the_engine_token(tmp_path: Path) -> None:
    with live_engine(tmp_path, auth_token=TOKEN) as url:
        settings = BotSettings(telegram_token=None, engine_url=url, engine_token=SecretStr(TOKEN))
        async with engine_http_client(settings) as http:
            engine = EngineClient(http)
            answer = await engine.send(CONVERSATION, "hi", {})
            paused = await engine.is_paused(CONVERSATION)
            await engine.resume(CONVERSATION)
        async with engine_http_client(settings.model_copy(update={"engine_token": None})) as http:
            with pytest.raises(EngineFailed, match="401"):
                await EngineClient(http).is_paused(CONVERSATION)

    assert [message.text for message in answer] == [GREETING]
    assert paused is False
