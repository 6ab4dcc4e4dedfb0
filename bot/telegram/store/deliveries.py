"""Outbound items delivered to Telegram, and whether the api was told."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.telegram.store.database import BotDatabase
from bot.telegram.store.schema import outbound_deliveries


@dataclass(frozen=True, slots=True)
class Unacknowledged:
    item_id: int
    lease_token: str


class OutboundDeliveries:
    def __init__(self, database: BotDatabase, clock: Callable[[], float] = time.time) -> None:
        self._engine = database.engine
        self._clock = clock

    async def was_delivered(self, item_id: int) -> bool:
        query = sa.select(outbound_deliveries.c.item_id).where(
            outbound_deliveries.c.item_id == item_id
        )
        async with self._engine.connect() as connection:
            return (await connection.scalar(query)) is not None

    async def record(self, item_id: int, lease_token: str) -> None:
        """The item was sent under ``lease_token`` (a later lease's token replaces it)."""
        values = {"lease_token": lease_token, "delivered_at": self._clock()}
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(outbound_deliveries).values(item_id=item_id, **values)
                )
        except IntegrityError:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.update(outbound_deliveries)
                    .where(outbound_deliveries.c.item_id == item_id)
                    .values(lease_token=lease_token, acknowledged_at=None)
                )

    async def acknowledged(self, item_id: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(outbound_deliveries)
                .where(outbound_deliveries.c.item_id == item_id)
                .values(acknowledged_at=self._clock())
            )

    async def unacknowledged(self) -> list[Unacknowledged]:
        query = (
            sa.select(outbound_deliveries.c.item_id, outbound_deliveries.c.lease_token)
            .where(outbound_deliveries.c.acknowledged_at.is_(None))
            .order_by(outbound_deliveries.c.item_id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [Unacknowledged(row.item_id, row.lease_token) for row in rows]
