"""The bot's own store: updates, users, buttons, queued messages and held files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram.store.bot_store import BotStore
from bot.telegram.store.buttons import Button
from bot.telegram.store.held_files import HeldFile


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[BotStore]:
    opened = await BotStore.open(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'bot.sqlite3'}", clock)
    yield opened
    await opened.close()


async def test_an_update_is_claimed_once_and_unfinished_ones_are_listed(store: BotStore) -> None:
    assert await store.updates.claim(10, '{"update_id": 10}')
    assert not await store.updates.claim(10, '{"update_id": 10}')
    assert await store.updates.claim(11, '{"update_id": 11}')
    assert await store.updates.claim(9, '{"update_id": 9}')
    await store.updates.finish([10])
    assert await store.updates.unfinished() == ['{"update_id": 9}', '{"update_id": 11}']


async def test_finished_updates_are_forgotten_after_the_retention(
    store: BotStore, clock: Clock
) -> None:
    await store.updates.claim(1, "{}")
    await store.updates.claim(2, "{}")
    await store.updates.finish([1])
    clock.now += 100
    assert await store.updates.prune(clock.now - 50) == 1
    assert await store.updates.claim(1, "{}"), "forgotten: would be taken in again"
    assert not await store.updates.claim(2, "{}"), "unfinished ones are never pruned"


async def test_a_store_survives_reopening(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    first = await BotStore.open(url, clock)
    await first.updates.claim(5, "{}")
    [key] = await first.buttons.register(1, [Button("Yes", "/affirm")])
    await first.close()
    second = await BotStore.open(url, clock)
    try:
        assert not await second.updates.claim(5, "{}")
        choice = await second.buttons.choose(key, 1)
        assert choice is not None and choice.payload == "/affirm"
    finally:
        await second.close()


async def test_users_follow_their_app_until_they_choose(store: BotStore) -> None:
    assert await store.users.observe(1, "zh") == "zh"
    assert await store.users.observe(1, "en") == "en"
    await store.users.choose_language(1, "zh")
    assert await store.users.observe(1, "en") == "zh"
    assert await store.users.language_of(2) is None


async def test_blocking_is_recorded_and_cleared_by_writing(store: BotStore) -> None:
    await store.users.mark_blocked(3, "en")
    assert await store.users.is_blocked(3)
    assert await store.users.language_of(3) == "en"
    assert await store.users.observe(3, "zh") == "zh"
    assert not await store.users.is_blocked(3)


async def test_a_shared_location_is_taken_once(store: BotStore) -> None:
    await store.users.observe(4, "zh")
    await store.users.share_location(4, 31.2, 121.5)
    assert await store.users.take_location(4) == {"latitude": 31.2, "longitude": 121.5}
    assert await store.users.take_location(4) is None


async def test_a_keyboard_is_answered_once_and_only_by_its_user(store: BotStore) -> None:
    keys = await store.buttons.register(7, [Button("Yes", "/affirm"), Button("No", "/deny")])
    assert len(set(keys)) == 2 and all(len(key) == 12 for key in keys)
    assert await store.buttons.choose(keys[0], 8) is None
    first = await store.buttons.choose(keys[1], 7)
    assert first is not None and (first.title, first.payload, first.first) == ("No", "/deny", True)
    again = await store.buttons.choose(keys[0], 7)
    assert again is not None and not again.first
    assert await store.buttons.choose("unknown", 7) is None


async def test_old_buttons_expire(store: BotStore, clock: Clock) -> None:
    [old] = await store.buttons.register(7, [Button("Old", "/old")])
    clock.now += 1000
    [new] = await store.buttons.register(7, [Button("New", "/new")])
    assert await store.buttons.prune(clock.now - 10) == 1
    assert await store.buttons.choose(old, 7) is None
    assert await store.buttons.choose(new, 7) is not None


async def test_queued_messages_keep_their_order_per_user(store: BotStore) -> None:
    await store.pending.add(1, 1, "a", {"language": "zh"})
    await store.pending.add(2, 2, "x", {})
    await store.pending.add(1, 1, "b", {})
    assert await store.pending.users() == [1, 2]
    queued = await store.pending.for_user(1)
    assert [item.message for item in queued] == ["a", "b"]
    assert queued[0].metadata == {"language": "zh"}
    await store.pending.remove(queued[0].id)
    assert [item.message for item in await store.pending.for_user(1)] == ["b"]
    assert not await store.pending.has_pending(3)


async def test_a_file_is_held_once(store: BotStore) -> None:
    photo = HeldFile("file-a", "unique-a", "photo", None, "image/jpeg", 5)
    await store.held_files.hold(1, photo)
    await store.held_files.hold(1, photo)
    [held] = await store.held_files.for_user(1)
    assert (held.file_id, held.kind, held.message_id) == ("file-a", "photo", 5)
    await store.held_files.release(held.id)
    assert await store.held_files.for_user(1) == []
