"""Handoffs the bot learnt of, each with the forum topic agents work it in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.channel.handoffs import OPEN_STATUSES
from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import handoff_topics


@dataclass(frozen=True, slots=True)
class HandoffTopic:
    handoff_id: int
    user_id: int
    thread_id: int
    status: str
    label: str
    """What the topic's name says about the consumer, e.g. ``#123 张三 · air_conditioner``."""
    reason: str
    agent_id: str | None = None
    agent_name: str | None = None
    reminded: bool = False
    told_after_hours: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class HandoffTopics:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def add(self, topic: HandoffTopic) -> bool:
        """Record a handoff's topic; False when the handoff was recorded before."""
        now = self._clock()
        row = {
            "handoff_id": topic.handoff_id,
            "user_id": topic.user_id,
            "thread_id": topic.thread_id,
            "status": topic.status,
            "label": topic.label,
            "reason": topic.reason,
            "agent_id": topic.agent_id,
            "agent_name": topic.agent_name,
            "reminded": topic.reminded,
            "told_after_hours": topic.told_after_hours,
            "resume_pending": False,
            "opened_at": now,
            "updated_at": now,
        }
        try:
            async with self._engine.begin() as connection:
                await connection.execute(sa.insert(handoff_topics).values(**row))
        except IntegrityError:
            return False
        return True

    async def get(self, handoff_id: int) -> HandoffTopic | None:
        return await self._first(handoff_topics.c.handoff_id == handoff_id)

    async def in_thread(self, thread_id: int) -> HandoffTopic | None:
        """The latest handoff worked in a topic."""
        return await self._first(handoff_topics.c.thread_id == thread_id)

    async def open_for_user(self, user_id: int) -> HandoffTopic | None:
        return await self._first(
            handoff_topics.c.user_id == user_id, handoff_topics.c.status.in_(OPEN_STATUSES)
        )

    async def latest_for_user(self, user_id: int) -> HandoffTopic | None:
        return await self._first(handoff_topics.c.user_id == user_id)

    async def open_topics(self) -> list[HandoffTopic]:
        query = (
            sa.select(handoff_topics)
            .where(handoff_topics.c.status.in_(OPEN_STATUSES))
            .order_by(handoff_topics.c.handoff_id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_topic(row) for row in rows]

    async def awaiting_resume(self) -> list[HandoffTopic]:
        """Closed handoffs whose conversation the engine has not taken back yet."""
        query = (
            sa.select(handoff_topics)
            .where(handoff_topics.c.resume_pending.is_(True))
            .order_by(handoff_topics.c.handoff_id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_topic(row) for row in rows]

    async def change(self, handoff_id: int, **values: Any) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(handoff_topics)
                .where(handoff_topics.c.handoff_id == handoff_id)
                .values(**values, updated_at=self._clock())
            )

    async def move(self, user_id: int, old_thread_id: int, new_thread_id: int) -> None:
        """The consumer's topic was replaced (the old one was deleted)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(handoff_topics)
                .where(
                    handoff_topics.c.user_id == user_id,
                    handoff_topics.c.thread_id == old_thread_id,
                )
                .values(thread_id=new_thread_id, updated_at=self._clock())
            )

    async def _first(self, *conditions: Any) -> HandoffTopic | None:
        query = (
            sa.select(handoff_topics)
            .where(*conditions)
            .order_by(handoff_topics.c.handoff_id.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return _topic(row) if row is not None else None


def _topic(row: Any) -> HandoffTopic:
    return HandoffTopic(
        handoff_id=row["handoff_id"],
        user_id=row["user_id"],
        thread_id=row["thread_id"],
        status=row["status"],
        label=row["label"],
        reason=row["reason"],
        agent_id=row["agent_id"],
        agent_name=row["agent_name"],
        reminded=bool(row["reminded"]),
        told_after_hours=bool(row["told_after_hours"]),
    )
