"""Erasing a consumer's personal data from their visits, as part of erasing the consumer.

The visits themselves stay (times, technician, status, resolution) for the service record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.scheduling.models import Visit, VisitTransition


async def erase_visit_personal_data(
    session: AsyncSession,
    case_ids: Sequence[int],
    *,
    channel_id: str,
    anonymous_id: str,
    marker: str,
    now: datetime,
) -> int:
    """Replace the address, contact phone and free text of the cases' visits with
    ``marker``, and the consumer's identity in their history with ``anonymous_id``.

    The visits count as changed (``updated_at``), so that the dispatch feed hands the erasure
    on. Returns the number of visits changed.
    """
    if not case_ids:
        return 0
    in_cases = Visit.case_id.in_(case_ids)
    changed = await session.execute(
        update(Visit)
        .where(in_cases)
        .values(address=marker, contact_phone=marker, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Visit)
        .where(in_cases, Visit.cancel_reason.is_not(None))
        .values(cancel_reason=marker)
        .execution_options(synchronize_session=False)
    )
    of_visits = VisitTransition.visit_id.in_(select(Visit.id).where(in_cases))
    await session.execute(
        update(VisitTransition)
        .where(of_visits, VisitTransition.note.is_not(None))
        .values(note=marker)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(VisitTransition)
        .where(of_visits, VisitTransition.actor_id == channel_id)
        .values(actor_id=anonymous_id)
        .execution_options(synchronize_session=False)
    )
    return int(changed.rowcount or 0)
