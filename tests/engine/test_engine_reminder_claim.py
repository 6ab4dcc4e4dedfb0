"""Two engines over one store: each due reminder fires once, whichever engine scheduled it,
on SQLite, PostgreSQL (when reachable) and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from bot.engine.events import ReminderScheduled
from bot.engine.server import EngineServices
from bot.engine.settings import EngineSettings
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    KeywordParser,
    write_bot,
)
from tests.engine.polling import until

DOMAIN = PRODUCT_DOMAIN.replace("  - affirm\n", "  - affirm\n  - EXTERNAL_nudge\n", 1)
RULES = (
    PRODUCT_RULES
    + """\
- rule: a nudge
  steps:
  - intent: EXTERNAL_nudge
  - action: utter_welcome
"""
)
CONVERSATIONS = 8
NUDGE_TEXT = "EXTERNAL: EXTERNAL_nudge"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        return {"tracker_store_url": f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}"}
    if request.param == "postgresql":
        return {"tracker_store_url": request.getfixturevalue("engine_postgres_url")}
    redis_url: str = request.getfixturevalue("redis_url")
    return {
        "tracker_store_url": redis_url,
        "lock_store_url": redis_url,
        "redis_key_prefix": request.getfixturevalue("redis_key_prefix"),
    }


async def test_a_due_reminder_fires_once_with_two_engines(
    store_settings: dict[str, str], tmp_path: Path
) -> None:
    settings = EngineSettings(
        data_dir=write_bot(tmp_path / "bot", DOMAIN, RULES),
        action_endpoint="",
        cache_dir=tmp_path / "cache",
        reminder_poll_seconds=0.1,
        **store_settings,
    )
    run = uuid.uuid4().hex[:8]
    senders = [f"tg:{run}:{number}" for number in range(CONVERSATIONS)]
    engines: list[EngineServices] = []
    try:
        for _ in range(2):
            engines.append(
                await EngineServices.start(settings, parser=KeywordParser(PRODUCT_KEYWORDS))
            )
        scheduling, other = engines
        due = datetime.fromtimestamp(time.time() + 0.6)
        for sender in senders:
            # Not killed by a user message: a second firing would not be dropped as outdated.
            reminder = ReminderScheduled(
                "EXTERNAL_nudge", due, name="nudge", kill_on_user_message=False
            )
            await scheduling.processor.append_events(sender, [reminder], execute_side_effects=True)
        expected = [(sender, "nudge") for sender in sorted(senders)]

        async def both_wait() -> bool:
            return other.reminders.pending() == expected

        await until(both_wait)
        assert scheduling.reminders.pending() == expected, "both engines wait for each"

        async def nudges(sender: str) -> int:
            events = await other.store.load_events(sender)
            return sum(1 for e in events if e["event"] == "user" and e["text"] == NUDGE_TEXT)

        async def all_fired() -> bool:
            return [await nudges(sender) for sender in senders] == [1] * CONVERSATIONS

        await until(all_fired, seconds=10)
        await asyncio.sleep(0.3)  # a second firing would have happened by now
        assert [await nudges(sender) for sender in senders] == [1] * CONVERSATIONS
        assert not scheduling.reminders.pending() and not other.reminders.pending()
        assert [item for item in await other.store.reminders() if item.sender_id in senders] == []
    finally:
        for engine in engines:
            await engine.close()
