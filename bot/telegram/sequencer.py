"""One lane per user: a user's updates are handled one after another, in arrival order,
while different users' updates run side by side."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

import structlog

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[None]]


class UserSequencer:
    def __init__(self) -> None:
        self._lanes: dict[Hashable, deque[Job]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}

    def submit(self, lane: Hashable, job: Job) -> None:
        """Queue ``job`` behind the lane's earlier jobs (never awaits, so the order of
        calls is the order of execution)."""
        self._lanes.setdefault(lane, deque()).append(job)
        if lane not in self._workers:
            self._workers[lane] = asyncio.create_task(self._work(lane), name=f"lane-{lane}")

    @property
    def busy_lanes(self) -> int:
        return len(self._workers)

    async def drain(self, grace_seconds: float) -> bool:
        """Wait (at most ``grace_seconds``) for every queued job; True if all finished."""
        try:
            async with asyncio.timeout(grace_seconds):
                while self._workers:
                    await asyncio.gather(*self._workers.values(), return_exceptions=True)
        except TimeoutError:
            return False
        return True

    async def cancel(self) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._lanes.clear()
        self._workers.clear()

    async def _work(self, lane: Hashable) -> None:
        jobs = self._lanes[lane]
        try:
            while jobs:
                job = jobs.popleft()
                try:
                    await job()
                except Exception:
                    # One failing update must not stall the user's later ones.
                    log.exception("lane.job_failed", lane=str(lane))
        finally:
            self._workers.pop(lane, None)
            if not jobs:
                self._lanes.pop(lane, None)
