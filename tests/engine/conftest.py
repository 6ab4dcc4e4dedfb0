"""Servers the engine's stores run on in tests: Redis and a scratch PostgreSQL database.

Each is skipped with the reason when it cannot be reached. Redis tests get a key prefix of
their own, and every key under it is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from tests.support.databases import POSTGRES_ADMIN_URL, postgres_skip_reason

REDIS_URL = os.environ.get("AFTERSALES_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_unreachable_reason() -> str | None:
    # Synchronous: the fixture may be first asked for inside a running event loop.
    client = SyncRedis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (RedisError, OSError) as error:
        return f"Redis not reachable at {REDIS_URL}: {error}"
    finally:
        client.close()
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    reason = _redis_unreachable_reason()
    if reason:
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
async def redis_key_prefix(redis_url: str) -> AsyncIterator[str]:
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _postgres_admin(statement: str) -> None:
    dsn = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def engine_postgres_url() -> Iterator[str]:
    """A scratch database for the module's engine stores."""
    reason = postgres_skip_reason()
    if reason:
        pytest.skip(reason)
    name = f"engine_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
