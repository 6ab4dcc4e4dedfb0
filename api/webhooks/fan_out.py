"""Fan-out: each outbox event becomes one delivery per active subscription that wants it.

A cursor row remembers the last outbox id fanned out. It advances in the transaction that
inserts the deliveries, so a restart neither misses nor repeats an event; the unique
(event, subscription) constraint makes a repeat harmless all the same.

Outbox ids are drawn when an event is inserted, but transactions commit in their own order:
on PostgreSQL id 11 can be visible while id 10 is still in an open transaction, or rolled
back and missing for good. The cursor therefore stops before a missing id and moves past it
only once it has been missing for ``gap_grace``, longer than any transaction that records
events lasts. SQLite commits one writer at a time, so its ids appear in order.

On PostgreSQL the cursor row is locked with ``SKIP LOCKED``: while one replica fans out, the
others skip the step instead of waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.outbox.models import OutboxEvent
from api.webhooks.models import FAN_OUT_CURSOR, WebhookCursor, WebhookDelivery, WebhookSubscription
from api.webhooks.status import DeliveryStatus

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
# Rows per INSERT statement: well below SQLite's limit of bound parameters per statement.
_ROWS_PER_INSERT = 1000


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    event_type: str


@dataclass(frozen=True, slots=True)
class FanOutResult:
    events: int
    """Outbox events the cursor moved over."""
    deliveries: int
    """Deliveries created for them."""


def contiguous_run(
    after: int,
    entries: Sequence[OutboxEntry],
    *,
    gap_seen_at: datetime | None,
    now: datetime,
    gap_grace: timedelta,
) -> tuple[list[OutboxEntry], bool]:
    """The entries (ascending ids) the cursor at ``after`` may move over, and whether it
    stopped at a missing id. Only the gap right after the cursor can have been seen before;
    it is passed once it has been missing for ``gap_grace`` since ``gap_seen_at``."""
    position = after
    taken: list[OutboxEntry] = []
    for entry in entries:
        if entry.id != position + 1:
            waited_enough = (
                position == after and gap_seen_at is not None and now - gap_seen_at >= gap_grace
            )
            if not waited_enough:
                return taken, True
        taken.append(entry)
        position = entry.id
    return taken, False


async def fan_out(
    session: AsyncSession, *, batch_size: int, gap_grace: timedelta, now: datetime
) -> FanOutResult:
    """Create the deliveries of the next outbox events; the caller commits."""
    subscriptions = list(
        (
            await session.scalars(
                select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
            )
        ).all()
    )
    if not subscriptions:
        # Nothing can match; subscriptions created later start after the newest event anyway.
        return FanOutResult(0, 0)
    cursor = await _lock_cursor(session)
    if cursor is None:
        return FanOutResult(0, 0)
    wanted_from = min(subscription.starts_after_event_id for subscription in subscriptions)
    if cursor.last_event_id < wanted_from:
        # No active subscription wants anything at or below this id.
        cursor.last_event_id, cursor.gap_seen_at, cursor.updated_at = wanted_from, None, now
    found = await session.execute(
        select(OutboxEvent.id, OutboxEvent.event_type)
        .where(OutboxEvent.id > cursor.last_event_id)
        .order_by(OutboxEvent.id)
        .limit(batch_size)
    )
    entries = [OutboxEntry(row.id, row.event_type) for row in found]
    taken, stopped_at_gap = contiguous_run(
        cursor.last_event_id,
        entries,
        gap_seen_at=cursor.gap_seen_at,
        now=now,
        gap_grace=gap_grace,
    )
    created = 0
    if taken:
        rows = [
            _delivery_row(entry.id, subscription.id, now)
            for entry in taken
            for subscription in subscriptions
            if subscription.wants(entry.event_type, entry.id)
        ]
        created = await _insert_deliveries(session, rows)
        cursor.last_event_id = taken[-1].id
        cursor.gap_seen_at = now if stopped_at_gap else None
        cursor.updated_at = now
    elif stopped_at_gap and cursor.gap_seen_at is None:
        cursor.gap_seen_at, cursor.updated_at = now, now
    await session.flush()
    return FanOutResult(len(taken), created)


async def _lock_cursor(session: AsyncSession) -> WebhookCursor | None:
    """The cursor row, locked for this transaction; None while another worker holds it."""
    locked = await _select_cursor(session)
    if locked is not None:
        return locked
    insert = _INSERTS[session.get_bind().dialect.name]
    await session.execute(
        insert(WebhookCursor)
        .values(name=FAN_OUT_CURSOR, last_event_id=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return await _select_cursor(session)


async def _select_cursor(session: AsyncSession) -> WebhookCursor | None:
    found = await session.execute(
        select(WebhookCursor)
        .where(WebhookCursor.name == FAN_OUT_CURSOR)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return found.scalar_one_or_none()


def _delivery_row(outbox_id: int, subscription_id: int, now: datetime) -> dict[str, Any]:
    return {
        "outbox_event_id": outbox_id,
        "subscription_id": subscription_id,
        "status": DeliveryStatus.PENDING.value,
        "next_attempt_at": now,
        "attempt_count": 0,
        "created_at": now,
        "updated_at": now,
    }


async def _insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    insert = _INSERTS[session.get_bind().dialect.name]
    created = 0
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        statement = (
            insert(WebhookDelivery)
            .values(rows[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["outbox_event_id", "subscription_id"])
            .returning(WebhookDelivery.id)
        )
        created += len((await session.scalars(statement)).all())
    return created
