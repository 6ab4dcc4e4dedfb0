"""Photos and documents waiting for the consumer's case to exist."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import held_files


@dataclass(frozen=True, slots=True)
class HeldFile:
    file_id: str
    file_unique_id: str
    kind: str
    file_name: str | None
    media_type: str | None
    message_id: int
    id: int = 0
    received_at: float = 0.0


class HeldFiles:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def hold(self, user_id: int, held: HeldFile) -> None:
        """Keep a file for later; the same file sent twice is kept once."""
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(held_files).values(
                        user_id=user_id,
                        file_id=held.file_id,
                        file_unique_id=held.file_unique_id,
                        kind=held.kind,
                        file_name=held.file_name,
                        media_type=held.media_type,
                        message_id=held.message_id,
                        received_at=self._clock(),
                    )
                )
        except IntegrityError:
            return

    async def for_user(self, user_id: int) -> list[HeldFile]:
        query = (
            sa.select(held_files).where(held_files.c.user_id == user_id).order_by(held_files.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            HeldFile(
                id=row["id"],
                file_id=row["file_id"],
                file_unique_id=row["file_unique_id"],
                kind=row["kind"],
                file_name=row["file_name"],
                media_type=row["media_type"],
                message_id=row["message_id"],
                received_at=row["received_at"],
            )
            for row in rows
        ]

    async def release(self, held_id: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(sa.delete(held_files).where(held_files.c.id == held_id))
