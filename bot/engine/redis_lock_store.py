"""Conversation locks in Redis, shared by every engine replica (Rasa's ticket lock).

Each message of a conversation draws a ticket, numbered in arrival order, and waits until
every live ticket before it is gone: two replicas never run one conversation at once, and
its messages are handled in the order they arrived. A ticket has a deadline; its holder
pushes the deadline on while it waits or works, so a replica that crashed stops doing so
and its tickets expire after ``lifetime_seconds``. Unlike Rasa's store, every step runs as
one Lua script, so two replicas never read and rewrite a lock at the same time, and a
replica only ever removes its own ticket.

Keys per conversation: ``<prefix>lock:<id>`` (sorted set: ticket token → number) and
``<prefix>lock:<id>:deadlines`` (hash: ticket token → deadline in ms, Redis's clock); both
expire with the last ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from redis.asyncio import Redis

logger = structlog.get_logger(__name__)

_NOW_MS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

_REFRESH = """
local function refresh(token)
  redis.call('HSET', KEYS[2], token, now + tonumber(ARGV[2]))
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
local function alive(token)
  local deadline = redis.call('HGET', KEYS[2], token)
  return deadline and tonumber(deadline) >= now
end
local function drop(token)
  redis.call('ZREM', KEYS[1], token)
  redis.call('HDEL', KEYS[2], token)
end
"""

# KEYS: queue, deadlines. ARGV: token, lifetime in ms. Returns the ticket's number.
_ISSUE = (
    _NOW_MS
    + _REFRESH
    + """
local last = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local number = 1
if last[2] then number = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], number, ARGV[1])
refresh(ARGV[1])
return number
"""
)

# Returns 1 when the ticket is first in line, 0 while a live ticket is ahead, -1 when the
# ticket itself expired (its holder stalled longer than the lifetime).
_TRY_ACQUIRE = (
    _NOW_MS
    + _REFRESH
    + """
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank or not alive(ARGV[1]) then
  drop(ARGV[1])
  return -1
end
refresh(ARGV[1])
if rank == 0 then return 1 end
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, rank - 1)) do
  if alive(token) then return 0 end
  drop(token)
end
return 1
"""
)

# Returns 1 when the deadline moved on, 0 when the ticket had already expired.
_RENEW = (
    _NOW_MS
    + _REFRESH
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) or not alive(ARGV[1]) then return 0 end
refresh(ARGV[1])
return 1
"""
)

# Compare-and-delete: only this ticket goes; returns 0 when it was no longer there.
_RELEASE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return removed
"""

_ACQUIRED, _EXPIRED = 1, -1


class RedisLockStore:
    shared = True

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str,
        lifetime_seconds: float = 60.0,
        poll_seconds: float = 0.02,
    ) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}lock:"
        self._lifetime_ms = max(1, round(lifetime_seconds * 1000))
        self._poll_seconds = poll_seconds
        self._issue = redis.register_script(_ISSUE)
        self._try_acquire = redis.register_script(_TRY_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @asynccontextmanager
    async def lock(self, sender_id: str) -> AsyncIterator[None]:
        keys = [f"{self._prefix}{sender_id}", f"{self._prefix}{sender_id}:deadlines"]
        token = uuid.uuid4().hex
        try:
            await self._wait_for_turn(sender_id, keys, token)
            heartbeat = asyncio.create_task(self._keep_alive(sender_id, keys, token))
            try:
                yield
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        finally:
            # Shielded: a cancelled turn must still hand the conversation on at once.
            await asyncio.shield(self._give_back(sender_id, keys, token))

    async def close(self) -> None:
        await self._redis.aclose()

    async def _wait_for_turn(self, sender_id: str, keys: list[str], token: str) -> None:
        await self._issue(keys, [token, self._lifetime_ms])
        while True:
            state = int(await self._try_acquire(keys, [token, self._lifetime_ms]))
            if state == _ACQUIRED:
                return
            if state == _EXPIRED:
                logger.warning("lock.ticket_expired_while_waiting", sender_id=sender_id)
                await self._issue(keys, [token, self._lifetime_ms])
                continue
            await asyncio.sleep(self._poll_seconds)

    async def _keep_alive(self, sender_id: str, keys: list[str], token: str) -> None:
        interval = self._lifetime_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = int(await self._renew(keys, [token, self._lifetime_ms]))
            except Exception:
                logger.exception("lock.renew_failed", sender_id=sender_id)
                continue
            if not renewed:
                logger.error("lock.expired_while_held", sender_id=sender_id)
                return

    async def _give_back(self, sender_id: str, keys: list[str], token: str) -> None:
        if not int(await self._release(keys, [token])):
            logger.warning("lock.expired_before_release", sender_id=sender_id)
