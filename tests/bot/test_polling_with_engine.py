"""Long polling end to end with the real embedded engine: a user's text reaches the engine,
its answer comes back with a keyboard, a tap sends the button's payload and retires the
keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.engine.server import create_app as create_engine_app
from bot.engine.settings import EngineSettings
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.engine.dialogue_bots import KeywordParser, write_bot
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import serve_in_thread

DOMAIN = """\
version: "3.1"
intents: [greet, affirm, deny]
entities: [serial_number]
slots:
  serial_number:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: serial_number
responses:
  utter_greet:
    - text: "Hello! Is the appliance switched on?"
      buttons:
        - title: "Yes"
          payload: "/affirm"
        - title: "No"
          payload: "/deny"
  utter_affirmed:
    - text: "Good, let us continue."
  utter_denied:
    - text: "Please switch it on first."
"""

RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: switched on
  steps:
  - intent: affirm
  - action: utter_affirmed
- rule: switched off
  steps:
  - intent: deny
  - action: utter_denied
"""


@pytest.fixture
def engine_url(tmp_path: Path) -> Iterator[str]:
    settings = EngineSettings(
        data_dir=write_bot(tmp_path / "project", DOMAIN, RULES),
        tracker_store_url=f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}",
        action_endpoint="",
        cache_dir=tmp_path / "cache",
    )
    app = create_engine_app(settings, parser=KeywordParser({"hi": "greet"}))
    with serve_in_thread(app) as url:
        yield url


async def test_text_keyboard_tap_and_retired_keyboard(
    telegram: FakeTelegram,
    engine_url: str,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(7001, language_code="en-US")
    with run_bot(make_settings(engine_url=engine_url)):
        telegram.send_text(user, "hi")
        [question] = await telegram.wait_for_messages(user.id, 1)
        assert question["text"] == "Hello! Is the appliance switched on?"
        keyboard = question["reply_markup"]["inline_keyboard"]
        assert [[button["text"] for button in row] for row in keyboard] == [["Yes", "No"]]
        assert all(len(b["callback_data"].encode()) <= 64 for row in keyboard for b in row)
        assert all("/affirm" not in b["callback_data"] for row in keyboard for b in row)

        telegram.tap(user, question, text="No")
        messages = await telegram.wait_for_messages(user.id, 2)
        await telegram.wait_for_calls("answerCallbackQuery")

    assert messages[0]["text"] == "Hello! Is the appliance switched on?\n\n✓ No"
    assert "reply_markup" not in messages[0]
    assert messages[1]["text"] == "Please switch it on first."
    async with httpx.AsyncClient(base_url=engine_url) as client:
        tracker = (await client.get(f"/conversations/tg:{user.id}/tracker")).json()
    said = [event for event in tracker["events"] if event["event"] == "user"]
    assert [event["text"] for event in said] == ["hi", "/deny"]
    sent_metadata = {
        "language": "en",
        "channel": "telegram",
        "chat_id": user.id,
        "message_id": 1,
        "attachments": [],
    }
    assert {name: said[0]["metadata"].get(name) for name in sent_metadata} == sent_metadata
    assert said[1]["metadata"]["message_id"] == question["message_id"]
