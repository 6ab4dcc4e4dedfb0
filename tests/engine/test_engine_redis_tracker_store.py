"""The Redis tracker store keeps what the SQL store keeps: every event type the engine
writes, in order, refusing an append that does not continue the conversation; reminders;
and a conversation across an engine restart. Idle conversations may expire."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.engine.events import SUPPORTED_EVENT_TYPES, event_from_dict, events_from_dicts
from bot.engine.redis_tracker_store import RedisTrackerStore
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

pytestmark = pytest.mark.redis

RASA_EVENTS: list[dict[str, Any]] = [
    {
        "event": "user",
        "text": "我的格力空调不制冷了",
        "parse_data": {
            "intent": {"name": "report_fault", "confidence": 0.9312},
            "entities": [{"entity": "brand", "value": "gree", "start": 2, "end": 4}],
            "intent_ranking": [{"name": "report_fault", "confidence": 0.9312}],
            "text_tokens": [[0, 1], [1, 2]],
        },
        "input_channel": "telegram",
        "message_id": "m-1",
        "metadata": {"language": "zh", "chat": {"id": 42}},
    },
    {"event": "user_featurization", "use_text_for_featurization": False},
    {"event": "entities", "entities": [{"entity": "model", "value": "KFR-35GW"}]},
    {
        "event": "bot",
        "text": "请问是哪个型号？",
        "data": {"buttons": [{"title": "不知道", "payload": '/inform{"model": "unknown"}'}]},
        "metadata": {"utter_action": "utter_ask_model"},
    },
    {"event": "slot", "name": "product", "value": {"brand": "gree", "ids": [1, 2.5, None]}},
    {"event": "restart"},
    {"event": "rewind"},
    {"event": "undo"},
    {"event": "reset_slots"},
    {"event": "pause"},
    {"event": "resume"},
    {"event": "session_started", "metadata": {"channel": "telegram"}},
    {"event": "followup", "name": "action_listen"},
    {"event": "action", "name": "product_form", "policy": "RulePolicy", "confidence": 1.0},
    {"event": "agent", "text": "Agent 王 is here.", "data": {"agent": "wang"}},
    {"event": "active_loop", "name": "product_form"},
    {"event": "loop_interrupted", "is_interrupted": True},
    {"event": "action_execution_rejected", "name": "product_form", "policy": "RulePolicy"},
    {
        "event": "reminder",
        "intent": "EXTERNAL_visit_reminder",
        "date_time": "2026-11-24T09:30:00+08:00",
        "entities": [{"entity": "visit", "value": "V-7"}],
        "name": "visit_V-7",
        "kill_on_user_msg": False,
    },
    {"event": "cancel_reminder", "name": "visit_V-7"},
]


def engine_events() -> list[dict[str, Any]]:
    """The events as the engine serialises them, each with a timestamp of its own."""
    events = []
    for offset, data in enumerate(RASA_EVENTS):
        event = event_from_dict({**data, "timestamp": 1763950000.123456 + offset / 7})
        events.append(event.as_dict())
    return events


@pytest.fixture
async def redis_store(redis_url: str, redis_key_prefix: str) -> AsyncIterator[RedisTrackerStore]:
    store = RedisTrackerStore(
        Redis.from_url(redis_url, decode_responses=True), key_prefix=redis_key_prefix
    )
    await store.create_schema()
    yield store
    await store.close()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlTrackerStore]:
    store = SqlTrackerStore(f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}")
    await store.create_schema()
    yield store
    await store.close()


@pytest.fixture(params=["redis", "sqlite"])
def store(request: pytest.FixtureRequest) -> TrackerStore:
    """The Redis store, and the SQL store for comparison."""
    chosen: TrackerStore = request.getfixturevalue(f"{request.param}_store")
    return chosen


def test_the_sample_holds_every_event_type() -> None:
    assert {event["event"] for event in RASA_EVENTS} == SUPPORTED_EVENT_TYPES


async def test_every_event_type_round_trips(store: TrackerStore) -> None:
    written = engine_events()
    await store.append_events("tg:1", 0, written[:5])
    await store.append_events("tg:1", 5, written[5:])
    loaded = await store.load_events("tg:1")
    assert loaded == written
    assert [event.as_dict() for event in events_from_dicts(loaded)] == written
    assert await store.event_count("tg:1") == len(written)


async def test_an_append_must_continue_the_conversation(store: TrackerStore) -> None:
    first, second, third = engine_events()[:3]
    await store.append_events("tg:2", 0, [first])
    with pytest.raises(EventSequenceTaken):
        await store.append_events("tg:2", 0, [second])
    await store.append_events("tg:2", 1, [second])
    assert await store.load_events("tg:2") == [first, second]
    await store.append_events("tg:3", 0, [third])
    assert await store.conversation_ids() == ["tg:2", "tg:3"]
    assert await store.load_events("nobody") == []
    assert await store.event_count("nobody") == 0


async def test_only_keys_of_its_own_prefix_are_conversations(
    redis_store: RedisTrackerStore, redis_url: str, redis_key_prefix: str
) -> None:
    await redis_store.append_events("a*b", 0, engine_events()[:1])
    neighbour = RedisTrackerStore(
        Redis.from_url(redis_url, decode_responses=True), key_prefix=f"{redis_key_prefix}x:"
    )
    try:
        await neighbour.append_events("c", 0, engine_events()[:1])
        assert await redis_store.conversation_ids() == ["a*b"]
        assert await neighbour.conversation_ids() == ["c"]
    finally:
        await neighbour.close()


async def test_reminders_are_replaced_by_name_claimed_once_and_due_by_time(
    store: TrackerStore,
) -> None:
    await store.save_reminder(StoredReminder("tg:1", "r", "EXTERNAL_x", {"k": "值"}, 10.5, True))
    await store.save_reminder(StoredReminder("tg:1", "r", "EXTERNAL_y", None, 20.25, False))
    await store.save_reminder(StoredReminder("tg:2", "r", "EXTERNAL_x", [{"k": 1}], 5.0, True))
    assert [(item.sender_id, item.intent) for item in await store.reminders()] == [
        ("tg:2", "EXTERNAL_x"),
        ("tg:1", "EXTERNAL_y"),
    ]
    assert await store.reminders("tg:2") == [
        StoredReminder("tg:2", "r", "EXTERNAL_x", [{"k": 1}], 5.0, True)
    ]
    assert [item.sender_id for item in await store.reminders(due_before=20.0)] == ["tg:2"]
    assert not await store.delete_reminder("tg:1", "r", fire_at=10.5), "it was replaced"
    assert await store.delete_reminder("tg:1", "r", fire_at=20.25)
    assert not await store.delete_reminder("tg:1", "r", fire_at=20.25), "claimed once only"
    assert await store.delete_reminder("tg:2", "r")
    assert await store.reminders() == []


async def test_idle_conversations_expire_when_asked(redis_url: str, redis_key_prefix: str) -> None:
    inspector = Redis.from_url(redis_url, decode_responses=True)
    expiring = RedisTrackerStore(
        Redis.from_url(redis_url, decode_responses=True),
        key_prefix=redis_key_prefix,
        expire_seconds=3600,
    )
    keeping = RedisTrackerStore(
        Redis.from_url(redis_url, decode_responses=True), key_prefix=redis_key_prefix
    )
    try:
        await expiring.append_events("tg:1", 0, engine_events()[:1])
        assert 3500 < await inspector.ttl(f"{redis_key_prefix}tracker:tg:1") <= 3600
        await keeping.append_events("tg:2", 0, engine_events()[:1])
        assert await inspector.ttl(f"{redis_key_prefix}tracker:tg:2") == -1, "no expiry"
        assert expiring.expires_conversations and not keeping.expires_conversations
    finally:
        for closing in (expiring, keeping):
            await closing.close()
        await inspector.aclose()


async def test_a_form_survives_an_engine_restart_on_redis(
    tmp_path: Path, redis_url: str, redis_key_prefix: str
) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    sender = f"tg:{uuid.uuid4().hex[:8]}"
    bots = []
    for _ in range(2):
        store = RedisTrackerStore(
            Redis.from_url(redis_url, decode_responses=True), key_prefix=redis_key_prefix
        )
        bots.append(await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store=store))
    first, second = bots
    try:
        assert await first.texts('/inform{"brand": "gree"}', sender) == ["Which gree model?"]
        before = await first.events(sender)
        await first.close()
        assert await second.events(sender) == before
        assert await second.texts("KFR-35", sender) == ["Noted: gree KFR-35."]
    finally:
        await second.close()


async def test_an_expired_conversation_starts_afresh(
    tmp_path: Path, redis_url: str, redis_key_prefix: str
) -> None:
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    inspector = Redis.from_url(redis_url, decode_responses=True)
    store = RedisTrackerStore(
        Redis.from_url(redis_url, decode_responses=True),
        key_prefix=redis_key_prefix,
        expire_seconds=3600,
    )
    bot = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store=store)
    try:
        assert await bot.texts('/inform{"brand": "gree"}', "tg:1") == ["Which gree model?"]
        await inspector.delete(f"{redis_key_prefix}tracker:tg:1")  # what the expiry does
        await bot.say('/inform{"brand": "midea"}', "tg:1")
        events = await store.load_events("tg:1")
        assert [event["name"] for event in events[:1]] == ["action_session_start"]
        assert [event["text"] for event in events if event["event"] == "user"] == [
            '/inform{"brand": "midea"}'
        ]
    finally:
        await bot.close()
        await inspector.aclose()
