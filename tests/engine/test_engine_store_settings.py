"""The settings choose the stores: SQL or Redis by the URL, locks in-process unless a Redis
lock store is named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.engine.locks import InProcessLockStore
from bot.engine.redis_lock_store import RedisLockStore
from bot.engine.redis_tracker_store import RedisTrackerStore
from bot.engine.settings import EngineSettings
from bot.engine.sql_tracker_store import SqlTrackerStore
from bot.engine.stores import create_lock_store, create_tracker_store


async def test_a_single_engine_keeps_its_locks_in_process() -> None:
    settings = EngineSettings(tracker_store_url="sqlite+aiosqlite:///:memory:")
    store, locks = create_tracker_store(settings), create_lock_store(settings)
    try:
        assert isinstance(store, SqlTrackerStore) and not store.expires_conversations
        assert isinstance(locks, InProcessLockStore) and not locks.shared
    finally:
        await store.close()
        await locks.close()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/2", "rediss://cache.internal:6380/0"])
async def test_redis_urls_choose_the_redis_stores(url: str) -> None:
    settings = EngineSettings(
        tracker_store_url=url, lock_store_url=url, tracker_store_expire_seconds=86400
    )
    store, locks = create_tracker_store(settings), create_lock_store(settings)
    try:
        assert isinstance(store, RedisTrackerStore) and store.expires_conversations
        assert isinstance(locks, RedisLockStore) and locks.shared
    finally:
        await store.close()
        await locks.close()


def test_a_lock_store_other_than_redis_is_refused() -> None:
    with pytest.raises(ValidationError, match="lock store is a Redis URL"):
        EngineSettings(lock_store_url="postgresql+asyncpg://postgres@127.0.0.1/aftersales")
