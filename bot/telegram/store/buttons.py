"""Inline keyboards: short callback keys stored with the engine payloads they stand for."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import buttons, keyboard_choices

KEY_BYTES = 9
"""12 URL-safe characters: unguessable, and far inside Telegram's 64-byte callback data."""


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Choice:
    title: str
    payload: str
    first: bool
    """False when a button of the same keyboard was tapped before (a double tap)."""


class ButtonStore:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def register(self, user_id: int, keyboard: Sequence[Button]) -> list[str]:
        """Store one keyboard's buttons for ``user_id``; returns their keys, in order."""
        keyboard_id = secrets.token_urlsafe(KEY_BYTES)
        keys = [secrets.token_urlsafe(KEY_BYTES) for _ in keyboard]
        now = self._clock()
        rows = [
            {
                "key": key,
                "keyboard_id": keyboard_id,
                "user_id": user_id,
                "title": button.title,
                "payload": button.payload,
                "created_at": now,
            }
            for key, button in zip(keys, keyboard, strict=True)
        ]
        async with self._engine.begin() as connection:
            await connection.execute(sa.insert(buttons), rows)
        return keys

    async def choose(self, key: str, user_id: int) -> Choice | None:
        """The button ``user_id`` tapped; None for an unknown, expired or foreign key."""
        async with self._engine.connect() as connection:
            row = (
                (
                    await connection.execute(
                        sa.select(buttons).where(buttons.c.key == key, buttons.c.user_id == user_id)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(keyboard_choices).values(
                        keyboard_id=row["keyboard_id"], key=key, chosen_at=self._clock()
                    )
                )
        except IntegrityError:
            return Choice(row["title"], row["payload"], first=False)
        return Choice(row["title"], row["payload"], first=True)

    async def prune(self, created_before: float) -> int:
        async with self._engine.begin() as connection:
            old = sa.select(buttons.c.keyboard_id).where(buttons.c.created_at < created_before)
            await connection.execute(
                sa.delete(keyboard_choices).where(keyboard_choices.c.keyboard_id.in_(old))
            )
            result = await connection.execute(
                sa.delete(buttons).where(buttons.c.created_at < created_before)
            )
        return result.rowcount or 0
