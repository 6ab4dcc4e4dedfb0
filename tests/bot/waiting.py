"""Waiting, in a test, for something the bot does in its own thread."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{check.__qualname__} did not hold within {within} s")
        await asyncio.sleep(0.05)
