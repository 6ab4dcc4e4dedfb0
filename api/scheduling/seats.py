"""Choosing and claiming a seat in a window: the one place bookings touch ``visit_slots``.

Candidates are the technicians who serve the place and work during the window, least
booked that day first. Each free seat is claimed with ``INSERT ... ON CONFLICT DO NOTHING``
on the (technician, window start, seat) unique constraint: when a concurrent transaction
claimed it first, the database refuses ours (on PostgreSQL after waiting for the other
transaction to finish) and the next candidate is tried, without aborting the transaction.

Ties between equally booked technicians, and the order of a technician's seats, are spread
by the booking's key (its case): concurrent bookings then aim at different seats instead of
queueing behind the same one.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.insert_once import insert_once
from api.scheduling.crew import CrewMember, held_seats
from api.scheduling.models import VisitSlot
from api.scheduling.windows import Window, local_day_bounds


@dataclass(frozen=True, slots=True)
class ClaimedSeat:
    technician_id: int
    slot_id: int


async def claim_seat(
    session: AsyncSession,
    crew: Sequence[CrewMember],
    window: Window,
    zone: ZoneInfo,
    *,
    now: datetime,
    spread_by: int,
    preferred_technician: int | None = None,
) -> ClaimedSeat | None:
    """A seat in ``window`` held for this transaction, or None when every seat is taken."""
    working = [member for member in crew if member.works_during(window)]
    if not working:
        return None
    held = await held_seats(
        session, [member.id for member in working], *local_day_bounds(window.local_date, zone)
    )
    taken = {(seat.technician_id, seat.seat) for seat in held if seat.window_start == window.start}
    load = Counter(seat.technician_id for seat in held)
    ordered = sorted(
        working,
        key=lambda member: (
            member.id != preferred_technician,
            load[member.id],
            _scatter(spread_by, member.id),
        ),
    )
    for member in ordered:
        first_seat = spread_by % member.capacity
        for offset in range(member.capacity):
            seat = (first_seat + offset) % member.capacity
            if (member.id, seat) in taken:
                continue
            values = {
                "technician_id": member.id,
                "window_start": window.start,
                "seat": seat,
                "created_at": now,
            }
            slot_id = await insert_once(
                session, VisitSlot, values, unique_on=("technician_id", "window_start", "seat")
            )
            if slot_id is not None:
                return ClaimedSeat(member.id, slot_id)
    return None


def _scatter(spread_by: int, technician_id: int) -> int:
    """A stable pseudo-random rank of a technician for one booking."""
    return zlib.crc32(f"{spread_by}:{technician_id}".encode())


async def release_seat(session: AsyncSession, slot_id: int) -> None:
    await session.execute(delete(VisitSlot).where(VisitSlot.id == slot_id))
