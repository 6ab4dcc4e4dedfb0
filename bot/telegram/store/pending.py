"""Messages kept while the engine cannot be reached, replayed to it in order later."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import pending_messages


@dataclass(frozen=True, slots=True)
class PendingMessage:
    id: int
    user_id: int
    chat_id: int
    message: str
    metadata: dict[str, Any]
    queued_at: float


class PendingMessages:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def add(self, user_id: int, chat_id: int, message: str, metadata: dict[str, Any]) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.insert(pending_messages).values(
                    user_id=user_id,
                    chat_id=chat_id,
                    message=message,
                    metadata=json.dumps(metadata, ensure_ascii=False),
                    queued_at=self._clock(),
                )
            )

    async def for_user(self, user_id: int) -> list[PendingMessage]:
        query = (
            sa.select(pending_messages)
            .where(pending_messages.c.user_id == user_id)
            .order_by(pending_messages.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            PendingMessage(
                id=row["id"],
                user_id=row["user_id"],
                chat_id=row["chat_id"],
                message=row["message"],
                metadata=json.loads(row["metadata"]),
                queued_at=row["queued_at"],
            )
            for row in rows
        ]

    async def has_pending(self, user_id: int) -> bool:
        query = sa.select(pending_messages.c.id).where(pending_messages.c.user_id == user_id)
        async with self._engine.connect() as connection:
            return (await connection.scalar(query.limit(1))) is not None

    async def users(self) -> list[int]:
        """Users with queued messages, the longest-waiting first."""
        query = (
            sa.select(pending_messages.c.user_id, sa.func.min(pending_messages.c.id).label("first"))
            .group_by(pending_messages.c.user_id)
            .order_by("first")
        )
        async with self._engine.connect() as connection:
            return [row.user_id for row in await connection.execute(query)]

    async def remove(self, message_id: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.delete(pending_messages).where(pending_messages.c.id == message_id)
            )
