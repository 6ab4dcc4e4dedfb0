"""Waiting in tests for a state nothing signals (a key in Redis, a row in a store)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Ask ``condition`` every few milliseconds until it holds; time out after ``seconds``."""
    async with asyncio.timeout(seconds):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.002)
