"""One lock per conversation: a conversation's messages run in order, others in parallel.

A lock store hands out these locks. The in-process store serves one engine process; the
Redis store (``redis_lock_store``) serves every replica sharing one Redis, like Rasa's
lock store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class LockStore(Protocol):
    #: Whether other processes take the same locks, and so may write the same conversations.
    shared: bool

    def lock(self, sender_id: str) -> AbstractAsyncContextManager[None]: ...

    async def close(self) -> None: ...


class InProcessLockStore:
    shared = False

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def lock(self, sender_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(sender_id, asyncio.Lock())
        self._users[sender_id] = self._users.get(sender_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[sender_id] -= 1
            if self._users[sender_id] == 0:
                # Forget idle conversations so the table does not grow with every sender.
                del self._users[sender_id]
                del self._locks[sender_id]

    async def close(self) -> None:
        """Nothing to release: the locks live in this process."""

    def __len__(self) -> int:
        return len(self._locks)
