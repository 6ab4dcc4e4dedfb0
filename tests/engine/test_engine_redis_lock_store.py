"""Engine replicas sharing a Redis lock store: one conversation is handled by one replica
at a time, in the order its messages arrived, and a crashed holder's lock expires."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.engine.redis_lock_store import RedisLockStore
from bot.engine.redis_tracker_store import RedisTrackerStore
from bot.engine.settings import EngineSettings
from bot.engine.sql_tracker_store import SqlTrackerStore
from bot.engine.stores import REDIS_CONNECTIONS, create_lock_store
from bot.engine.tracker_store import TrackerStore
from tests.engine.dialogue_bots import Bot, KeywordParser, start_bot, write_bot
from tests.engine.polling import until

pytestmark = pytest.mark.redis

REPOSITORY = Path(__file__).resolve().parents[2]
MESSAGES = [f"m{number}" for number in range(10)]

RECORD_DOMAIN = """\
version: "3.1"
intents: [say]
actions: [action_record]
"""

RECORD_RULES = """\
version: "3.1"
rules:
- rule: every message is recorded
  steps:
  - intent: say
  - action: action_record
"""


class RecordingActions:
    """One action server for both replicas: ``action_record`` logs when it starts and
    ends, and answers with the message and how many user messages its tracker holds.
    The first message waits at ``gate`` so the others queue up behind it."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.gate = asyncio.Event()

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        tracker = body["tracker"]
        text = tracker["latest_message"]["text"]
        self.log.append(("enter", text))
        if text == MESSAGES[0]:
            await self.gate.wait()
        await asyncio.sleep(0.01)  # long enough for an overlapping turn to show
        users = sum(1 for event in tracker["events"] if event["event"] == "user")
        self.log.append(("exit", text))
        return {"events": [], "responses": [{"text": f"{text} #{users}"}]}


def lock_store(redis_url: str, prefix: str, lifetime_seconds: float = 10.0) -> RedisLockStore:
    return RedisLockStore(
        Redis.from_url(redis_url, decode_responses=True),
        key_prefix=prefix,
        lifetime_seconds=lifetime_seconds,
        poll_seconds=0.005,
    )


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
async def test_two_replicas_take_turns_in_arrival_order(
    backend: str, tmp_path: Path, redis_url: str, redis_key_prefix: str
) -> None:
    root = write_bot(tmp_path / "bot", RECORD_DOMAIN, RECORD_RULES)
    actions = RecordingActions()
    sender = f"tg:{uuid.uuid4().hex[:8]}"
    queue = Redis.from_url(redis_url, decode_responses=True)
    replicas: list[Bot] = []

    def tracker_store() -> TrackerStore:
        if backend == "redis":
            client = Redis.from_url(redis_url, decode_responses=True)
            return RedisTrackerStore(client, key_prefix=redis_key_prefix)
        return SqlTrackerStore(f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}")

    try:
        for _ in range(2):
            replicas.append(
                await start_bot(
                    root,
                    parser=KeywordParser(dict.fromkeys(MESSAGES, "say")),
                    client=actions,
                    store=tracker_store(),
                    locks=lock_store(redis_url, redis_key_prefix),
                )
            )

        async def first_is_running() -> bool:
            return ("enter", MESSAGES[0]) in actions.log

        turns = [asyncio.create_task(replicas[0].texts(MESSAGES[0], sender))]
        await until(first_is_running)
        for number, text in enumerate(MESSAGES[1:], start=1):
            turns.append(asyncio.create_task(replicas[number % 2].texts(text, sender)))

            async def ticket_drawn(tickets: int = number + 1) -> bool:
                return await queue.zcard(f"{redis_key_prefix}lock:{sender}") == tickets

            await until(ticket_drawn)
        assert actions.log == [("enter", MESSAGES[0])], "the others wait for the first"
        actions.gate.set()
        replies = await asyncio.gather(*turns)
    finally:
        for replica in replicas:
            await replica.close()
        await queue.aclose()

    assert actions.log == [(step, text) for text in MESSAGES for step in ("enter", "exit")]
    assert replies == [[f"{text} #{number}"] for number, text in enumerate(MESSAGES, start=1)]
    check = await start_bot(root, store=tracker_store())
    try:
        events = await check.events(sender)
    finally:
        await check.close()
    assert [event["text"] for event in events if event["event"] == "user"] == MESSAGES


HOLDER = """
import asyncio
import sys

from redis.asyncio import Redis

from bot.engine.redis_lock_store import RedisLockStore


async def hold(url: str, prefix: str, lifetime: str) -> None:
    client = Redis.from_url(url, decode_responses=True)
    store = RedisLockStore(client, key_prefix=prefix, lifetime_seconds=float(lifetime))
    async with store.lock("tg:1"):
        print("held", flush=True)
        await asyncio.sleep(3600)


asyncio.run(hold(*sys.argv[1:]))
"""


async def test_the_lock_of_a_crashed_holder_expires(redis_url: str, redis_key_prefix: str) -> None:
    lifetime = 0.6
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        redis_url,
        redis_key_prefix,
        str(lifetime),
        stdout=asyncio.subprocess.PIPE,
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    store = lock_store(redis_url, redis_key_prefix, lifetime_seconds=lifetime)
    acquired = asyncio.Event()

    async def take_over() -> None:
        async with store.lock("tg:1"):
            acquired.set()

    try:
        assert holder.stdout is not None
        async with asyncio.timeout(20):
            assert await holder.stdout.readline() == b"held\n"
        waiting = asyncio.create_task(take_over())
        await asyncio.sleep(3 * lifetime)
        assert not acquired.is_set(), "a live holder keeps its lock past the lifetime"
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        killed_at = time.monotonic()
        async with asyncio.timeout(5):
            await waiting
        assert time.monotonic() - killed_at < lifetime + 1.0
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await store.close()


async def test_a_holder_whose_ticket_expired_frees_only_its_own(
    redis_url: str, redis_key_prefix: str
) -> None:
    store = lock_store(redis_url, redis_key_prefix)
    client = Redis.from_url(redis_url, decode_responses=True)
    deadlines = f"{redis_key_prefix}lock:tg:1:deadlines"
    holding: dict[str, asyncio.Event] = {}
    done: dict[str, asyncio.Event] = {}

    async def hold(name: str) -> None:
        holding[name], done[name] = asyncio.Event(), asyncio.Event()
        async with store.lock("tg:1"):
            holding[name].set()
            await done[name].wait()

    try:
        stale = asyncio.create_task(hold("stale"))
        await until(lambda: _is_set(holding, "stale"))
        [token] = await client.hkeys(deadlines)
        await client.hset(deadlines, token, 0)  # as if its holder had stalled too long
        current = asyncio.create_task(hold("current"))
        await until(lambda: _is_set(holding, "current"))
        waiting = asyncio.create_task(hold("waiting"))
        await until(lambda: _hash_size_is(client, deadlines, 2))
        done["stale"].set()
        await stale
        await asyncio.sleep(0.1)
        assert not holding["waiting"].is_set(), "the stale holder's release freed nobody"
        done["current"].set()
        await current
        await until(lambda: _is_set(holding, "waiting"))
        done["waiting"].set()
        await waiting
        assert await client.exists(deadlines) == 0, "the last release leaves no keys"
    finally:
        await store.close()
        await client.aclose()


async def _is_set(events: dict[str, asyncio.Event], name: str) -> bool:
    return name in events and events[name].is_set()


async def _hash_size_is(client: Redis, key: str, size: int) -> bool:
    return await client.hlen(key) == size


async def test_a_burst_larger_than_the_connection_pool_waits_for_connections(
    redis_url: str, redis_key_prefix: str
) -> None:
    settings = EngineSettings(lock_store_url=redis_url, redis_key_prefix=redis_key_prefix)
    locks = create_lock_store(settings)
    conversations = [f"tg:{number}" for number in range(3 * REDIS_CONNECTIONS)]
    handled: list[str] = []

    async def handle(sender: str) -> None:
        async with locks.lock(sender):
            await asyncio.sleep(0.01)
            handled.append(sender)

    try:
        await asyncio.gather(*(handle(sender) for sender in conversations))
    finally:
        await locks.close()
    assert sorted(handled) == sorted(conversations)
