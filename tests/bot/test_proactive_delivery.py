"""Proactive delivery from the api's outbound queue: the engine words the message, the bot
sends it, records it and acknowledges it; a restart between the send and the acknowledgement
sends nothing twice. Real bot, fake Bot API, real api and real embedded engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import JSONResponse

from api.auth_roles import Role
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.live_chain import (
    GREETING,
    SURVEY_QUESTION,
    ApiAs,
    api_app,
    live_engine,
    register_consumer,
)
from tests.bot.waiting import eventually
from tests.support.databases import MigratedSqliteTemplate
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import serve_in_thread

CONSUMER = FakeUser(7201, first_name="王芳", language_code="zh-hans")
CONVERSATION = f"tg:{CONSUMER.id}"
WEB_CONVERSATION = "web:b7f3c2a1d4e5"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: MigratedSqliteTemplate) -> str:
    # Leasing on both databases is the api's own tests' subject; this is the bot's side.
    return sqlite_template.fresh_url(tmp_path)


@pytest.fixture
def engine_url(tmp_path: Path) -> Iterator[str]:
    with live_engine(tmp_path / "engine") as url:
        yield url


class AcknowledgementsLost:
    """The api, except that while ``losing`` every acknowledgement fails with 503: the bot
    stops (or the network fails) after sending an item and before the api hears of it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.losing = True
        self.lost = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.losing and scope["type"] == "http" and scope["path"].endswith("/ack"):
            self.lost += 1
            await JSONResponse({"detail": "unavailable"}, status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _enqueue_survey(backend: ApiAs, conversation_id: str, survey_id: int) -> int:
    item = await backend.call(
        "POST",
        "/outbound",
        json={
            "conversation_id": conversation_id,
            "kind": "survey_due",
            "payload": {
                "type": "intent",
                "intent": "EXTERNAL_survey_due",
                "entities": {"survey_id": survey_id},
            },
            "dedupe_key": f"survey:{survey_id}:due",
        },
    )
    return int(item["id"])


async def test_survey_delivered_exactly_once_across_a_restart(
    telegram: FakeTelegram,
    database_url: str,
    tmp_path: Path,
    engine_url: str,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    api = AcknowledgementsLost(api_app(database_url, tmp_path))
    with serve_in_thread(api) as api_url:
        await register_consumer(api_url, CONVERSATION, "王芳")
        backend = ApiAs(api_url, Role.BACKEND)
        agents = ApiAs(api_url, Role.AGENT)
        settings = make_settings(
            engine_url=engine_url, api_url=api_url, outbound_poll_interval_seconds=0.1
        )
        try:
            with run_bot(settings):
                telegram.send_text(CONSUMER, "hi")
                await telegram.wait_for_messages(CONSUMER.id, 1)
                survey = await _enqueue_survey(backend, CONVERSATION, 41)
                web_survey = await _enqueue_survey(backend, WEB_CONVERSATION, 42)
                await telegram.wait_for_messages(CONSUMER.id, 2)

                async def acknowledgement_lost() -> bool:
                    return api.lost >= 1

                await eventually(acknowledgement_lost)

            api.losing = False
            with run_bot(settings):

                async def acknowledged() -> bool:
                    item = await agents.call("GET", f"/outbound/{survey}")
                    return bool(item["status"] == "delivered")

                await eventually(acknowledged)
            item = await agents.call("GET", f"/outbound/{survey}")
            other_channel = await agents.call("GET", f"/outbound/{web_survey}")
        finally:
            await backend.close()
            await agents.close()

    texts = [message.get("text") for message in telegram.sent_messages(CONSUMER.id)]
    assert texts == [GREETING, SURVEY_QUESTION]
    assert item["attempts"] == 1, "acknowledged under its first lease, never leased again"
    assert other_channel["status"] == "pending", "the web chat's items are not the bot's"
