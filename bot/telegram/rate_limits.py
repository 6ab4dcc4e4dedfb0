"""Rate limits: token buckets for what the bot sends, a sliding window for what users send.

Telegram allows a bot about 30 messages a second overall and about one a second per chat
(short bursts pass); beyond that it answers 429. Pacing sends below those limits is cheaper
than being told to wait.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import Enum

MAX_CHAT_BUCKETS = 10_000
MAX_TRACKED_USERS = 10_000


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up; waiters are served in order."""

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                self._refill(now)
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)

    def pause(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` (Telegram's ``retry_after``)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 0

    def is_idle(self) -> bool:
        """Full and unused: forgetting it changes nothing."""
        now = self._clock()
        self._refill(now)
        idle = self._tokens >= self.capacity and now >= self._paused_until
        return idle and not self._lock.locked()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now


class OutboundLimiter:
    """One bucket per chat and one for the whole bot: a send takes a token from both."""

    def __init__(
        self,
        *,
        global_per_second: float,
        chat_per_second: float,
        chat_burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._global = TokenBucket(global_per_second, global_per_second, clock)
        self._chat_rate = chat_per_second
        self._chat_burst = chat_burst
        self._chats: dict[Hashable, TokenBucket] = {}

    async def take(self, chat_id: Hashable | None) -> None:
        if chat_id is not None:
            await self._chat(chat_id).take()
        await self._global.take()

    def pause(self, chat_id: Hashable | None, seconds: float) -> None:
        bucket = self._global if chat_id is None else self._chat(chat_id)
        bucket.pause(seconds)

    def _chat(self, chat_id: Hashable) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_CHAT_BUCKETS:
                self._chats = {key: old for key, old in self._chats.items() if not old.is_idle()}
            bucket = TokenBucket(self._chat_rate, self._chat_burst, self._clock)
            self._chats[chat_id] = bucket
        return bucket


class Admission(Enum):
    ADMIT = "admit"
    WARN = "warn"
    """Over the limit for the first time in this flood: answer once, then drop."""
    DROP = "drop"


class FloodGuard:
    """At most ``limit`` messages per user in any ``window`` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._arrivals: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()

    def admit(self, user: Hashable) -> Admission:
        now = self._clock()
        if len(self._arrivals) >= MAX_TRACKED_USERS:
            self._forget_idle(now)
        arrivals = self._arrivals.setdefault(user, deque())
        while arrivals and arrivals[0] <= now - self.window:
            arrivals.popleft()
        if len(arrivals) < self.limit:
            arrivals.append(now)
            self._warned.discard(user)
            return Admission.ADMIT
        # Dropped messages do not count: a user who pauses for one window is heard again.
        if user in self._warned:
            return Admission.DROP
        self._warned.add(user)
        return Admission.WARN

    def _forget_idle(self, now: float) -> None:
        cutoff = now - self.window
        idle = [
            user
            for user, arrivals in self._arrivals.items()
            if not arrivals or arrivals[-1] <= cutoff
        ]
        for user in idle:
            del self._arrivals[user]
            self._warned.discard(user)
