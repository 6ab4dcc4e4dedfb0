"""The lock store and tracker store the settings name: SQL or Redis by the URL's scheme."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

from bot.engine.locks import InProcessLockStore, LockStore
from bot.engine.redis_lock_store import RedisLockStore
from bot.engine.redis_tracker_store import RedisTrackerStore
from bot.engine.settings import EngineSettings, is_redis_url
from bot.engine.sql_tracker_store import SqlTrackerStore
from bot.engine.tracker_store import TrackerStore

REDIS_CONNECTIONS = 64
"""Connections per store. When all are busy a command waits for one, up to
``REDIS_CONNECTION_WAIT_SECONDS``, instead of failing (redis-py's default pool refuses
a command past its limit), so a burst of messages is slowed down, not dropped."""
REDIS_CONNECTION_WAIT_SECONDS = 20.0


def create_tracker_store(settings: EngineSettings) -> TrackerStore:
    url = settings.tracker_store_url
    if is_redis_url(url):
        return RedisTrackerStore(
            _redis_client(url),
            key_prefix=settings.redis_key_prefix,
            expire_seconds=settings.tracker_store_expire_seconds,
        )
    return SqlTrackerStore(url)


def create_lock_store(settings: EngineSettings) -> LockStore:
    if not settings.lock_store_url:
        return InProcessLockStore()
    return RedisLockStore(
        _redis_client(settings.lock_store_url),
        key_prefix=settings.redis_key_prefix,
        lifetime_seconds=settings.lock_lifetime_seconds,
        poll_seconds=settings.lock_poll_seconds,
    )


def _redis_client(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        decode_responses=True,
        max_connections=REDIS_CONNECTIONS,
        timeout=REDIS_CONNECTION_WAIT_SECONDS,
    )
    return Redis.from_pool(pool)
