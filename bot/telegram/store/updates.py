"""Updates taken in, by update_id: the durable side of deduplication."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import updates


class UpdateInbox:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def claim(self, update_id: int, payload: str) -> bool:
        """Record an update as taken in; False when this update_id was taken in before."""
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(updates).values(
                        update_id=update_id, payload=payload, received_at=self._clock()
                    )
                )
        except IntegrityError:
            return False
        return True

    async def finish(self, update_ids: Iterable[int]) -> None:
        ids = list(update_ids)
        if not ids:
            return
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(updates)
                .where(updates.c.update_id.in_(ids), updates.c.finished_at.is_(None))
                .values(finished_at=self._clock())
            )

    async def unfinished(self) -> list[str]:
        """Payloads of updates taken in but never finished, oldest first."""
        query = (
            sa.select(updates.c.payload)
            .where(updates.c.finished_at.is_(None))
            .order_by(updates.c.update_id)
        )
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def prune(self, finished_before: float) -> int:
        """Forget finished updates; Telegram redelivers an update for at most a day."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                sa.delete(updates).where(updates.c.finished_at < finished_before)
            )
        return result.rowcount or 0
