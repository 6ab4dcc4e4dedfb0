"""The tracker store in SQL (SQLite or PostgreSQL through SQLAlchemy's async engines):
an append-only table of serialised events per conversation, and the pending reminders.

The engine owns this small schema and creates it at start-up instead of shipping Alembic
migrations: rows are Rasa's own self-describing event JSON, appended and never rewritten,
so the table shape has no reason to change; a future incompatible layout would use new
table names rather than migrate rows in place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.engine.tracker_store import EventSequenceTaken, StoredReminder

metadata = sa.MetaData()

events_table = sa.Table(
    "engine_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("type_name", sa.String(64), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.UniqueConstraint("sender_id", "seq", name="uq_engine_events_sender_seq"),
)

reminders_table = sa.Table(
    "engine_reminders",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("entities", sa.Text, nullable=False),
    sa.Column("fire_at", sa.Float, nullable=False),
    sa.Column("kill_on_user_message", sa.Boolean, nullable=False),
)


class SqlTrackerStore:
    expires_conversations = False

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine = create_async_engine(url, **_engine_options(url))
        if make_url(url).get_backend_name() == "sqlite":
            sa.event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)

    async def create_schema(self) -> None:
        _ensure_sqlite_directory(self.url)
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def load_events(self, sender_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(events_table.c.data)
            .where(events_table.c.sender_id == sender_id)
            .order_by(events_table.c.seq)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).scalars().all()
        return [json.loads(row) for row in rows]

    async def event_count(self, sender_id: str) -> int:
        query = sa.select(sa.func.count()).where(events_table.c.sender_id == sender_id)
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def append_events(
        self, sender_id: str, first_seq: int, events: list[dict[str, Any]]
    ) -> None:
        """A sequence number already taken means another writer got there first: the
        unique constraint refuses it. (Numbers are only ever taken in order, under the
        conversation's lock, so a gap cannot arise.)"""
        if not events:
            return
        rows = [
            {
                "sender_id": sender_id,
                "seq": first_seq + offset,
                "type_name": str(event.get("event")),
                "timestamp": float(event.get("timestamp") or 0.0),
                "data": json.dumps(event, ensure_ascii=False),
            }
            for offset, event in enumerate(events)
        ]
        try:
            async with self._engine.begin() as connection:
                await connection.execute(sa.insert(events_table), rows)
        except IntegrityError as error:
            raise EventSequenceTaken(sender_id, first_seq) from error

    async def conversation_ids(self) -> list[str]:
        query = sa.select(events_table.c.sender_id).distinct().order_by(events_table.c.sender_id)
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars().all())

    # reminders ---------------------------------------------------------------------------

    async def save_reminder(self, reminder: StoredReminder) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.delete(reminders_table).where(
                    reminders_table.c.sender_id == reminder.sender_id,
                    reminders_table.c.name == reminder.name,
                )
            )
            await connection.execute(
                sa.insert(reminders_table).values(
                    sender_id=reminder.sender_id,
                    name=reminder.name,
                    intent=reminder.intent,
                    entities=json.dumps(reminder.entities, ensure_ascii=False),
                    fire_at=reminder.fire_at,
                    kill_on_user_message=reminder.kill_on_user_message,
                )
            )

    async def delete_reminder(
        self, sender_id: str, name: str, *, fire_at: float | None = None
    ) -> bool:
        """One conditional DELETE: of engines deleting the same row at once, the database
        lets one remove it and the others find nothing (PostgreSQL re-checks the row after
        waiting for the winner's lock; SQLite runs one writer at a time)."""
        statement = sa.delete(reminders_table).where(
            reminders_table.c.sender_id == sender_id, reminders_table.c.name == name
        )
        if fire_at is not None:
            statement = statement.where(reminders_table.c.fire_at == fire_at)
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def reminders(
        self, sender_id: str | None = None, *, due_before: float | None = None
    ) -> list[StoredReminder]:
        query = sa.select(reminders_table).order_by(reminders_table.c.fire_at)
        if sender_id is not None:
            query = query.where(reminders_table.c.sender_id == sender_id)
        if due_before is not None:
            query = query.where(reminders_table.c.fire_at <= due_before)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            StoredReminder(
                sender_id=row["sender_id"],
                name=row["name"],
                intent=row["intent"],
                entities=json.loads(row["entities"]),
                fire_at=row["fire_at"],
                kill_on_user_message=row["kill_on_user_message"],
            )
            for row in rows
        ]


def _engine_options(url: str) -> dict[str, Any]:
    if make_url(url).get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    """Write-ahead logging: a turn's commit no longer waits for a sync to disk, and a
    committed turn still survives the engine stopping (only an OS crash could lose the
    last moments)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
