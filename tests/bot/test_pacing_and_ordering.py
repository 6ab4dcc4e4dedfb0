"""Token buckets, the flood guard, per-user lanes and album gathering, on their own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiogram.types import Update

from bot.telegram.albums import AlbumCollector
from bot.telegram.rate_limits import Admission, FloodGuard, OutboundLimiter, TokenBucket
from bot.telegram.sequencer import UserSequencer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_flood_guard_warns_once_per_flood() -> None:
    clock = FakeClock()
    guard = FloodGuard(3, 10.0, clock)
    verdicts = [guard.admit("user") for _ in range(6)]
    assert verdicts == [Admission.ADMIT] * 3 + [Admission.WARN, Admission.DROP, Admission.DROP]
    assert guard.admit("someone else") is Admission.ADMIT
    clock.now += 10.01
    assert [guard.admit("user") for _ in range(4)] == [Admission.ADMIT] * 3 + [Admission.WARN]


def test_dropped_messages_do_not_extend_the_flood() -> None:
    clock = FakeClock()
    guard = FloodGuard(2, 10.0, clock)
    guard.admit("user")
    clock.now += 5
    guard.admit("user")
    for _ in range(10):
        guard.admit("user")
    clock.now += 5.01
    assert guard.admit("user") is Admission.ADMIT


async def test_a_bucket_lets_a_burst_through_then_paces() -> None:
    bucket = TokenBucket(rate=20.0, capacity=3)
    started = time.monotonic()
    for _ in range(3):
        await bucket.take()
    burst = time.monotonic() - started
    for _ in range(4):
        await bucket.take()
    paced = time.monotonic() - started
    assert burst < 0.05
    assert paced >= 4 / 20 - 0.02


async def test_a_paused_bucket_waits_out_the_pause() -> None:
    bucket = TokenBucket(rate=1000.0, capacity=5)
    bucket.pause(0.3)
    started = time.monotonic()
    await bucket.take()
    assert time.monotonic() - started >= 0.28


async def test_chats_are_paced_apart_and_the_global_bucket_binds_all() -> None:
    limiter = OutboundLimiter(global_per_second=1000.0, chat_per_second=5.0, chat_burst=1)
    started = time.monotonic()
    await asyncio.gather(*(limiter.take(chat) for chat in range(20)))
    assert time.monotonic() - started < 0.1, "different chats do not wait for each other"
    await limiter.take(1)
    assert time.monotonic() - started >= 0.18, "a second send to one chat waits its turn"
    limiter.pause(None, 0.2)
    paused = time.monotonic()
    await limiter.take(42)
    assert time.monotonic() - paused >= 0.18


async def test_lanes_run_each_users_jobs_in_order_and_users_side_by_side() -> None:
    sequencer = UserSequencer()
    events: list[str] = []

    def job(name: str, seconds: float) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            events.append(f"start {name}")
            await asyncio.sleep(seconds)
            events.append(f"end {name}")

        return run

    sequencer.submit("a", job("a1", 0.2))
    sequencer.submit("a", job("a2", 0.0))
    sequencer.submit("b", job("b1", 0.05))
    assert await sequencer.drain(2.0)
    assert events.index("end a1") < events.index("start a2")
    assert events.index("end b1") < events.index("end a1")
    assert sequencer.busy_lanes == 0


async def test_a_failing_job_does_not_stop_its_lane() -> None:
    sequencer = UserSequencer()
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("boom")

    async def succeeds() -> None:
        done.append("next")

    sequencer.submit(1, fails)
    sequencer.submit(1, succeeds)
    assert await sequencer.drain(1.0)
    assert done == ["next"]


async def test_drain_gives_up_after_the_grace_period() -> None:
    sequencer = UserSequencer()
    sequencer.submit(1, lambda: asyncio.sleep(5))
    assert not await sequencer.drain(0.05)
    await sequencer.cancel()
    assert sequencer.busy_lanes == 0


def _part(update_id: int, message_id: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "media_group_id": "g1",
            },
        }
    )


async def test_an_album_waits_for_quiet_and_orders_its_parts() -> None:
    albums = AlbumCollector(quiet_seconds=0.15, max_wait_seconds=2.0)
    album = albums.add(1, "g1", _part(12, 2))
    assert album is not None
    completing = asyncio.create_task(albums.complete(album))
    await asyncio.sleep(0.1)
    assert albums.add(1, "g1", _part(11, 1)) is None
    await asyncio.sleep(0.1)
    assert not completing.done(), "a new part restarts the quiet period"
    parts = await completing
    assert [part.update_id for part in parts] == [11, 12]
    assert albums.add(1, "g1", _part(13, 3)) is not None, "a late part starts a new album"


async def test_an_album_is_closed_after_the_longest_wait() -> None:
    albums = AlbumCollector(quiet_seconds=0.1, max_wait_seconds=0.3)
    album = albums.add(1, "g1", _part(1, 1))
    assert album is not None
    completing = asyncio.create_task(albums.complete(album))
    started = time.monotonic()
    for number in range(2, 20):
        await asyncio.sleep(0.06)
        albums.add(1, "g1", _part(number, number))
        if completing.done():
            break
    parts = await completing
    # Parts kept coming every 0.06 s, inside the quiet period: only the longest wait ends it.
    assert time.monotonic() - started < 1.0
    assert 2 <= len(parts) < 7


def test_a_discarded_album_takes_no_more_parts() -> None:
    albums = AlbumCollector(quiet_seconds=1.0, max_wait_seconds=5.0)
    album = albums.add(1, "g1", _part(1, 1))
    assert album is not None
    albums.discard(album)
    assert albums.add(1, "g1", _part(2, 2)) is not None
