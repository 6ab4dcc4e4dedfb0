"""The tracker store on SQLite and PostgreSQL: append-only events, reminders, restarts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.sql_tracker_store import SqlTrackerStore
from bot.engine.tracker_store import EventSequenceTaken, StoredReminder, TrackerStore
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    KeywordParser,
    start_bot,
    write_bot,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'engine.sqlite3'}"
    url: str = request.getfixturevalue("engine_postgres_url")
    return url


@pytest.fixture
def sender() -> str:
    """A conversation id of its own: the PostgreSQL database is shared by the module."""
    return f"tg:{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[TrackerStore]:
    tracker_store = SqlTrackerStore(store_url)
    await tracker_store.create_schema()
    await tracker_store.create_schema()  # idempotent: every start creates it if missing
    yield tracker_store
    await tracker_store.close()


async def test_events_append_in_order_per_conversation(store: TrackerStore) -> None:
    await store.append_events("a", 0, [{"event": "action", "timestamp": 1.0, "name": "x"}])
    await store.append_events(
        "a", 1, [{"event": "slot", "timestamp": 2.0, "name": "s", "value": "值"}]
    )
    await store.append_events("b", 0, [{"event": "restart", "timestamp": 3.0}])
    assert await store.load_events("a") == [
        {"event": "action", "timestamp": 1.0, "name": "x"},
        {"event": "slot", "timestamp": 2.0, "name": "s", "value": "值"},
    ]
    assert await store.load_events("nobody") == []
    assert await store.conversation_ids() == ["a", "b"]


async def test_a_taken_sequence_number_is_refused(store: TrackerStore, sender: str) -> None:
    await store.append_events(sender, 0, [{"event": "restart", "timestamp": 1.0}])
    with pytest.raises(EventSequenceTaken):
        await store.append_events(sender, 0, [{"event": "restart", "timestamp": 2.0}])


async def test_reminders_are_replaced_by_name_and_deleted(store: TrackerStore, sender: str) -> None:
    other = f"{sender}-other"
    await store.save_reminder(StoredReminder(sender, "r", "EXTERNAL_x", {"k": "v"}, 10.0, True))
    await store.save_reminder(StoredReminder(sender, "r", "EXTERNAL_y", None, 20.0, False))
    await store.save_reminder(StoredReminder(other, "r", "EXTERNAL_x", [{"k": 1}], 5.0, True))
    mine = [
        (item.sender_id, item.intent, item.entities)
        for item in await store.reminders()
        if item.sender_id in {sender, other}
    ]
    assert mine == [(other, "EXTERNAL_x", [{"k": 1}]), (sender, "EXTERNAL_y", None)]
    await store.delete_reminder(sender, "r", fire_at=10.0)
    assert len(await store.reminders(sender)) == 1
    await store.delete_reminder(sender, "r")
    assert await store.reminders(sender) == []


async def test_of_concurrent_claims_of_a_reminder_one_wins(store_url: str, sender: str) -> None:
    stores = [SqlTrackerStore(store_url) for _ in range(3)]
    try:
        await stores[0].create_schema()
        await stores[0].save_reminder(StoredReminder(sender, "r", "EXTERNAL_x", None, 7.25, False))
        claims = await asyncio.gather(
            *(store.delete_reminder(sender, "r", fire_at=7.25) for store in stores for _ in "ab")
        )
    finally:
        for store in stores:
            await store.close()
    assert sorted(claims) == [False] * 5 + [True]


async def test_a_form_survives_an_engine_restart(
    store_url: str, tmp_path: Path, sender: str
) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    first = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store_url=store_url)
    assert await first.texts('/inform{"brand": "gree"}', sender) == ["Which gree model?"]
    before = await first.events(sender)
    await first.close()
    second = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store_url=store_url)
    assert await second.events(sender) == before
    assert await second.texts("KFR-35", sender) == ["Noted: gree KFR-35."]
    await second.close()
