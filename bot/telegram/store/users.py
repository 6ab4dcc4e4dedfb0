"""What the bot keeps per Telegram user: language, whether they blocked the bot, and a
location they shared that the next message carries to the engine."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import users


class UserStore:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def observe(self, user_id: int, detected_language: str) -> str:
        """Note that the user wrote; returns the language to answer in.

        A language the user chose (``/lang``) stays; otherwise the language their Telegram
        app reports is followed, also when they change it. Writing to the bot means they
        no longer block it.
        """
        async with self._engine.begin() as connection:
            row = (
                (await connection.execute(sa.select(users).where(users.c.user_id == user_id)))
                .mappings()
                .first()
            )
            if row is None:
                await connection.execute(
                    sa.insert(users).values(
                        user_id=user_id,
                        language=detected_language,
                        language_chosen=False,
                        updated_at=self._clock(),
                    )
                )
                return detected_language
            changes: dict[str, Any] = {}
            if not row["language_chosen"] and row["language"] != detected_language:
                changes["language"] = detected_language
            if row["blocked_at"] is not None:
                changes["blocked_at"] = None
            if changes:
                await connection.execute(
                    sa.update(users)
                    .where(users.c.user_id == user_id)
                    .values(**changes, updated_at=self._clock())
                )
            return str(changes.get("language", row["language"]))

    async def choose_language(self, user_id: int, language: str) -> None:
        await self._upsert(user_id, language=language, language_chosen=True)

    async def language_of(self, user_id: int) -> str | None:
        async with self._engine.connect() as connection:
            value = await connection.scalar(
                sa.select(users.c.language).where(users.c.user_id == user_id)
            )
        return str(value) if value is not None else None

    async def mark_blocked(self, user_id: int, default_language: str) -> None:
        await self._upsert(
            user_id, blocked_at=self._clock(), insert_defaults={"language": default_language}
        )

    async def is_blocked(self, user_id: int) -> bool:
        async with self._engine.connect() as connection:
            value = await connection.scalar(
                sa.select(users.c.blocked_at).where(users.c.user_id == user_id)
            )
        return value is not None

    async def share_location(self, user_id: int, latitude: float, longitude: float) -> None:
        location = json.dumps({"latitude": latitude, "longitude": longitude})
        await self._upsert(user_id, shared_location=location)

    async def take_location(self, user_id: int) -> dict[str, float] | None:
        """The location shared since the last message, once."""
        async with self._engine.begin() as connection:
            value = await connection.scalar(
                sa.select(users.c.shared_location).where(users.c.user_id == user_id)
            )
            if value is None:
                return None
            await connection.execute(
                sa.update(users).where(users.c.user_id == user_id).values(shared_location=None)
            )
        location: dict[str, float] = json.loads(value)
        return location

    async def _upsert(
        self, user_id: int, *, insert_defaults: dict[str, Any] | None = None, **values: Any
    ) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            updated = await connection.execute(
                sa.update(users).where(users.c.user_id == user_id).values(**values, updated_at=now)
            )
            if updated.rowcount:
                return
        row = {"language": "zh", "language_chosen": False, **(insert_defaults or {}), **values}
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(users).values(user_id=user_id, updated_at=now, **row)
                )
        except IntegrityError:
            # Created meanwhile by the user's own message: apply the change to that row.
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.update(users)
                    .where(users.c.user_id == user_id)
                    .values(**values, updated_at=now)
                )
