"""Consumers banned by an agent for abuse."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import banned_users


class BannedUsers:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def ban(self, user_id: int, banned_by: str) -> bool:
        """Ban ``user_id``; False when they were banned already."""
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(banned_users).values(
                        user_id=user_id, banned_by=banned_by, banned_at=self._clock()
                    )
                )
        except IntegrityError:
            return False
        return True

    async def unban(self, user_id: int) -> bool:
        """Lift the ban; False when there was none."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                sa.delete(banned_users).where(banned_users.c.user_id == user_id)
            )
        return bool(result.rowcount)

    async def is_banned(self, user_id: int) -> bool:
        query = sa.select(banned_users.c.user_id).where(banned_users.c.user_id == user_id)
        async with self._engine.connect() as connection:
            return (await connection.scalar(query)) is not None
