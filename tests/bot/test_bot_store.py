"""The bot's own store: updates, users, buttons, queued messages and held files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram.store.bot_store import BotStore
from bot.telegram.store.buttons import Button
from bot.telegram.store.held_files import HeldFile
from bot.telegram.store.topics import HandoffTopic


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


async def test_a_consumers_handoffs_share_a_topic_that_moves_when_recreated(
    store: BotStore,
) -> None:
    first = HandoffTopic(1, user_id=7, thread_id=40, status="queued", label="#H1 张三", reason="x")
    assert await store.topics.add(first)
    assert not await store.topics.add(first)
    await store.topics.change(1, status="resolved")
    second = HandoffTopic(
        2, user_id=7, thread_id=40, status="claimed", label="#H2 张三", reason="x"
    )
    await store.topics.add(second)

    assert (await store.topics.latest_for_user(7)) == second
    assert (await store.topics.open_for_user(7)) == second
    assert [topic.handoff_id for topic in await store.topics.open_topics()] == [2]
    await store.topics.move(7, old_thread_id=40, new_thread_id=55)
    assert (await store.topics.in_thread(55)) == HandoffTopic(
        2, user_id=7, thread_id=55, status="claimed", label="#H2 张三", reason="x"
    )
    assert (await store.topics.get(1)) is not None
    assert (await store.topics.in_thread(40)) is None
    assert (await store.topics.open_for_user(8)) is None


async def test_bans_are_lifted_once(store: BotStore) -> None:
    assert await store.bans.ban(7, "telegram:9001")
    assert not await store.bans.ban(7, "telegram:9002")
    assert await store.bans.is_banned(7)
    assert await store.bans.unban(7)
    assert not await store.bans.unban(7)
    assert not await store.bans.is_banned(7)


async def test_a_delivery_is_recorded_until_acknowledged(store: BotStore) -> None:
    assert not await store.deliveries.was_delivered(5)
    await store.deliveries.record(5, "lease-a.5")
    await store.deliveries.record(6, "lease-a.6")
    await store.deliveries.acknowledged(6)
    assert [
        (item.item_id, item.lease_token) for item in await store.deliveries.unacknowledged()
    ] == [(5, "lease-a.5")]
    # Leased again after its lease ran out: the new token is the one to acknowledge with.
    await store.deliveries.record(6, "lease-b.6")
    assert [item.lease_token for item in await store.deliveries.unacknowledged()] == [
        "lease-a.5",
        "lease-b.6",
    ]
    assert await store.deliveries.was_delivered(5)
